// Pod startup as the Kubernetes SLO defines it: from a pod's creation until all its containers run, "as observed via
// watch". One watch (after one list, whose pods are left out: their start was not seen) follows the pods; each pod,
// by uid, is measured once:
//   created   = min(creationTimestamp + 1 s, first receive time): creationTimestamp is cut to the second, so the true
//               creation lies in [ts, ts + 1 s) and no later than the first event about the pod
//   scheduled = receive time of the first event with spec.nodeName set     → pod_scheduling_seconds
//   running   = receive time of the first event with phase Running and every container running (or a pod that already
//               finished, as Job pods may between two events)             → pod_startup_seconds
// scheduled → running (the node's part: kubelet and runtime, or kwok's stage) is kept too, for the summary only.
// Receive times are the host's clock and creationTimestamp the API server's: on a remote cluster clock skew adds to the
// figures (the local cluster shares one clock).
import { R, type EventSource, type KubeApi, type Obj } from "./kube-api.ts";

export interface PodStartupOptions {
  /** Only pods in this namespace (default: all namespaces). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Distribution of one latency, in seconds. */
export interface Percentiles {
  readonly count: number;
  readonly min: number;
  readonly avg: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface PodStartupStats {
  /** Pods created after tracking began (each counted once). */
  readonly created: number;
  readonly scheduled: number;
  /** Pods whose containers were all seen running. */
  readonly running: number;
  /** Pods that existed before tracking began (not measured). */
  readonly preexisting: number;
  /** created → running. */
  readonly startup: Percentiles;
  /** created → scheduled. */
  readonly scheduling: Percentiles;
  /** scheduled → running: the node's part (a kubelet starting containers, or kwok playing its stage). */
  readonly scheduledToRunning: Percentiles;
  /**
   * Pods created per second between the first and the last creation seen, and pods reaching running per second
   * between the first creation and the last pod running (0 with fewer than two pods).
   */
  readonly createdPerSecond: number;
  readonly runningPerSecond: number;
  readonly elapsedMs: number;
}

/** Where measurements go (the run's metrics). */
export interface StartupSink {
  startup(seconds: number): void;
  scheduling(seconds: number): void;
}

interface PodRecord {
  created: number;
  /** Receive time of the first event with a node (0: not yet). */
  scheduledAt: number;
  running: boolean;
}

/** Percentiles by kperf's rule (index ceil(n·p) − 1 of the sorted values). */
export function percentiles(values: readonly number[]): Percentiles {
  const n = values.length;
  if (n === 0) return { count: 0, min: 0, avg: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.max(0, Math.ceil(n * p) - 1)]!;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { count: n, min: round(s[0]!), avg: round(s.reduce((a, b) => a + b, 0) / n), p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(s[n - 1]!) };
}

function perSecond(count: number, spanMs: number): number {
  return count > 1 && spanMs > 0 ? Math.round(((count - 1) / spanMs) * 1000 * 10) / 10 : 0;
}

function containersRunning(pod: Obj): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return true;
  if (phase !== "Running") return false;
  const statuses = (pod.status?.containerStatuses ?? []) as Array<{ state?: { running?: unknown } }>;
  const containers = (pod.spec?.containers ?? []) as unknown[];
  return statuses.length >= containers.length && statuses.every((c) => c.state?.running !== undefined);
}

export class PodStartupTracker {
  readonly #api: KubeApi;
  readonly #sink: StartupSink;
  readonly #o: PodStartupOptions;
  readonly #pods = new Map<string, PodRecord>();
  readonly #preexisting = new Set<string>();
  readonly #startup: number[] = [];
  readonly #scheduling: number[] = [];
  readonly #scheduledToRunning: number[] = [];
  readonly #waiters = new Set<() => void>();
  #watch: EventSource | undefined;
  #stopped = false;
  #failure: Error | undefined;
  #startedWall = 0;
  #firstCreated = Infinity;
  #lastCreated = -Infinity;
  #lastRunning = -Infinity;
  #startedMono = 0;
  #loop: Promise<void> | undefined;

  constructor(api: KubeApi, sink: StartupSink, o: PodStartupOptions = {}) {
    this.#api = api;
    this.#sink = sink;
    this.#o = o;
  }

  /** Lists the pods there are (they are not measured) and starts watching from there. */
  async start(): Promise<void> {
    this.#startedWall = Date.now();
    this.#startedMono = performance.now();
    const pods = { namespace: this.#o.namespace, labelSelector: this.#o.labelSelector, fieldSelector: this.#o.fieldSelector };
    const first = await this.#api.list(R.pods, pods);
    for (const p of first.items) if (p.metadata?.uid) this.#preexisting.add(p.metadata.uid);
    this.#watch = this.#api.watch(R.pods, pods, first.resourceVersion);
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const w = this.#watch!;
    try {
      while (!this.#stopped) {
        const events = await w.next(1000);
        const now = Date.now();
        for (const ev of events) {
          if (ev.type === "RELIST") for (const p of (ev.object.items ?? []) as Obj[]) this.observe(p, now);
          else if (ev.type === "ADDED" || ev.type === "MODIFIED") this.observe(ev.object, now);
        }
        if (events.length > 0) this.#wake();
      }
    } catch (e) {
      if (!this.#stopped) this.#failure = e as Error;
      this.#wake();
    }
  }

  /** Records what one pod state says (exported for tests: `now` is the receive time in ms since the epoch). */
  observe(pod: Obj, now: number): void {
    const uid = pod.metadata?.uid as string | undefined;
    if (uid === undefined || this.#preexisting.has(uid)) return;
    let rec = this.#pods.get(uid);
    if (rec === undefined) {
      const ts = Date.parse(pod.metadata?.creationTimestamp ?? "");
      // Created before tracking began (by more than the timestamp's one-second cut): its start was not seen.
      if (!Number.isFinite(ts) || ts + 1000 < this.#startedWall) {
        this.#preexisting.add(uid);
        return;
      }
      rec = { created: Math.min(ts + 999, now), scheduledAt: 0, running: false };
      this.#pods.set(uid, rec);
      if (rec.created < this.#firstCreated) this.#firstCreated = rec.created;
      if (rec.created > this.#lastCreated) this.#lastCreated = rec.created;
    }
    if (rec.scheduledAt === 0 && pod.spec?.nodeName) {
      rec.scheduledAt = now;
      const s = Math.max(0, now - rec.created) / 1000;
      this.#scheduling.push(s);
      this.#sink.scheduling(s);
    }
    if (!rec.running && containersRunning(pod)) {
      rec.running = true;
      if (now > this.#lastRunning) this.#lastRunning = now;
      const s = Math.max(0, now - rec.created) / 1000;
      this.#startup.push(s);
      this.#sink.startup(s);
      if (rec.scheduledAt !== 0) this.#scheduledToRunning.push((now - rec.scheduledAt) / 1000);
    }
  }

  stats(): PodStartupStats {
    let scheduled = 0;
    let running = 0;
    for (const r of this.#pods.values()) {
      if (r.scheduledAt !== 0) scheduled++;
      if (r.running) running++;
    }
    return {
      created: this.#pods.size,
      scheduled,
      running,
      preexisting: this.#preexisting.size,
      startup: percentiles(this.#startup),
      scheduling: percentiles(this.#scheduling),
      scheduledToRunning: percentiles(this.#scheduledToRunning),
      createdPerSecond: perSecond(this.#pods.size, this.#lastCreated - this.#firstCreated),
      runningPerSecond: perSecond(running, this.#lastRunning - this.#firstCreated),
      elapsedMs: Math.round(performance.now() - this.#startedMono),
    };
  }

  /**
   * Waits until at least `count` pods were seen running.
   * @throws {Error} when the watch failed for good, or (code WaitTimeout) past `timeoutMs`.
   */
  async waitFor(count: number, timeoutMs: number): Promise<PodStartupStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#failure) throw this.#failure;
      const s = this.stats();
      if (s.running >= count) return s;
      const left = deadline - Date.now();
      if (left <= 0 || this.#stopped) {
        const e = new Error(`pod startup: ${s.running} of ${count} pods running (${s.created} created, ${s.scheduled} scheduled) after ${Math.round(timeoutMs / 1000)}s`);
        Object.assign(e, { name: "K8sError", code: "WaitTimeout", status: 0 });
        throw e;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 1000));
        this.#waiters.add(done);
      });
    }
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  async stop(): Promise<PodStartupStats> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#watch?.close();
      this.#wake();
      await this.#loop?.catch(() => {});
    }
    return this.stats();
  }
}
