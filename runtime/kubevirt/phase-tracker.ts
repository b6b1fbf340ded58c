// The run's view of its VirtualMachineInstances: one list+watch per namespace the run uses (VMIs carrying the run
// label), started on first use, processed on the host. For every VMI (by uid) it records when it was created and when
// each phase first appeared, and emits each (uid, phase) exactly once, however often the watch reconnects or relists.
//
// Two measures of "creation → phase", both kept:
// - watch: from the moment loadgen sent the create request (or, for a VMI a controller created — a VM's, a pool's —
//   from the first watch event that showed it, or its creationTimestamp when that event came late) to the first watch
//   event that showed the phase. Client clock only, millisecond precision; this feeds the metrics.
// - timestamps: status.phaseTransitionTimestamps[phase] - metadata.creationTimestamp, KubeVirt's own definition
//   (kubevirt_vmi_phase_transition_time_from_creation_seconds). Server clock only. KubeVirt writes both as RFC3339
//   with second precision, so these are quantized to a second (the local cluster's kwok writes nanoseconds for the
//   phases, but creationTimestamp is always whole seconds).
// A phase first learned from a relist (after a 410) or from an event that introduced several phases at once was seen
// late: its watch value is an upper bound, and it is counted in `late`.
import type { MetricsEngine } from "../metrics/engine.ts";
import type { Metric, MetricRegistry } from "../metrics/metric.ts";
import type { TagRegistry, TagSet } from "../metrics/tags.ts";
import type { KubeClient } from "../kube/client.ts";
import type { ResourceInfo } from "../kube/discovery.ts";
import { K8sError } from "../kube/errors.ts";
import { runSelector } from "../kube/labels.ts";
import type { WatchStream } from "../kube/watch.ts";

/** KubeVirt's VMI phases on the way up, in order. */
export const UP_PHASES = ["Pending", "Scheduling", "Scheduled", "Running"] as const;
const PHASE_ORDER: Readonly<Record<string, number>> = { Pending: 0, Scheduling: 1, Scheduled: 2, Running: 3, Succeeded: 4, Failed: 4 };

/** One phase of one VMI, as first seen. */
export interface PhaseObservation {
  /** Epoch ms when a watch event (or list) first showed the phase. */
  readonly seenMs: number;
  /** Seconds from creation to the phase, watch-based (the metric's value). */
  readonly seconds: number;
  /** Seconds from creationTimestamp to the phase's phaseTransitionTimestamp, when the VMI recorded one. */
  readonly serverSeconds: number | undefined;
  /** First learned from a relist, an initial list, or an event that introduced several phases at once. */
  readonly late: boolean;
}

/** What the tracker holds for one VMI. */
export interface VmiRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** Epoch ms the creation is measured from. */
  t0Ms: number;
  /** Where t0 came from. */
  t0Source: "create" | "watch" | "creationTimestamp";
  creationTsMs: number | undefined;
  readonly phases: Map<string, PhaseObservation>;
  /** The last status.phase seen ("" before the first). */
  lastPhase: string;
  deleting: boolean;
  deleted: boolean;
  deleteRequestedMs: number | undefined;
}

/** A wait on the tracker: resolves when `done()` holds (checked after every batch of events) or at the deadline. */
interface Waiter {
  check(): boolean;
  resolve(timedOut: boolean): void;
}

interface NamespaceWatch {
  ready: Promise<void>;
  stream: WatchStream | undefined;
  closed: boolean;
}

export interface TrackerMetrics {
  readonly phaseSeconds: Metric;
  readonly creationToRunning: Metric;
  readonly deletionSeconds: Metric;
}

/** Parses an RFC3339 time; also says whether it had a fraction of a second. */
function parseTime(text: unknown): number | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

interface VmiObject {
  metadata?: { uid?: string; name?: string; namespace?: string; creationTimestamp?: string; deletionTimestamp?: string };
  status?: { phase?: string; phaseTransitionTimestamps?: Array<{ phase?: string; phaseTransitionTimestamp?: string }> };
}

export class PhaseTracker {
  readonly #client: KubeClient;
  readonly #engine: MetricsEngine;
  readonly #metrics: TrackerMetrics;
  readonly #tags: TagRegistry;
  readonly #log: (line: string) => void;
  readonly #selector: string;
  readonly #byUid = new Map<string, VmiRecord>();
  /** Create requests sent and not yet seen by the watch: "ns/name" → epoch ms sent. */
  readonly #expected = new Map<string, number>();
  readonly #watches = new Map<string, NamespaceWatch>();
  readonly #waiters = new Set<Waiter>();
  readonly #phaseTags = new Map<string, TagSet>();
  #info: Promise<ResourceInfo> | undefined;
  #closed = false;
  /** How the tracker's watches went, for the report and tests. */
  readonly stats = { events: 0, relists: 0, restarts: 0, duplicatesIgnored: 0, late: 0 };

  constructor(client: KubeClient, runId: string, metrics: TrackerMetrics, engine: MetricsEngine, tags: TagRegistry, log: (line: string) => void) {
    this.#client = client;
    this.#engine = engine;
    this.#metrics = metrics;
    this.#tags = tags;
    this.#log = log;
    this.#selector = runSelector(runId);
  }

  /** Every VMI the tracker has seen, by uid (deleted ones included: a uid is never counted twice). */
  get records(): ReadonlyMap<string, VmiRecord> {
    return this.#byUid;
  }

  /** Starts watching `namespace` (once) and resolves when its initial list has been read. */
  ensure(namespace: string): Promise<void> {
    let w = this.#watches.get(namespace);
    if (w === undefined) {
      w = { ready: Promise.resolve(), stream: undefined, closed: false };
      const nw = w;
      w.ready = this.#start(namespace, nw);
      this.#watches.set(namespace, w);
      // A failed start is retried by the next ensure().
      w.ready.catch(() => {
        if (this.#watches.get(namespace) === nw) this.#watches.delete(namespace);
      });
    }
    return w.ready;
  }

  /** Namespaces being watched. */
  namespaces(): string[] {
    return [...this.#watches.keys()];
  }

  /** Says a create request for ns/name is about to be sent: the VMI's creation is measured from now. */
  expectCreate(namespace: string, name: string, sentMs: number): void {
    this.#expected.set(namespace + "/" + name, sentMs);
  }

  /** The create failed: forget the expectation. */
  cancelCreate(namespace: string, name: string): void {
    this.#expected.delete(namespace + "/" + name);
  }

  /** Says a delete of ns/name was sent (for vmi_deletion_seconds). */
  expectDelete(namespace: string, name: string, sentMs: number): void {
    for (const r of this.#byUid.values()) {
      if (!r.deleted && r.name === name && r.namespace === namespace && r.deleteRequestedMs === undefined) r.deleteRequestedMs = sentMs;
    }
  }

  /** VMIs not yet deleted, optionally in one namespace. */
  live(namespace?: string): VmiRecord[] {
    const out: VmiRecord[] = [];
    for (const r of this.#byUid.values()) if (!r.deleted && (namespace === undefined || r.namespace === namespace)) out.push(r);
    return out;
  }

  /**
   * Waits until `done` holds, re-checked after every batch of watch events, or until `timeoutMs`.
   * @returns true when it timed out.
   */
  waitUntil(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (done()) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => waiter.resolve(true);
      const waiter: Waiter = {
        check: done,
        resolve: (timedOut) => {
          if (!this.#waiters.delete(waiter)) return;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(timedOut);
        },
      };
      this.#waiters.add(waiter);
      timer = setTimeout(() => waiter.resolve(true), Math.max(0, timeoutMs));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Drops every watch and starts again from a fresh list: what a reconnect after a long outage does. Nothing is
   * counted twice (records are by uid and phase); VMIs gone meanwhile are marked deleted.
   */
  async resync(): Promise<void> {
    this.stats.restarts++;
    const namespaces = [...this.#watches.keys()];
    for (const ns of namespaces) {
      const w = this.#watches.get(ns)!;
      w.closed = true;
      if (w.stream) this.#client.closeWatch(w.stream);
      this.#watches.delete(ns);
    }
    await Promise.all(namespaces.map((ns) => this.ensure(ns)));
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#watches.values()) {
      w.closed = true;
      if (w.stream) this.#client.closeWatch(w.stream);
    }
    for (const waiter of [...this.#waiters]) waiter.resolve(true);
  }

  // ---- watching ----

  #resource(): Promise<ResourceInfo> {
    this.#info ??= this.#client.resolve("virtualmachineinstances.kubevirt.io");
    this.#info.catch(() => (this.#info = undefined));
    return this.#info;
  }

  async #start(namespace: string, w: NamespaceWatch): Promise<void> {
    const c = this.#client;
    const info = await this.#resource();
    const selection = { namespace, labelSelector: this.#selector, tags: this.#tags.empty };
    const list = await c.listObjects(info, selection);
    this.#relist(namespace, list.items as VmiObject[], Date.now(), true);
    if (w.closed || this.#closed) return;
    w.stream = c.watch(info, { ...selection, resourceVersion: list.resourceVersion || undefined });
    void this.#loop(namespace, w, w.stream);
  }

  async #loop(namespace: string, w: NamespaceWatch, stream: WatchStream): Promise<void> {
    while (!w.closed && !this.#closed) {
      let text: string;
      try {
        text = await stream.next(5_000);
      } catch (e) {
        if (w.closed || this.#closed) return;
        // A permanent failure (403 on a namespace, the CRD gone): the watch cannot come back; say so once.
        this.#log(`WARN  loadgen/kubevirt: the VMI watch of namespace ${namespace} stopped: ${(e as Error).message}`);
        if (this.#watches.get(namespace) === w) this.#watches.delete(namespace);
        return;
      }
      if (text === "[]") continue;
      const seen = Date.now();
      const events = JSON.parse(text) as Array<{ type: string; object: VmiObject & { items?: VmiObject[]; code?: number; message?: string } }>;
      for (const ev of events) {
        this.stats.events++;
        switch (ev.type) {
          case "ADDED":
          case "MODIFIED":
            this.#observe(ev.object, seen, false);
            break;
          case "DELETED":
            this.#observe(ev.object, seen, false);
            this.#gone(ev.object.metadata?.uid, seen);
            break;
          case "RELIST":
            this.stats.relists++;
            this.#relist(namespace, ev.object.items ?? [], seen, true);
            break;
          case "ERROR":
            this.#log(`WARN  loadgen/kubevirt: VMI watch error in ${namespace}: ${ev.object.message ?? JSON.stringify(ev.object)}`);
            break;
        }
      }
      this.#notify();
    }
  }

  /** A full list: every item observed; live records of the namespace that are not in it are gone. */
  #relist(namespace: string, items: VmiObject[], seen: number, late: boolean): void {
    const present = new Set<string>();
    for (const it of items) {
      const uid = it.metadata?.uid;
      if (uid) present.add(uid);
      this.#observe(it, seen, late);
    }
    for (const r of this.#byUid.values()) if (r.namespace === namespace && !r.deleted && !present.has(r.uid)) this.#gone(r.uid, seen);
    this.#notify();
  }

  #notify(): void {
    for (const w of [...this.#waiters]) if (w.check()) w.resolve(false);
  }

  #gone(uid: string | undefined, seen: number): void {
    const r = uid === undefined ? undefined : this.#byUid.get(uid);
    if (r === undefined || r.deleted) return;
    r.deleted = true;
    if (r.deleteRequestedMs !== undefined) this.#engine.add(this.#metrics.deletionSeconds, this.#tags.empty, Math.max(0, seen - r.deleteRequestedMs) / 1000);
  }

  /** One object as a watch event or list item showed it, at `seen`. */
  #observe(obj: VmiObject, seen: number, late: boolean): void {
    const m = obj.metadata;
    const uid = m?.uid;
    if (!uid || !m?.name) return;
    let r = this.#byUid.get(uid);
    const status = obj.status ?? {};
    if (r === undefined) {
      const namespace = m.namespace ?? "";
      const key = namespace + "/" + m.name;
      const creationTsMs = parseTime(m.creationTimestamp);
      const sent = this.#expected.get(key);
      let t0Ms: number;
      let t0Source: VmiRecord["t0Source"];
      if (sent !== undefined) {
        this.#expected.delete(key);
        t0Ms = sent;
        t0Source = "create";
      } else if (!late && status.phase === undefined && (creationTsMs === undefined || seen - creationTsMs < 2_000)) {
        // Created by a controller (a VM's VMI) and seen fresh, before any phase: the event is the best clock we have.
        t0Ms = seen;
        t0Source = "watch";
      } else {
        t0Ms = creationTsMs ?? seen;
        t0Source = "creationTimestamp";
      }
      r = { uid, namespace, name: m.name, t0Ms, t0Source, creationTsMs, phases: new Map(), lastPhase: "", deleting: false, deleted: false, deleteRequestedMs: undefined };
      this.#byUid.set(uid, r);
    } else if (r.deleted) {
      return;
    }
    if (m.deletionTimestamp) r.deleting = true;
    // The phases this event shows for the first time: every recorded transition, and the current phase.
    const fresh: Array<{ phase: string; serverMs: number | undefined }> = [];
    const stamps = Array.isArray(status.phaseTransitionTimestamps) ? status.phaseTransitionTimestamps : [];
    for (const t of stamps) {
      if (typeof t?.phase !== "string" || r.phases.has(t.phase) || fresh.some((f) => f.phase === t.phase)) continue;
      fresh.push({ phase: t.phase, serverMs: parseTime(t.phaseTransitionTimestamp) });
    }
    if (typeof status.phase === "string" && status.phase !== "" && !r.phases.has(status.phase) && !fresh.some((f) => f.phase === status.phase)) {
      fresh.push({ phase: status.phase, serverMs: undefined });
    }
    if (typeof status.phase === "string" && status.phase !== "") r.lastPhase = status.phase;
    if (fresh.length === 0) {
      if (stamps.length > 0 || status.phase) this.stats.duplicatesIgnored++;
      return;
    }
    const isLate = late || fresh.length > 1;
    for (const f of fresh) {
      const seconds = Math.max(0, seen - r.t0Ms) / 1000;
      const serverSeconds = f.serverMs !== undefined && r.creationTsMs !== undefined ? Math.max(0, f.serverMs - r.creationTsMs) / 1000 : undefined;
      r.phases.set(f.phase, { seenMs: seen, seconds, serverSeconds, late: isLate });
      if (isLate) this.stats.late++;
      this.#engine.add(this.#metrics.phaseSeconds, this.#phaseTag(f.phase), seconds);
      if (f.phase === "Running") this.#engine.add(this.#metrics.creationToRunning, this.#tags.empty, seconds);
    }
  }

  #phaseTag(phase: string): TagSet {
    let t = this.#phaseTags.get(phase);
    if (t === undefined) {
      t = this.#tags.empty.with("phase", phase);
      this.#phaseTags.set(phase, t);
    }
    return t;
  }
}

/** Has the VMI reached `phase` (or gone past it on the way up)? */
export function reached(r: VmiRecord, phase: string): boolean {
  if (r.phases.has(phase)) return true;
  const want = PHASE_ORDER[phase];
  if (want === undefined || want > 3) return false;
  for (const p of r.phases.keys()) {
    const o = PHASE_ORDER[p];
    if (o !== undefined && o >= want && o <= 3) return true;
  }
  return false;
}

/** True for the errors that mean "this cluster has no KubeVirt API". */
export function isMissingApi(e: unknown): boolean {
  return e instanceof K8sError && (e.code === "UnknownResource" || e.status === 404);
}
