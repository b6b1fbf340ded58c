// Host half of `loadgen/kubevirt`: VMI/VM/replica set/pool lifecycles from templates, on the run's shared Kubernetes
// client (one connection pool and rate limit with loadgen/k8s), a watch-based phase tracker, and the SLI report.
// Everything per event happens here; a VU's call is one host call per operation.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { HostModule, HostModuleInstance, HostValue, RunContext, SummaryExtension, VuContext } from "../host-module.ts";
import type { Metric } from "../../runtime/metrics/metric.ts";
import type { TagSet } from "../../runtime/metrics/tags.ts";
import { parseDuration } from "../../runtime/metrics/duration.ts";
import { stdlibPath } from "../stdlib-path.ts";
import { TagCache } from "../tag-cache.ts";
import { scrapeRequestTotals } from "../../runtime/kube/apiserver-metrics.ts";
import type { KubeClient } from "../../runtime/kube/client.ts";
import type { ResourceInfo } from "../../runtime/kube/discovery.ts";
import { clientError, K8sError } from "../../runtime/kube/errors.ts";
import { addRunLabels, labelValue, runSelector, RUN_LABEL } from "../../runtime/kube/labels.ts";
import { objectMeta } from "../../runtime/kube/object-meta.ts";
import { sharedKubeClient, type SharedKubeClient } from "../shared-kube-client.ts";
import { renderTemplate } from "../../runtime/kube/template.ts";
import { runBounded } from "../../runtime/util/worker-pool.ts";
import { SegmentedIndex } from "../../runtime/segment/segmented-index.ts";
import { PhaseTracker, reached, type VmiRecord } from "../../runtime/kubevirt/phase-tracker.ts";
import { buildReport, type KindCreations, type Timeouts } from "../../runtime/kubevirt/sli-report.ts";
import { mergeReportState, reportState, type KubevirtReportState } from "../../runtime/kubevirt/runner-report-state.ts";

/** What a runner of a group sends of this module (HostModuleInstance.runnerState). */
interface RunnerState {
  readonly report: KubevirtReportState;
  readonly places: ReadonlyArray<readonly [string, { info: ResourceInfo; namespace: string | undefined }]>;
  readonly namespaces: readonly string[];
}

/** Built-in templates: stdlib/kubevirt/templates/<name>.yaml. */
let builtins: Map<string, string> | undefined;
export function builtinTemplates(): Map<string, string> {
  if (builtins === undefined) {
    builtins = new Map();
    const dir = stdlibPath("kubevirt/templates");
    for (const f of readdirSync(dir).sort()) if (f.endsWith(".yaml")) builtins.set(f.slice(0, -5), readFileSync(path.join(dir, f), "utf8"));
  }
  return builtins;
}

/** Defaults for the variables of the built-in templates (perfscale-load-generator's: an empty prefix or tag means these). */
const DEFAULT_VARS: Readonly<Record<string, unknown>> = {
  containerPrefix: "quay.io/kubevirt",
  containerImg: "cirros-container-disk-demo",
  containerTag: "latest",
  iteration: 1,
  runStrategy: "Always",
  replicas: 1,
};

const KIND_TEMPLATES: Readonly<Record<string, string>> = {
  VirtualMachineInstance: "vmi-ephemeral",
  VirtualMachine: "vm-ephemeral",
  VirtualMachineInstanceReplicaSet: "vmirs-ephemeral",
  VirtualMachinePool: "vmpool-ephemeral",
};

const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_LISTED = 100;

interface Opts {
  namespace?: string;
  name?: string;
  template?: string;
  vars?: Record<string, unknown>;
  labels?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
  count?: number;
  concurrency?: number;
  labelSelector?: string;
  wait?: boolean;
  running?: boolean;
  replicas?: number;
  phase?: string;
}

/** `loadgen/kubevirt`: KubeVirt lifecycles, phase measurement and the SLI report. */
export const kubevirtModule: HostModule = {
  open(run: RunContext): HostModuleInstance {
    return new KubevirtHost(run).instance();
  },
};

interface Metrics {
  objectsCreated: Metric;
  phaseSeconds: Metric;
  creationToRunning: Metric;
  deletionSeconds: Metric;
  phaseTimeouts: Metric;
}

class KubevirtHost {
  readonly #run: RunContext;
  readonly #shared: SharedKubeClient;
  readonly #m: Metrics;
  readonly #tagCache = new TagCache();
  #tracker: PhaseTracker | undefined;
  readonly #created = new Map<string, KindCreations>();
  /** Per template, the replica numbers' stripe of this run's segment: unique across the runners of a split test. */
  readonly #replicas = new Map<string, SegmentedIndex>();
  /** Where the run created objects: "resource.group ns" → what to list at cleanup. */
  readonly #places = new Map<string, { info: ResourceInfo; namespace: string | undefined }>();
  readonly #namespaces = new Set<string>();
  readonly #timeouts: Timeouts = new Map();
  /** A group's coordinator: the VMI records and tracker counts its runners sent (mergeRunnerState). */
  readonly #runnerRecords: VmiRecord[] = [];
  readonly #runnerStats: Record<string, number> = {};
  readonly #kindTags = new Map<string, TagSet>();

  constructor(run: RunContext) {
    this.#run = run;
    this.#shared = sharedKubeClient(run);
    const r = run.metrics;
    this.#m = {
      objectsCreated: r.register("objects_created", "counter"),
      phaseSeconds: r.register("vmi_phase_seconds", "trend"),
      creationToRunning: r.register("vmi_creation_to_running_seconds", "trend"),
      deletionSeconds: r.register("vmi_deletion_seconds", "trend"),
      phaseTimeouts: r.register("vmi_phase_timeouts", "counter"),
    };
  }

  async #client(): Promise<KubeClient> {
    return this.#shared.current ?? (await this.#shared.client());
  }

  async #trackerFor(c: KubeClient): Promise<PhaseTracker> {
    this.#tracker ??= new PhaseTracker(
      c,
      this.#run.runId,
      { phaseSeconds: this.#m.phaseSeconds, creationToRunning: this.#m.creationToRunning, deletionSeconds: this.#m.deletionSeconds },
      this.#run.engine,
      this.#run.tags,
      this.#run.log,
    );
    return this.#tracker;
  }

  instance(): HostModuleInstance {
    const json = (v: HostValue): Opts => parseOpts(v);
    return {
      sync: {
        "kubevirt.template": (_vu, name) => {
          const t = builtinTemplates().get(String(name));
          if (t === undefined) throw clientError("InvalidTemplate", `no built-in template "${String(name)}" (built-in: ${[...builtinTemplates().keys()].join(", ")})`);
          return t;
        },
        "kubevirt.info": () => JSON.stringify({ runId: this.#run.runId, runSelector: runSelector(this.#run.runId), templates: [...builtinTemplates().keys()] }),
        "kubevirt.vmis": (_vu, opts) => {
          const o = json(opts);
          const list = this.#tracker?.live(o.namespace) ?? [];
          return JSON.stringify(list.filter((r) => o.phase === undefined || r.lastPhase === o.phase).map((r) => ({ name: r.name, namespace: r.namespace, uid: r.uid, phase: r.lastPhase, deleting: r.deleting })));
        },
      },
      async: {
        "kubevirt.create": (vu, kind, template, opts) => this.#create(vu, kind === null || kind === undefined ? undefined : String(kind), template === undefined || template === null ? undefined : String(template), json(opts)),
        "kubevirt.runStrategy": (vu, name, strategy, opts) => this.#runStrategy(vu, String(name), String(strategy), json(opts)),
        "kubevirt.restart": (vu, name, opts) => this.#restart(vu, String(name), json(opts)),
        "kubevirt.delete": (vu, kind, name, opts) => this.#delete(vu, String(kind), String(name), json(opts)),
        "kubevirt.deleteAll": (vu, kind, opts) => this.#deleteAll(vu, String(kind), json(opts)),
        "kubevirt.waitForPhase": (vu, phase, opts) => this.#waitForPhase(vu, String(phase), json(opts)),
        "kubevirt.waitForDeleted": (vu, kind, opts) => this.#waitForDeleted(vu, String(kind), json(opts)),
        "kubevirt.createNamespace": (vu, name, opts) => this.#createNamespace(vu, name === undefined || name === null ? undefined : String(name), json(opts)),
        "kubevirt.deleteNamespace": (vu, name, opts) => this.#deleteNamespace(vu, String(name), json(opts)),
        "kubevirt.resync": async () => {
          await this.#tracker?.resync();
          return undefined;
        },
      },
      summary: () => this.#summary(),
      close: async () => this.#tracker?.close(),
      runnerState: () => this.#runnerState(),
      mergeRunnerState: (state) => this.#mergeRunnerState(state as RunnerState),
    };
  }

  #tags(vu: VuContext, o: Opts): TagSet {
    return o.tags === undefined ? vu.tags : this.#tagCache.apply(vu.tags, JSON.stringify(o.tags));
  }

  #kindTag(kind: string): TagSet {
    let t = this.#kindTags.get(kind);
    if (t === undefined) {
      t = this.#run.tags.empty.with("kind", kind);
      this.#kindTags.set(kind, t);
    }
    return t;
  }

  // ---- create ----

  async #create(vu: VuContext, kindSpec: string | undefined, template: string | undefined, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    let kind: string | undefined;
    if (kindSpec !== undefined) kind = (await c.resolve(kindSpec)).kind;
    const templateName = template ?? o.template ?? (kind !== undefined ? KIND_TEMPLATES[kind] : undefined);
    if (templateName === undefined) throw clientError("InvalidOptions", "create: give a template (a built-in name or YAML text)");
    const builtin = builtinTemplates().get(templateName);
    if (builtin === undefined && /^[A-Za-z0-9_.-]+$/.test(templateName)) {
      throw clientError("InvalidTemplate", `no built-in template "${templateName}" (built-in: ${[...builtinTemplates().keys()].join(", ")}); pass YAML text to use your own`);
    }
    const text = builtin ?? templateName;
    const label = builtin !== undefined ? `template ${templateName}` : "template";
    const key = builtin !== undefined ? templateName : text;
    let replicas = this.#replicas.get(key);
    if (replicas === undefined) this.#replicas.set(key, (replicas = new SegmentedIndex(this.#run.segment())));
    const replica = replicas.next();
    const vars: Record<string, unknown> = { ...DEFAULT_VARS, replica, namespace: o.namespace ?? c.access.defaultNamespace ?? "default" };
    if (o.running === false) vars.runStrategy = "Halted";
    if (o.replicas !== undefined) vars.replicas = o.replicas;
    for (const [k, v] of Object.entries(o.vars ?? {})) {
      // perfscale-load-generator: an empty containerPrefix or containerTag means the default.
      if ((k === "containerPrefix" || k === "containerTag") && v === "") continue;
      vars[k] = v;
    }
    if (o.namespace !== undefined) vars.namespace = o.namespace;
    const builtinVars = { Iteration: vu.scenarioIterationInTest, VU: vu.id, RunID: this.#run.runId, Scenario: vu.scenario ?? "" };
    let objects: Record<string, unknown>[];
    try {
      objects = renderTemplate(text, { ...builtinVars, ...vars });
    } catch (e) {
      if (e instanceof K8sError) throw clientError(e.code, `${label}: ${e.message}`);
      throw e;
    }
    if (objects.length !== 1) throw clientError("InvalidObject", `${label}: expected one object, got ${objects.length}`);
    const obj = objects[0]!;
    const meta = ((obj.metadata ??= {}) as Record<string, unknown>);
    if (meta === null || typeof meta !== "object" || Array.isArray(meta)) throw clientError("InvalidObject", `${label}: metadata must be a mapping`);
    if (o.name !== undefined) meta.name = o.name;
    if (o.namespace !== undefined) meta.namespace = o.namespace;
    const scenario = vu.scenario ?? vu.phase;
    const p = objectMeta(obj);
    addRunLabels(obj, this.#run.runId, scenario);
    if (!p.apiVersion || !p.kind) throw clientError("InvalidObject", `${label}: the object needs apiVersion and kind`);
    if (kind !== undefined && p.kind !== kind) throw clientError("InvalidObject", `${label}: renders a ${p.kind}, not a ${kind}`);
    labelNested(obj, this.#run.runId, scenario, o.labels);
    if (o.labels) Object.assign((meta.labels ??= {}) as Record<string, string>, o.labels);
    const info = await c.resolveKind(p.apiVersion, p.kind);
    const namespace = c.namespaceFor(info, p.namespace);
    // Names are made here rather than by the server's generateName, so the tracker knows a VMI before it exists.
    if (meta.name === undefined || meta.name === "") {
      const prefix = typeof meta.generateName === "string" ? meta.generateName : `${p.kind.toLowerCase()}-`;
      meta.name = prefix + randomBytes(4).toString("hex").slice(0, 5);
      delete meta.generateName;
    }
    const name = String(meta.name);
    const isVmi = p.kind === "VirtualMachineInstance";
    if (namespace !== undefined && p.kind in KIND_TEMPLATES) await (await this.#trackerFor(c)).ensure(namespace);
    this.#places.set(`${info.resource}.${info.group} ${namespace ?? ""}`, { info, namespace });
    const stats = this.#created.get(p.kind) ?? { count: 0, errors: 0, firstSentMs: 0, lastDoneMs: 0 };
    this.#created.set(p.kind, stats);
    const sent = Date.now();
    if (stats.count === 0 && stats.errors === 0) stats.firstSentMs = sent;
    if (isVmi && namespace !== undefined) this.#tracker!.expectCreate(namespace, name, sent);
    let status: number;
    try {
      const r = await c.create(obj, { resource: info, namespace, tags: this.#tags(vu, o), timeoutMs: timeoutOf(o, undefined) });
      status = r.status;
    } catch (e) {
      stats.errors++;
      if (isVmi && namespace !== undefined) this.#tracker!.cancelCreate(namespace, name);
      throw e;
    }
    stats.count++;
    stats.lastDoneMs = Date.now();
    this.#run.engine.add(this.#m.objectsCreated, this.#kindTag(p.kind), 1);
    return JSON.stringify({ kind: p.kind, name, namespace: namespace ?? "", status });
  }

  // ---- VM lifecycle ----

  async #runStrategy(vu: VuContext, name: string, strategy: string, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    // runStrategy replaces the older spec.running; a VM may carry only one of them.
    const body = JSON.stringify({ spec: { runStrategy: strategy, running: null } });
    const r = await c.patch("virtualmachines.kubevirt.io", name, body, { type: "merge", namespace: o.namespace, tags: this.#tags(vu, o), timeoutMs: timeoutOf(o, undefined) });
    return r.status;
  }

  /** KubeVirt's restart: the VM's VMI is deleted and the VM controller starts a new one (virtctl restart does this). */
  async #restart(vu: VuContext, name: string, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    const info = await c.resolve("virtualmachineinstances.kubevirt.io");
    const namespace = c.namespaceFor(info, o.namespace)!;
    this.#tracker?.expectDelete(namespace, name, Date.now());
    const r = await c.delete(info, name, { namespace, tags: this.#tags(vu, o), timeoutMs: timeoutOf(o, undefined) });
    return r.status;
  }

  // ---- delete ----

  async #delete(vu: VuContext, kind: string, name: string, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    const info = await c.resolve(kind);
    const namespace = c.namespaceFor(info, o.namespace);
    if (info.kind === "VirtualMachineInstance" && namespace !== undefined) this.#tracker?.expectDelete(namespace, name, Date.now());
    const r = await c.delete(info, name, { namespace, tags: this.#tags(vu, o), timeoutMs: timeoutOf(o, undefined) });
    return r.status;
  }

  /** Lists the run's objects of a kind (or those matching `labelSelector`) and deletes each, `concurrency` at a time. */
  async #deleteAll(vu: VuContext, kind: string, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    const info = await c.resolve(kind);
    const selector = o.labelSelector ?? runSelector(this.#run.runId);
    const items = await this.#list(c, vu, info, o.namespace, selector, o);
    const concurrency = Math.max(1, Math.min(o.concurrency ?? 20, 500));
    const base = this.#tags(vu, o);
    const timeoutMs = timeoutOf(o, undefined);
    let deleted = 0;
    const errors = await runBounded(items, concurrency, async (it) => {
      if (info.kind === "VirtualMachineInstance" && it.namespace !== undefined) this.#tracker?.expectDelete(it.namespace, it.name, Date.now());
      try {
        await c.delete(info, it.name, { namespace: it.namespace, tags: base, timeoutMs });
        deleted++;
      } catch (e) {
        if (!(e instanceof K8sError && e.status === 404)) throw e;
      }
    });
    if (errors.length > 0) throw errors[0];
    return deleted;
  }

  async #list(c: KubeClient, vu: VuContext, info: ResourceInfo, namespace: string | undefined, selector: string, o: Opts): Promise<Array<{ name: string; namespace: string | undefined }>> {
    const { items } = await c.listObjects(info, { namespace, labelSelector: selector, tags: this.#tags(vu, o), timeoutMs: timeoutOf(o, undefined) });
    return items.flatMap((it) => (it.metadata?.name ? [{ name: it.metadata.name, namespace: info.namespaced ? it.metadata.namespace : undefined }] : []));
  }

  // ---- waits ----

  async #waitForPhase(vu: VuContext, phase: string, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    const tracker = await this.#trackerFor(c);
    const namespace = o.namespace;
    if (namespace !== undefined) await tracker.ensure(namespace);
    const timeoutMs = timeoutOf(o, DEFAULT_WAIT_MS)!;
    const started = Date.now();
    // VMIs on their way out (deleted by the run, or with a deletionTimestamp) no longer count, so a churn's wait
    // for "N Running" is met by the replacements, not by the victims still terminating.
    const selected = (): VmiRecord[] =>
      tracker.live(namespace).filter((r) => !r.deleting && r.deleteRequestedMs === undefined && (o.name === undefined || r.name === o.name));
    const want = (live: number) => (o.name !== undefined ? 1 : (o.count ?? (live > 0 ? live : 1)));
    let reachedCount = 0;
    const done = () => {
      const live = selected();
      reachedCount = 0;
      for (const r of live) if (reached(r, phase)) reachedCount++;
      return reachedCount >= want(live.length);
    };
    const timedOut = await tracker.waitUntil(done, timeoutMs, vu.signal);
    done();
    const live = selected();
    const expected = want(live.length);
    const notReached = live.filter((r) => !reached(r, phase));
    if (timedOut) {
      const byLast = this.#timeouts.get(phase) ?? new Map<string, number>();
      this.#timeouts.set(phase, byLast);
      const missing = Math.max(0, expected - live.length);
      const count = (last: string, n: number) => {
        byLast.set(last, (byLast.get(last) ?? 0) + n);
        this.#run.engine.add(this.#m.phaseTimeouts, vu.tags.with("phase", phase).with("last_phase", last || "none"), n);
      };
      for (const r of notReached) count(r.lastPhase, 1);
      if (missing > 0) count("absent", missing);
      const shown = notReached.slice(0, 10).map((r) => `${r.namespace}/${r.name} (${r.lastPhase || "no phase"})`);
      this.#run.log(
        `WARN  loadgen/kubevirt: ${reachedCount} of ${expected} VMIs reached ${phase} within ${timeoutMs / 1000}s; ` +
          `${notReached.length} did not${missing > 0 ? `, ${missing} never appeared` : ""}` +
          (shown.length ? `: ${shown.join(", ")}${notReached.length > shown.length ? ", ..." : ""}` : ""),
      );
    }
    return JSON.stringify({
      phase,
      reached: reachedCount,
      expected,
      total: live.length,
      elapsedMs: Date.now() - started,
      timedOut,
      notReached: notReached.slice(0, MAX_LISTED).map((r) => ({ name: r.name, namespace: r.namespace, phase: r.lastPhase })),
    });
  }

  async #waitForDeleted(vu: VuContext, kind: string, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    const info = await c.resolve(kind);
    const timeoutMs = timeoutOf(o, DEFAULT_WAIT_MS)!;
    const started = Date.now();
    const deadline = started + timeoutMs;
    if (info.kind === "VirtualMachineInstance" && o.labelSelector === undefined && this.#tracker !== undefined) {
      const tracker = this.#tracker;
      if (o.namespace !== undefined) await tracker.ensure(o.namespace);
      const timedOut = await tracker.waitUntil(() => tracker.live(o.namespace).length === 0, timeoutMs, vu.signal);
      return JSON.stringify({ remaining: tracker.live(o.namespace).length, elapsedMs: Date.now() - started, timedOut });
    }
    const selector = o.labelSelector ?? runSelector(this.#run.runId);
    for (;;) {
      const items = await this.#list(c, vu, info, o.namespace, selector, o);
      if (items.length === 0) return JSON.stringify({ remaining: 0, elapsedMs: Date.now() - started, timedOut: false });
      if (Date.now() >= deadline || vu.signal.aborted) return JSON.stringify({ remaining: items.length, elapsedMs: Date.now() - started, timedOut: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  // ---- namespaces ----

  async #createNamespace(vu: VuContext, name: string | undefined, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    const info = await c.resolve("namespaces");
    const ns = name ?? `kubevirt-${labelValue(this.#run.runId).toLowerCase().slice(0, 40)}`;
    const obj: Record<string, unknown> = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { ...(o.labels ?? {}) } } };
    try {
      await c.create(obj, { resource: info, scenario: vu.scenario ?? vu.phase, tags: this.#tags(vu, o), timeoutMs: timeoutOf(o, undefined) });
      this.#namespaces.add(ns);
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 409)) throw e;
    }
    return ns;
  }

  async #deleteNamespace(vu: VuContext, name: string, o: Opts): Promise<HostValue> {
    const c = await this.#client();
    const info = await c.resolve("namespaces");
    try {
      await c.delete(info, name, { tags: this.#tags(vu, o), timeoutMs: timeoutOf(o, undefined) });
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 404)) throw e;
    }
    this.#namespaces.delete(name);
    if (o.wait === false) return true;
    const deadline = Date.now() + timeoutOf(o, 120_000)!;
    // Polled outside the request metrics: the final 404 is the answer awaited, not an error of the run.
    for (;;) {
      try {
        await c.get(info, name, { quiet: true });
      } catch (e) {
        if (e instanceof K8sError && e.status === 404) return true;
        throw e;
      }
      if (Date.now() > deadline || vu.signal.aborted) return false;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  // ---- end of run ----

  /** A runner's report inputs and where it created objects (for the coordinator's report and clean-up). */
  #runnerState(): RunnerState | undefined {
    if (this.#created.size === 0 && this.#tracker === undefined) return undefined;
    return {
      report: reportState({ created: this.#created, records: this.#tracker?.records.values() ?? [], timeouts: this.#timeouts, trackerStats: { ...(this.#tracker?.stats ?? {}) } }),
      places: [...this.#places],
      namespaces: [...this.#namespaces],
    };
  }

  #mergeRunnerState(s: RunnerState): void {
    this.#runnerRecords.push(...mergeReportState({ created: this.#created, timeouts: this.#timeouts, trackerStats: this.#runnerStats }, s.report));
    for (const [key, place] of s.places) this.#places.set(key, place);
    for (const ns of s.namespaces) this.#namespaces.add(ns);
  }

  async #summary(): Promise<SummaryExtension | undefined> {
    if (this.#created.size === 0 && this.#tracker === undefined) return undefined;
    // A group's coordinator may not have talked to the cluster itself: it connects now (for the API server's counts
    // after the run and the clean-up; without a count from before, the REST-call table is left out).
    const c = this.#shared.current ?? (this.#runnerRecords.length > 0 || this.#places.size > 0 ? await this.#client().catch(() => undefined) : undefined);
    if (c === undefined) return undefined;
    const before = await this.#shared.before;
    const after = await scrapeRequestTotals(c).catch(() => undefined);
    const stats: Record<string, number> = { ...this.#runnerStats };
    for (const [k, n] of Object.entries(this.#tracker?.stats ?? {})) stats[k] = (stats[k] ?? 0) + n;
    // Every runner's tracker (and the coordinator's, after a teardown's wait) watches the run's VMIs, so a VMI has a
    // record in each: the one timed from its create (the runner that created it) is the VMI's, else the fullest.
    const byUid = new Map<string, VmiRecord>();
    const rank = (r: VmiRecord) => (r.t0Source === "create" ? 1000 : 0) + r.phases.size;
    for (const r of [...(this.#tracker?.records.values() ?? []), ...this.#runnerRecords]) {
      const have = byUid.get(r.uid);
      if (have === undefined || rank(r) > rank(have)) byUid.set(r.uid, r);
    }
    const records = byUid.values();
    const report = buildReport({ created: this.#created, records, timeouts: this.#timeouts, before, after, trackerStats: stats });
    // The safety net: objects the scenario's teardown did not remove (it failed, or never ran) are deleted here,
    // before loadgen/k8s closes the shared connection (close() may come too late).
    const options = this.#run.options()?.kubevirt as { cleanup?: boolean } | undefined;
    // A group's runners leave the clean-up to their coordinator (RunContext.group).
    if (options?.cleanup !== false && this.#run.group !== "runner") await this.#cleanup(c).catch((e) => this.#run.log(`WARN  loadgen/kubevirt: cleanup failed: ${(e as Error).message}`));
    this.#tracker?.close();
    return report;
  }

  async #cleanup(c: KubeClient): Promise<void> {
    const labelSelector = runSelector(this.#run.runId);
    const left: Array<{ info: ResourceInfo; namespace: string | undefined; name: string }> = [];
    // Owners first (pools, replica sets, VMs), then VMIs: deleting a VM takes its VMI with it.
    const order = ["VirtualMachinePool", "VirtualMachineInstanceReplicaSet", "VirtualMachine", "VirtualMachineInstance"];
    const places = [...this.#places.values()].sort((a, b) => order.indexOf(a.info.kind) - order.indexOf(b.info.kind));
    for (const p of places) {
      const { items } = await c.listObjects(p.info, { namespace: p.namespace, labelSelector, quiet: true });
      for (const it of items) if (it.metadata?.name) left.push({ info: p.info, namespace: p.namespace, name: it.metadata.name });
    }
    if (left.length === 0 && this.#namespaces.size === 0) return;
    if (left.length > 0) this.#run.log(`loadgen/kubevirt: ${left.length} object(s) of run ${this.#run.runId} were left; deleting them`);
    const errors = await runBounded(left, 20, async (o) => {
      await c.delete(o.info, o.name, { namespace: o.namespace, propagationPolicy: "Background", quiet: true }).catch((e: unknown) => {
        if (!(e instanceof K8sError && e.status === 404)) throw e;
      });
    });
    if (errors.length > 0) throw errors[0];
    const namespaces = await c.resolve("namespaces");
    for (const ns of this.#namespaces) await c.delete(namespaces, ns, { quiet: true }).catch(() => undefined);
    // Wait (bounded) until they are gone, so that "the run leaves nothing behind" holds when loadgen exits.
    const deadline = Date.now() + 120_000;
    for (const p of places) {
      for (;;) {
        const r = await c.listObjects(p.info, { namespace: p.namespace, labelSelector, limit: 1, quiet: true }).catch(() => undefined);
        const n = r === undefined ? 0 : r.items.length;
        if (n === 0 || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 500));
      }
    }
    this.#namespaces.clear();
  }
}

/** Adds the run's labels (and `extra`) to the pod-like templates inside VMs, VMI replica sets and VM pools, so the VMIs their controllers create are the run's too. */
function labelNested(obj: Record<string, unknown>, runId: string, scenario: string, extra: Record<string, string> | undefined): void {
  const at = (o: unknown, ...keys: string[]): Record<string, unknown> | undefined => {
    let v: unknown = o;
    for (const k of keys) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  };
  const label = (t: Record<string, unknown> | undefined) => {
    if (t === undefined) return;
    addRunLabels(t as { metadata?: { labels?: Record<string, string> } }, runId, scenario);
    if (extra) Object.assign((t.metadata as { labels: Record<string, string> }).labels, extra);
  };
  switch (obj.kind) {
    case "VirtualMachine":
    case "VirtualMachineInstanceReplicaSet":
      label(at(obj, "spec", "template"));
      break;
    case "VirtualMachinePool":
      label(at(obj, "spec", "virtualMachineTemplate"));
      label(at(obj, "spec", "virtualMachineTemplate", "spec", "template"));
      break;
  }
}

function parseOpts(v: HostValue): Opts {
  if (v === undefined || v === null || v === "") return {};
  let o: unknown;
  try {
    o = JSON.parse(String(v));
  } catch {
    throw clientError("InvalidOptions", "options must be an object");
  }
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw clientError("InvalidOptions", "options must be an object");
  return o as Opts;
}

function timeoutOf(o: Opts, def: number | undefined): number | undefined {
  if (o.timeout === undefined) return def;
  try {
    return parseDuration(o.timeout, "timeout");
  } catch (e) {
    throw clientError("InvalidOptions", (e as Error).message);
  }
}

export { RUN_LABEL };
