// The work POST /process does, after NimbusGuard's consumer (src/consumer/main.py @1fc9cf5):
//
// - CPU: a prime search by trial division over 2 … intensity × 10,000, repeated until `duration` has passed. The
//   original spins flat out whatever the intensity (intensity only widens the search); here a job gets intensity/10
//   of a core (cpu-scheduler.mjs), so the load is proportional to the intensity and /health, /metrics answer while
//   jobs run. All jobs share this process's one JavaScript thread, as the original's share Python's GIL: one replica
//   gives at most one core, more replicas give more.
// - Memory: `memory_size` MB (MiB, as the original's size_mb × 1024 × 1024) really allocated and written (every page
//   resident), appended to a store that keeps it after the job, until DELETE /process/cleanup, as the original's
//   global memory_store did (`retain: "duration"` takes it out of the store when the job ends instead). The job holds
//   it for `duration`.
// - Sync mode runs both at once and answers when both are done; async mode answers at once and then runs the CPU part
//   and after it the memory part, one after the other, as Starlette's BackgroundTasks ran the original's two tasks.
import { randomFillSync } from "node:crypto";
import { CpuScheduler } from "./cpu-scheduler.mjs";

/** The original's objects are 1,000-character strings: its list_size / objects_created count those. */
const OBJECT_BYTES = 1000;
/** Memory is written in pieces of this size with a yield in between, so filling 500 MB does not stall the server. */
const FILL_PIECE = 8 * 1024 * 1024;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const yieldNow = () => new Promise((r) => setImmediate(r));

export class ProcessWork {
  /**
   * @param {{ timeScale?: number, memoryScale?: number, retain?: "until-cleanup" | "duration" }} o
   *   timeScale: work lasts duration × timeScale (tests, demos); memoryScale: allocates memory_size × memoryScale;
   *   retain: keep allocations in the store until cleanup (the original) or only for the job's duration.
   */
  constructor(o = {}) {
    this.timeScale = o.timeScale ?? 1;
    this.memoryScale = o.memoryScale ?? 1;
    this.retain = o.retain ?? "until-cleanup";
    /** The original's memory_store: one entry per memory task, newest last. */
    this.store = [];
    /** Jobs started and not finished, by mode. */
    this.inFlight = { sync: 0, async: 0 };
    /** Bytes held by running jobs that are no longer (or never were) in the store. */
    this.heldOutsideStore = 0;
    this.closed = false;
  }

  /** Bytes the store holds. */
  storeBytes() {
    let n = 0;
    for (const e of this.store) n += e.buffer.length;
    return n;
  }

  /** Bytes held now: the store and the buffers of jobs still holding theirs. */
  heldBytes() {
    return this.storeBytes() + this.heldOutsideStore;
  }

  /** CPU work for `durationS` (× timeScale): resolves with the primes found (counted over every pass, as the original did). */
  cpu(intensity, durationS) {
    return this.#cpu.run(intensity, durationS * 1000 * this.timeScale);
  }

  /** Memory work: allocates, stores, holds for the duration; returns the original's objects_created. */
  async memory(sizeMb, durationS) {
    const bytes = Math.max(0, Math.round(sizeMb * 1024 * 1024 * this.memoryScale));
    const buffer = Buffer.allocUnsafeSlow(bytes);
    for (let off = 0; off < bytes && !this.closed; off += FILL_PIECE) {
      randomFillSync(buffer, off, Math.min(FILL_PIECE, bytes - off));
      await yieldNow();
    }
    const objects = Math.ceil((sizeMb * 1024 * 1024) / OBJECT_BYTES);
    const entry = { buffer, objects, sizeMb, timestamp: Date.now() / 1000 };
    this.store.push(entry);
    // The job's own reference: if cleanup empties the store meanwhile, the memory stays held until the job ends
    // (counted in heldOutsideStore from then on), as the original's task kept its list alive while it slept.
    const held = { entry, outside: false };
    this.#holding.add(held);
    try {
      await sleep(durationS * 1000 * this.timeScale);
    } finally {
      this.#holding.delete(held);
      if (held.outside) this.heldOutsideStore -= bytes;
      else if (this.retain === "duration") {
        const i = this.store.indexOf(entry);
        if (i >= 0) this.store.splice(i, 1);
      }
    }
    return objects;
  }

  /** Jobs holding memory now (their entries may have left the store). */
  #holding = new Set();
  #cpu = new CpuScheduler();

  /** Sync mode: CPU and memory at once; resolves with the original's answer fields. */
  async runSync(p) {
    this.inFlight.sync++;
    try {
      const [primes, objects] = await Promise.all([this.cpu(p.cpuIntensity, p.duration), this.memory(p.memorySize, p.duration)]);
      return { primes, objects };
    } finally {
      this.inFlight.sync--;
    }
  }

  /** Async mode: starts CPU then memory in the background; returns at once. */
  startAsync(p) {
    this.inFlight.async++;
    void (async () => {
      try {
        await this.cpu(p.cpuIntensity, p.duration);
        await this.memory(p.memorySize, p.duration);
      } finally {
        this.inFlight.async--;
      }
    })();
  }

  /** DELETE /process/cleanup: empties the store; returns how many entries it held. */
  cleanup() {
    const n = this.store.length;
    // Jobs still holding an entry that leaves the store keep counting it until they end.
    for (const h of this.#holding) {
      if (!h.outside) {
        h.outside = true;
        this.heldOutsideStore += h.entry.buffer.length;
      }
    }
    this.store = [];
    return n;
  }

  /** Stops every job at its next slice (server shutdown). */
  close() {
    this.closed = true;
    this.#cpu.close();
  }
}
