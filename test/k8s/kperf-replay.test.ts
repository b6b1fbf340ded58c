// The time-series schedule (runtime/kperf/replay.ts) on a manual clock, so its timing rules are asserted exactly and
// without waiting: buckets start at their own start times, a bucket's requests go out at once in list order on
// `clients` workers, a late bucket is sent at once and not skipped, and an abort stops handing out requests.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { replay, type ReplayBucket, type ReplayClock } from "../../runtime/kperf/replay.ts";

/** Time moves only when the test says so; sleepers wake when it reaches them (or on abort). */
class ManualClock implements ReplayClock {
  t = 0;
  #sleepers: Array<{ at: number; wake: () => void }> = [];
  now(): number {
    return this.t;
  }
  sleepUntil(at: number, signal: AbortSignal): Promise<void> {
    if (at <= this.t || signal.aborted) return Promise.resolve();
    return new Promise((wake) => {
      this.#sleepers.push({ at, wake });
      signal.addEventListener("abort", () => wake(), { once: true });
    });
  }
  async advanceTo(t: number): Promise<void> {
    this.t = t;
    for (const s of this.#sleepers.filter((x) => x.at <= t)) s.wake();
    this.#sleepers = this.#sleepers.filter((x) => x.at > t);
    await settle();
  }
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Sent {
  request: string;
  worker: number;
  at: number;
}

/** A send that records each request and finishes it when the test calls `finish` (or at once, if `instant`). */
function recorder(clock: ManualClock, instant: boolean) {
  const sent: Sent[] = [];
  const pending = new Map<string, () => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    sent,
    get maxInFlight() {
      return maxInFlight;
    },
    finish(request: string) {
      pending.get(request)!();
      pending.delete(request);
    },
    send(request: string, worker: number): Promise<void> {
      sent.push({ request, worker, at: clock.now() });
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      if (instant) {
        inFlight--;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) =>
        pending.set(request, () => {
          inFlight--;
          resolve();
        }),
      );
    },
  };
}

const buckets = (...spec: Array<[number, string[]]>): ReplayBucket<string>[] => spec.map(([startTime, requests]) => ({ startTime, requests }));

test("each bucket starts at its startTime and hands out all its requests at once, in list order", async () => {
  const clock = new ManualClock();
  const r = recorder(clock, true);
  const done = replay(buckets([0, ["a", "b", "c"]], [1, ["d"]], [2.5, ["e", "f"]]), { clients: 2, clock, signal: new AbortController().signal, send: (x, w) => r.send(x, w) });
  await settle();
  assert.equal(r.sent.map((s) => `${s.request}@${s.at}`), ["a@0", "b@0", "c@0"]);
  await clock.advanceTo(999);
  assert.is(r.sent.length, 3, "bucket 1 waits for its start time");
  await clock.advanceTo(1000);
  await clock.advanceTo(2499);
  assert.equal(r.sent.map((s) => `${s.request}@${s.at}`), ["a@0", "b@0", "c@0", "d@1000"]);
  await clock.advanceTo(2500);
  const stats = await done;
  assert.equal(r.sent.map((s) => `${s.request}@${s.at}`), ["a@0", "b@0", "c@0", "d@1000", "e@2500", "f@2500"]);
  assert.equal(stats, { dispatched: 6, lateBuckets: 0, maxLateMs: 0 });
  // Two workers: a and b go to workers 0 and 1; c to the first one free again.
  assert.equal(r.sent.slice(0, 3).map((s) => s.worker), [0, 1, 0]);
});

test("no more than `clients` requests are in flight; the rest wait for a free worker, in order", async () => {
  const clock = new ManualClock();
  const r = recorder(clock, false);
  const names = Array.from({ length: 10 }, (_, i) => `r${i}`);
  const done = replay(buckets([0, names]), { clients: 3, clock, signal: new AbortController().signal, send: (x, w) => r.send(x, w) });
  await settle();
  assert.equal(r.sent.map((s) => s.request), ["r0", "r1", "r2"]);
  r.finish("r1");
  await settle();
  assert.equal(r.sent.map((s) => s.request), ["r0", "r1", "r2", "r3"]);
  assert.is(r.sent[3]!.worker, 1, "r3 takes the worker r1 freed");
  for (let i = 0; i < 10; i++) {
    for (const s of r.sent) if (s.request === `r${i}` && i !== 1) r.finish(s.request);
    await settle();
  }
  const stats = await done;
  assert.is(stats.dispatched, 10);
  assert.equal(r.sent.map((s) => s.request), names);
  assert.is(r.maxInFlight, 3);
});

test("a late bucket is sent at once, not skipped, and later buckets keep their own start times", async () => {
  const clock = new ManualClock();
  const r = recorder(clock, false);
  const done = replay(buckets([0, ["a", "b"]], [1, ["c"]], [3, ["d"]]), { clients: 1, clock, signal: new AbortController().signal, send: (x, w) => r.send(x, w) });
  await settle();
  assert.equal(r.sent.map((s) => s.request), ["a"], "b waits for the only worker");
  await clock.advanceTo(2000); // bucket 1 is due, but bucket 0 has not been handed out yet
  assert.is(r.sent.length, 1);
  r.finish("a");
  await settle();
  r.finish("b");
  await settle();
  // c went out the moment b finished, 1 s after its start time; d still waits for its own start time (3 s).
  assert.equal(r.sent.map((s) => `${s.request}@${s.at}`), ["a@0", "b@2000", "c@2000"]);
  r.finish("c");
  await clock.advanceTo(2999);
  assert.is(r.sent.length, 3);
  await clock.advanceTo(3000);
  r.finish("d");
  const stats = await done;
  assert.equal(r.sent.map((s) => `${s.request}@${s.at}`), ["a@0", "b@2000", "c@2000", "d@3000"]);
  assert.equal(stats, { dispatched: 4, lateBuckets: 1, maxLateMs: 1000 });
});

test("an abort stops handing out requests; those in flight finish and are counted", async () => {
  const clock = new ManualClock();
  const r = recorder(clock, false);
  const abort = new AbortController();
  const done = replay(buckets([0, ["a", "b", "c"]], [60, ["d"]]), { clients: 1, clock, signal: abort.signal, send: (x, w) => r.send(x, w) });
  await settle();
  abort.abort();
  r.finish("a");
  const stats = await done;
  assert.equal(r.sent.map((s) => s.request), ["a"]);
  assert.is(stats.dispatched, 1);

  // Aborted while waiting for a later bucket: returns without waiting for it.
  const abort2 = new AbortController();
  const r2 = recorder(clock, true);
  const done2 = replay(buckets([0, ["a"]], [60, ["b"]]), { clients: 1, clock, signal: abort2.signal, send: (x, w) => r2.send(x, w) });
  await settle();
  abort2.abort();
  assert.is((await done2).dispatched, 1);
});

test("a send that throws (an internal error, not a failed request) stops the replay and is rethrown", async () => {
  const clock = new ManualClock();
  let calls = 0;
  const done = replay(buckets([0, ["a", "b"]], [1, ["c"]]), {
    clients: 1,
    clock,
    signal: new AbortController().signal,
    send: async () => {
      calls++;
      throw new Error("boom");
    },
  });
  const e = await done.then(() => undefined, (x: unknown) => x);
  assert.instance(e, Error);
  assert.is((e as Error).message, "boom");
  assert.is(calls, 1);
});

test.run();
