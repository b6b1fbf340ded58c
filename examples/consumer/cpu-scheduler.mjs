// The CPU part of /process jobs: a prime search by trial division over 2 … intensity × 10,000, repeated until the
// job's time is up (NimbusGuard's cpu_intensive_task). Every job earns intensity/10 of a core while it runs; one
// scheduler spends what they earned, one SLICE_MS slice per turn of the event loop (setImmediate), so incoming
// requests are read between any two slices and /health answers within a slice or two however many jobs run. (A timer
// per job instead let a few dozen jobs keep Node's timers phase busy for seconds, starving the sockets.) All jobs
// share this one JavaScript thread, as the original's shared Python's GIL: a replica gives at most one core.

/** One slice of work: long enough to be real work, short enough to keep answers quick. */
const SLICE_MS = 5;
/** What a job may have earned and not spent: a job that waited does not hog the thread afterwards. */
const MAX_CREDIT_MS = 4 * SLICE_MS;

export class CpuScheduler {
  constructor() {
    /** Running jobs: { intensity, end, credit, last, max, num, primes, resolve }. */
    this.jobs = new Set();
    this.scheduled = false;
    this.closed = false;
    this.timer = undefined;
  }

  /** Runs a job of `intensity` (1–10) for `ms` milliseconds; resolves with the primes it found. */
  run(intensity, ms) {
    return new Promise((resolve) => {
      const now = performance.now();
      this.jobs.add({ intensity, end: now + ms, credit: 0, last: now, max: intensity * 10_000, num: 2, primes: 0, resolve });
      this.#schedule(0);
    });
  }

  /** Ends every job now (server shutdown). */
  close() {
    this.closed = true;
    for (const j of this.jobs) j.resolve(j.primes);
    this.jobs.clear();
    clearTimeout(this.timer);
  }

  /** Next turn: at once when someone has credit (after the poll phase), else after `waitMs` (a timer). */
  #schedule(waitMs) {
    if (this.scheduled || this.closed || this.jobs.size === 0) return;
    this.scheduled = true;
    const tick = () => {
      this.scheduled = false;
      this.#tick();
    };
    if (waitMs <= 0) setImmediate(tick);
    else this.timer = setTimeout(tick, waitMs);
  }

  #tick() {
    const now = performance.now();
    let best;
    for (const j of this.jobs) {
      if (now >= j.end) {
        this.jobs.delete(j);
        j.resolve(j.primes);
        continue;
      }
      j.credit = Math.min(MAX_CREDIT_MS, j.credit + ((now - j.last) * j.intensity) / 10);
      j.last = now;
      if (best === undefined || j.credit > best.credit) best = j;
    }
    if (best === undefined) return;
    if (best.credit >= SLICE_MS / 2) {
      const spent = this.#slice(best, Math.min(SLICE_MS, best.end - now));
      best.credit -= spent;
      return this.#schedule(0);
    }
    // Nobody has earned a slice yet: wait until the richest job has.
    this.#schedule(((SLICE_MS / 2 - best.credit) * 10) / best.intensity);
  }

  /** Searches primes for `ms` milliseconds for job `j`; returns the milliseconds spent. */
  #slice(j, ms) {
    const start = performance.now();
    const stop = start + ms;
    let { num, primes } = j;
    const max = j.max;
    // The clock is read every 64 numbers: cheap, and a slice overruns by microseconds at most.
    for (let now = start; now < stop; now = performance.now()) {
      for (let k = 0; k < 64; k++) {
        let prime = true;
        for (let i = 2, r = Math.floor(Math.sqrt(num)); i <= r; i++) {
          if (num % i === 0) {
            prime = false;
            break;
          }
        }
        if (prime) primes++;
        num = num + 1 >= max ? 2 : num + 1;
      }
    }
    j.num = num;
    j.primes = primes;
    return performance.now() - start;
  }
}
