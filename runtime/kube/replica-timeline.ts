// A workload's replica count over a run, from one watch: what an autoscaler (KEDA, the HPA) did while load ran. One
// list of the named object gives the count at the start and a resourceVersion; a watch on that one name (a field
// selector) follows every change. Each change in the desired count (spec.replicas, what the autoscaler sets) or in the
// current / ready counts (status.replicas, status.readyReplicas) is a sample, timed by the host's clock when it
// arrives; the milestones (first scale-up, the maximum, back to the baseline) count from the load's start. Used by
// loadgen/k8s's watchReplicas and by host-side commands that watch a workload while a load runs elsewhere.
import type { TagSet } from "../metrics/tags.ts";
import type { KubeClient } from "./client.ts";
import type { ResourceInfo } from "./discovery.ts";
import { clientError } from "./errors.ts";
import type { KubeObject } from "./object-meta.ts";
import { MilestoneTracker, type MilestoneName, type Milestones } from "./scaling-milestones.ts";
import type { WatchStream } from "./watch.ts";

/** The replica counts at one moment. */
export interface ReplicaSample {
  /** When it was seen, in ms since the epoch. */
  readonly atMs: number;
  /** spec.replicas (what the autoscaler asked for); 0 when the workload does not exist. */
  readonly desired: number;
  /** status.replicas. */
  readonly current: number;
  /** status.readyReplicas. */
  readonly ready: number;
  readonly exists: boolean;
}

/** Where samples and milestones go as they happen (the run's metrics). */
export interface ReplicaSink {
  sample(s: ReplicaSample): void;
  /** A milestone of the desired count was reached or moved: `seconds` from the load's start. */
  milestone(name: MilestoneName, seconds: number): void;
}

export interface ReplicaTimelineOptions {
  /** The workload's namespace (default: the kubeconfig context's, else "default"). */
  readonly namespace?: string;
  /** When the load started (ms since the epoch), undefined while it has not: samples before it set the baseline. */
  readonly loadStart: () => number | undefined;
  readonly sink?: ReplicaSink;
  /** Tags of the list and watch requests' samples. */
  readonly tags?: TagSet;
}

/** The timeline as reports show it; times in seconds from the load's start (negative: before it). */
export interface ScalingTimeline {
  /** `deployment/consumer`: the resource's singular name and the object's. */
  readonly workload: string;
  readonly namespace: string | undefined;
  /** When the load started, ISO 8601; null when it never did. */
  readonly loadStart: string | null;
  readonly desired: MilestonesSeconds;
  readonly ready: MilestonesSeconds;
  /** Every change, oldest first (at most MAX_SAMPLES; `samplesDropped` counts the rest). */
  readonly samples: ReadonlyArray<{ readonly t: number; readonly desired: number; readonly current: number; readonly ready: number; readonly exists: boolean }>;
  readonly samplesDropped: number;
  /** Why the watch stopped early, if it did. */
  readonly error?: string;
}

/** {@link Milestones} with times in seconds (3 decimals). */
export interface MilestonesSeconds {
  readonly baseline: number | null;
  readonly max: number | null;
  readonly final: number | null;
  readonly scaleUpSeconds: number | null;
  readonly maxSeconds: number | null;
  readonly scaleDownSeconds: number | null;
  readonly backToBaselineSeconds: number | null;
}

/** Changes kept for the report; a workload flapping for hours keeps its milestones but not every sample. */
const MAX_SAMPLES = 10_000;

/**
 * `deployment/consumer`, `deploy/consumer`, `statefulsets.apps/db`, `vmpool/p`: a resource as kubectl names it and an
 * object's name.
 * @throws {K8sError} code InvalidName when it is not `RESOURCE/NAME`.
 */
export function parseWorkload(spec: string): { resource: string; name: string } {
  const slash = spec.lastIndexOf("/");
  const resource = spec.slice(0, slash);
  const name = spec.slice(slash + 1);
  if (slash <= 0 || name === "" || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw clientError("InvalidName", `workload ${JSON.stringify(spec)}: expected RESOURCE/NAME, e.g. deployment/consumer`);
  }
  return { resource, name };
}

function countsOf(obj: KubeObject | undefined, atMs: number): ReplicaSample {
  if (obj === undefined) return { atMs, desired: 0, current: 0, ready: 0, exists: false };
  const spec = obj.spec as { replicas?: number } | undefined;
  const status = obj.status as { replicas?: number; readyReplicas?: number } | undefined;
  // An omitted spec.replicas means 1 for every built-in workload (the API server fills it in; CRDs may not).
  return { atMs, desired: spec?.replicas ?? 1, current: status?.replicas ?? 0, ready: status?.readyReplicas ?? 0, exists: true };
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);

/** Milestones as a report gives them: seconds (to the millisecond) from the load's start, null where none happened. */
export function inSeconds(m: Milestones): MilestonesSeconds {
  return {
    baseline: m.baseline,
    max: m.max,
    final: m.final,
    scaleUpSeconds: seconds(m.scaleUpMs),
    maxSeconds: seconds(m.maxMs),
    scaleDownSeconds: seconds(m.scaleDownMs),
    backToBaselineSeconds: seconds(m.backToBaselineMs),
  };
}

export class ReplicaTimeline {
  readonly #client: KubeClient;
  readonly #spec: { resource: string; name: string };
  readonly #o: ReplicaTimelineOptions;
  readonly #desired = new MilestoneTracker();
  readonly #ready = new MilestoneTracker();
  readonly #samples: ReplicaSample[] = [];
  #dropped = 0;
  #last: ReplicaSample | undefined;
  #info: ResourceInfo | undefined;
  #namespace: string | undefined;
  #watch: WatchStream | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #failure: string | undefined;

  /** @throws {K8sError} code InvalidName for a workload that is not `RESOURCE/NAME`. */
  constructor(client: KubeClient, workload: string, o: ReplicaTimelineOptions) {
    this.#client = client;
    this.#spec = parseWorkload(workload);
    this.#o = o;
  }

  /** `deployment/consumer` once started (the resource's singular name), the name as given before. */
  get workload(): string {
    const i = this.#info;
    return i === undefined ? `${this.#spec.resource}/${this.#spec.name}` : `${i.singular || i.kind.toLowerCase()}/${this.#spec.name}`;
  }

  get namespace(): string | undefined {
    return this.#namespace;
  }

  /**
   * Resolves the resource, lists the object (absent is fine: it may be created later) and watches it from there.
   * @throws {K8sError} code UnknownResource; NotFound-free: a missing object is a sample with `exists: false`.
   */
  async start(): Promise<void> {
    const c = this.#client;
    const info = await c.resolve(this.#spec.resource);
    if (!info.verbs.includes("watch") && info.verbs.length > 0) throw clientError("InvalidOptions", `${info.resource} cannot be watched`);
    this.#info = info;
    this.#namespace = info.namespaced ? (c.namespaceFor(info, this.#o.namespace) ?? "default") : undefined;
    const select = { namespace: this.#namespace, fieldSelector: `metadata.name=${this.#spec.name}`, tags: this.#o.tags };
    const first = await c.listObjects(info, select);
    this.#observe(countsOf(first.items[0], Date.now()));
    this.#watch = c.watch(info, { ...select, resourceVersion: first.resourceVersion });
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const w = this.#watch!;
    try {
      while (!this.#stopped) {
        const events = JSON.parse(await w.next(1000)) as Array<{ type: string; object: KubeObject & { items?: KubeObject[] } }>;
        const now = Date.now();
        for (const ev of events) {
          if (ev.type === "ADDED" || ev.type === "MODIFIED") this.#observe(countsOf(ev.object, now));
          else if (ev.type === "DELETED") this.#observe(countsOf(undefined, now));
          else if (ev.type === "RELIST") this.#observe(countsOf(ev.object.items?.[0], now));
        }
      }
    } catch (e) {
      if (!this.#stopped) this.#failure = (e as Error).message;
    }
  }

  #observe(s: ReplicaSample): void {
    const l = this.#last;
    if (l !== undefined && l.desired === s.desired && l.current === s.current && l.ready === s.ready && l.exists === s.exists) return;
    this.#last = s;
    if (this.#samples.length < MAX_SAMPLES) this.#samples.push(s);
    else this.#dropped++;
    const start = this.#o.loadStart();
    const sink = this.#o.sink;
    sink?.sample(s);
    const reached = this.#desired.observe(s.atMs, s.desired, start);
    this.#ready.observe(s.atMs, s.ready, start);
    if (sink !== undefined && start !== undefined) {
      const m = this.#desired.milestones(true);
      for (const name of reached) {
        const ms = name === "scaleUp" ? m.scaleUpMs : name === "max" ? m.maxMs : name === "scaleDown" ? m.scaleDownMs : m.backToBaselineMs;
        if (ms !== null) sink.milestone(name, Math.round(ms) / 1000);
      }
    }
  }

  /** The timeline so far. */
  timeline(): ScalingTimeline {
    const start = this.#o.loadStart();
    const origin = start ?? this.#samples[0]?.atMs ?? Date.now();
    return {
      workload: this.workload,
      namespace: this.#namespace,
      loadStart: start === undefined ? null : new Date(start).toISOString(),
      desired: inSeconds(this.#desired.milestones(start !== undefined)),
      ready: inSeconds(this.#ready.milestones(start !== undefined)),
      samples: this.#samples.map((s) => ({ t: Math.round(s.atMs - origin) / 1000, desired: s.desired, current: s.current, ready: s.ready, exists: s.exists })),
      samplesDropped: this.#dropped,
      ...(this.#failure !== undefined ? { error: this.#failure } : {}),
    };
  }

  /** Stops watching (idempotent); the timeline as it ends. */
  async stop(): Promise<ScalingTimeline> {
    if (!this.#stopped) {
      this.#stopped = true;
      if (this.#watch !== undefined) this.#client.closeWatch(this.#watch);
      await this.#loop?.catch(() => {});
    }
    return this.timeline();
  }
}
