// The schedule of kperf's time-series mode (Azure/kperf PR #223: request/executor/timeseries.go feeding the worker
// pool of request/schedule.go), kept free of HTTP so its timing rules can be tested with a manual clock:
//   - Bucket i starts at start + startTime_i, measured from the start of the spec (not from the previous bucket).
//   - A bucket's requests are handed out one after another, in list order, as fast as workers take them: they are not
//     spread over the time until the next bucket. There are `client` workers and no rate limit (time-series mode
//     turns client-side QPS off); a request waits until a worker is free, as on kperf's unbuffered channel.
//   - A late bucket (its start time passed while earlier requests were still waiting for workers) is sent at once,
//     never skipped, and later buckets keep their own start times: the replay catches up rather than shifting.
//   - The spec ends when the last bucket has been handed out and every request in flight has finished.

/** Time for the replay, in milliseconds; a test passes a manual one. */
export interface ReplayClock {
  now(): number;
  /** Resolves at `at` (on now()'s scale), at once if that has passed, or when `signal` aborts. */
  sleepUntil(at: number, signal: AbortSignal): Promise<void>;
}

export const realClock: ReplayClock = {
  now: () => performance.now(),
  sleepUntil(at, signal) {
    const ms = at - performance.now();
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  },
};

export interface ReplayBucket<T> {
  /** Seconds from the start. */
  readonly startTime: number;
  readonly requests: readonly T[];
}

export interface ReplayOptions<T> {
  /** Workers sending in parallel (kperf's `client`). */
  readonly clients: number;
  /** Stops handing out requests; those in flight still finish. */
  readonly signal: AbortSignal;
  readonly clock?: ReplayClock;
  /** Sends one request on worker `worker` (0 … clients−1). A rejection is an internal error: it stops the replay. */
  send(request: T, worker: number): Promise<void>;
}

export interface ReplayStats {
  /** Requests handed to workers (all of them unless aborted). */
  readonly dispatched: number;
  /** Buckets that started more than LATE_MS after their start time. */
  readonly lateBuckets: number;
  readonly maxLateMs: number;
}

/** Lateness below this is timer jitter, not a replay falling behind. */
export const LATE_MS = 100;

/** Replays `buckets` with kperf's time-series schedule; resolves when every request handed out has finished. */
export async function replay<T>(buckets: readonly ReplayBucket<T>[], o: ReplayOptions<T>): Promise<ReplayStats> {
  const clock = o.clock ?? realClock;
  const idle = Array.from({ length: Math.max(1, o.clients) }, (_, i) => i);
  const inFlight = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  const onAbort = () => wake?.();
  o.signal.addEventListener("abort", onAbort, { once: true });
  const stopped = () => o.signal.aborted || failure !== undefined;

  /** The next free worker, FIFO as Go serves goroutines waiting on a channel; undefined once stopped. */
  const freeWorker = async (): Promise<number | undefined> => {
    while (idle.length === 0 && !stopped()) await new Promise<void>((resolve) => (wake = resolve));
    return stopped() ? undefined : idle.shift();
  };

  let dispatched = 0;
  let lateBuckets = 0;
  let maxLateMs = 0;
  const start = clock.now();
  try {
    outer: for (const bucket of buckets) {
      const at = start + bucket.startTime * 1000;
      await clock.sleepUntil(at, o.signal);
      if (stopped()) break;
      const late = clock.now() - at;
      if (late > LATE_MS) lateBuckets++;
      maxLateMs = Math.max(maxLateMs, late);
      for (const request of bucket.requests) {
        const worker = await freeWorker();
        if (worker === undefined) break outer;
        dispatched++;
        const p: Promise<void> = o.send(request, worker).then(
          () => {},
          (error: unknown) => {
            failure ??= { error };
          },
        );
        inFlight.add(p);
        void p.finally(() => {
          inFlight.delete(p);
          idle.push(worker);
          const w = wake;
          wake = undefined;
          w?.();
        });
      }
    }
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  } finally {
    o.signal.removeEventListener("abort", onAbort);
  }
  if (failure !== undefined) throw failure.error;
  return { dispatched, lateBuckets, maxLateMs };
}
