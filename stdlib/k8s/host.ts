// Host half of `loadgen/k8s`: guest calls turned into calls of the run's Kubernetes client (runtime/kube). Each
// distinct call shape (resource + options text) is prepared once; later calls with the same text skip option parsing,
// discovery and request building. Results cross back as a number (bytes * 1000 + status) when the scenario did not
// ask for objects, else as one JSON text the shim parses.
import type { HostModule, HostModuleInstance, HostValue, RunContext, SummaryExtension, VuContext } from "../host-module.ts";
import type { TagSet } from "../../runtime/metrics/tags.ts";
import { parseDuration } from "../../runtime/metrics/duration.ts";
import { scrapeRequestTotals, apiserverReport } from "../../runtime/kube/apiserver-metrics.ts";
import { cleanupRun } from "../../runtime/kube/cleanup.ts";
import { parseK8sOptions } from "../../runtime/kube/k8s-options.ts";
import type { KubeClient } from "../../runtime/kube/client.ts";
import { registerK8sMetrics } from "../../runtime/kube/recorder.ts";
import type { Prepared } from "../../runtime/kube/request-compiler.ts";
import type { Reply } from "../../runtime/kube/transport.ts";
import type { PreparedList } from "../../runtime/kube/verb-requests.ts";
import { clientError, K8sError } from "../../runtime/kube/errors.ts";
import { runSelector, RUN_LABEL, SCENARIO_LABEL } from "../../runtime/kube/labels.ts";
import { objectMeta } from "../../runtime/kube/object-meta.ts";
import { parseObjects, renderTemplate } from "../../runtime/kube/template.ts";
import type { WatchStream } from "../../runtime/kube/watch.ts";
import { ReplicaTimeline, type ScalingTimeline } from "../../runtime/kube/replica-timeline.ts";
import type { MilestoneName } from "../../runtime/kube/scaling-milestones.ts";
import { scalingTables } from "../../runtime/kube/scaling-report.ts";
import type { Metric } from "../../runtime/metrics/metric.ts";
import { sharedKubeClient, type SharedKubeClient } from "../shared-kube-client.ts";

/** Calls prepared and cached per distinct argument text, up to this many (unique names per call stop being cached). */
const CALL_CACHE_LIMIT = 20_000;

/** The options object of every loadgen/k8s call, as the shim sends it (k8s.d.ts documents each). */
interface CallOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  consistency?: "stale" | "quorum";
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
  allPages?: boolean;
  decode?: boolean;
  subresource?: string;
  timeout?: string | number;
  tags?: Record<string, string>;
  resource?: string;
  vars?: Record<string, unknown>;
  type?: string;
  fieldManager?: string;
  force?: boolean;
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  bookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

/** A read or delete prepared from its arguments, with the tags its samples add to the VU's. */
interface Call {
  readonly request: Prepared;
  /** Set for lists (paginated or not). */
  readonly list: PreparedList | undefined;
  readonly tags: Record<string, string> | undefined;
}

/** `loadgen/k8s`: the Kubernetes API from scenarios, through one connection pool per run on the host. */
export const k8sModule: HostModule = {
  open(run: RunContext): HostModuleInstance {
    return new K8sHost(run).instance();
  },
};

class K8sHost {
  readonly #run: RunContext;
  readonly #shared: SharedKubeClient;
  readonly #calls = new Map<string, Call>();
  readonly #watches = new Map<number, WatchStream>();
  #nextWatch = 1;
  readonly #errorMetric;
  readonly #timelines = new Map<string, ReplicaTimeline>();
  readonly #replicaMetrics;

  constructor(run: RunContext) {
    this.#run = run;
    this.#shared = sharedKubeClient(run);
    // Registered now (the client is made on first use) so thresholds on k8s metrics validate before the run starts.
    this.#errorMetric = registerK8sMetrics(run.metrics).errors;
    const gauge = (name: string) => run.metrics.register(name, "gauge");
    this.#replicaMetrics = {
      desired: gauge("workload_replicas"),
      ready: gauge("workload_ready_replicas"),
      milestones: {
        scaleUp: gauge("workload_scale_up_seconds"),
        max: gauge("workload_scale_max_seconds"),
        backToBaseline: gauge("workload_scale_down_seconds"),
      } as Partial<Record<MilestoneName, Metric>>,
    };
  }

  /** The run's client (shared with modules built on loadgen/k8s), created on first use. */
  client(): KubeClient | Promise<KubeClient> {
    return this.#shared.client();
  }

  instance(): HostModuleInstance {
    const self = this;
    const run = this.#run;
    const call = <A extends HostValue[]>(verb: string, fn: (c: KubeClient, vu: VuContext, ...args: A) => Promise<HostValue>) =>
      async (vu: VuContext, ...args: HostValue[]): Promise<HostValue> => {
        try {
          const c = self.#shared.current ?? (await self.client());
          return await fn(c, vu, ...(args as A));
        } catch (e) {
          // Failures no request sample counted (unknown resource, malformed object, discovery that could not reach
          // the server) are counted here, tagged like the request would have been.
          if (e instanceof K8sError && !e.recorded) {
            self.#countClientError(vu, verb, verb === "create" || verb === "update" || verb === "apply" ? "" : String(args[0] ?? ""), e);
          }
          throw e;
        }
      };
    const listSlow = call("list", (c, vu, resource: HostValue, opts: HostValue) => self.#list(c, vu, String(resource), String(opts ?? "{}")));
    return {
      sync: {
        "k8s.info"() {
          return JSON.stringify({ runId: run.runId, runLabel: RUN_LABEL, scenarioLabel: SCENARIO_LABEL, runSelector: runSelector(run.runId) });
        },
        "k8s.render"(vu: VuContext, template: HostValue, varsJson: HostValue) {
          return JSON.stringify(renderTemplate(String(template), self.#vars(vu, varsJson)));
        },
      },
      async: {
        "k8s.list"(vu: VuContext, resource: HostValue, opts: HostValue): Promise<HostValue> {
          // The hot path: a call seen before, undecoded, unpaginated: straight to the client's send, no async layers.
          const c = self.#shared.current;
          const p = c === undefined ? undefined : self.#calls.get("list\u0000" + resource + "\u0000" + (opts ?? "{}"));
          if (p !== undefined && p.list!.pages === undefined && !p.request.sendOptions.keepBody) {
            return c!.send(p.request, p.tags === undefined ? vu.tags : vu.tags.withAll(p.tags)).then(encodeReply);
          }
          return listSlow(vu, resource, opts);
        },
        "k8s.get": call("get", (c, vu, resource: HostValue, name: HostValue, opts: HostValue) => self.#read(c, vu, "get", String(resource), String(name), String(opts ?? "{}"))),
        "k8s.delete": call("delete", (c, vu, resource: HostValue, name: HostValue, opts: HostValue) => self.#read(c, vu, "delete", String(resource), String(name), String(opts ?? "{}"))),
        "k8s.deleteCollection": call("deletecollection", (c, vu, resource: HostValue, opts: HostValue) => self.#read(c, vu, "deletecollection", String(resource), "", String(opts ?? "{}"))),
        "k8s.create": call("create", (c, vu, body: HostValue, opts: HostValue) => self.#write(c, vu, "create", String(body), String(opts ?? "{}"))),
        "k8s.update": call("update", (c, vu, body: HostValue, opts: HostValue) => self.#write(c, vu, "update", String(body), String(opts ?? "{}"))),
        "k8s.apply": call("apply", (c, vu, body: HostValue, opts: HostValue) => self.#write(c, vu, "apply", String(body), String(opts ?? "{}"))),
        "k8s.patch": call("patch", (c, vu, resource: HostValue, name: HostValue, patch: HostValue, opts: HostValue) =>
          self.#patch(c, vu, String(resource), String(name), String(patch), String(opts ?? "{}"))),
        "k8s.watchOpen": call("watch", (c, vu, resource: HostValue, opts: HostValue) => self.#watchOpen(c, vu, String(resource), String(opts ?? "{}"))),
        "k8s.watchNext"(_vu: VuContext, id: HostValue, maxWaitMs: HostValue) {
          const w = self.#watches.get(Number(id));
          if (w === undefined) return Promise.reject(new K8sError("the watch is closed", "WatchClosed", 0));
          return w.next(Math.max(0, Math.min(Number(maxWaitMs) || 0, 60_000)));
        },
        "k8s.watchReplicas": call("watch", (c, vu, workload: HostValue, opts: HostValue) => self.#watchReplicas(c, vu, String(workload), String(opts ?? "{}"))),
        async "k8s.replicaTimeline"(_vu: VuContext, id: HostValue, stop: HostValue) {
          const t = self.#timelines.get(String(id));
          if (t === undefined) throw clientError("InvalidOptions", `no replica watch "${String(id)}" in this run (watchReplicas() returns the id)`);
          return JSON.stringify(stop === true ? await t.stop() : t.timeline());
        },
        async "k8s.watchClose"(_vu: VuContext, id: HostValue) {
          const w = self.#watches.get(Number(id));
          if (w !== undefined) {
            self.#watches.delete(Number(id));
            self.#shared.current?.closeWatch(w);
          }
          return undefined;
        },
      },
      summary: () => this.#summary(),
      close: () => this.#close(),
    };
  }

  #countClientError(vu: VuContext, verb: string, resource: string, e: K8sError): void {
    const kind = e.class?.kind ?? "unknown";
    const tags = vu.tags.with("verb", verb).with("resource", resource).with("status", String(e.status)).with("kind", kind).with("error", e.class?.key ?? `unknown/${e.code}`);
    vu.emit(this.#errorMetric, 1, tags);
  }

  #vars(vu: VuContext, varsJson: HostValue): Record<string, unknown> {
    const vars = typeof varsJson === "string" && varsJson !== "" ? (JSON.parse(varsJson) as Record<string, unknown>) : {};
    return { Iteration: vu.scenarioIterationInTest, VU: vu.id, RunID: this.#run.runId, Scenario: vu.scenario ?? "", ...vars };
  }

  #base(vu: VuContext, tags: Record<string, string> | undefined): TagSet {
    return tags === undefined ? vu.tags : vu.tags.withAll(tags);
  }

  #cache(key: string, p: Call): Call {
    if (this.#calls.size < CALL_CACHE_LIMIT) this.#calls.set(key, p);
    return p;
  }

  // ---- reads and deletes ----

  async #list(c: KubeClient, vu: VuContext, resource: string, optsJson: string): Promise<HostValue> {
    const key = "list\u0000" + resource + "\u0000" + optsJson;
    const p = this.#calls.get(key) ?? this.#cache(key, await this.#prepare(c, "list", resource, "", optsJson));
    const list = p.list!;
    const base = this.#base(vu, p.tags);
    const decode = list.sendOptions.keepBody === true;
    if (list.pages === undefined) {
      const r = await c.send(list, base);
      if (!decode) return r.bytes * 1000 + r.status;
      return `{"status":${r.status},"bytes":${r.bytes},"pages":[${r.body}]}`;
    }
    // Paginated: the client follows `continue` (all pages, or just this one).
    const r = await c.sendList(list, base);
    const head = r.head;
    const meta = `"status":${r.status},"bytes":${r.bytes},"pageCount":${Math.max(1, r.pages.length)},"resourceVersion":${JSON.stringify(head.resourceVersion ?? "")}${head.continue ? `,"continue":${JSON.stringify(head.continue)}` : ""}${head.remainingItemCount !== undefined ? `,"remainingItemCount":${head.remainingItemCount}` : ""}`;
    return decode ? `{${meta},"pages":[${r.pages.join(",")}]}` : `{${meta}}`;
  }

  async #read(c: KubeClient, vu: VuContext, verb: "get" | "delete" | "deletecollection", resource: string, name: string, optsJson: string): Promise<HostValue> {
    const key = verb + "\u0000" + resource + "\u0000" + name + "\u0000" + optsJson;
    const p = this.#calls.get(key) ?? this.#cache(key, await this.#prepare(c, verb, resource, name, optsJson));
    return objectReply(await c.send(p.request, this.#base(vu, p.tags)), p.request.sendOptions.keepBody === true);
  }

  /** Prepares a list, get, delete or deletecollection call. */
  async #prepare(c: KubeClient, verb: string, resource: string, name: string, optsJson: string): Promise<Call> {
    const o = parseOptions(optsJson);
    const info = await c.resolve(resource);
    if ((verb === "get" || verb === "delete") && !name) throw clientError("InvalidName", `${verb} ${resource}: a name is required`);
    const shape = { decode: o.decode === true, timeoutMs: timeout(o) };
    switch (verb) {
      case "list": {
        const list = c.prepareList(info, { ...shape, namespace: o.namespace, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, consistency: o.consistency, resourceVersion: o.resourceVersion, resourceVersionMatch: o.resourceVersionMatch, limit: o.limit, continue: o.continue, allPages: o.allPages });
        return { request: list, list, tags: o.tags };
      }
      case "get":
        return { request: c.prepareGet(info, name, { ...shape, namespace: o.namespace, consistency: o.consistency, resourceVersion: o.resourceVersion, resourceVersionMatch: o.resourceVersionMatch, subresource: o.subresource }), list: undefined, tags: o.tags };
      case "delete":
        return { request: c.prepareDelete(info, name, { ...shape, ...deletion(o) }), list: undefined, tags: o.tags };
      default:
        return { request: c.prepareDeleteCollection(info, { ...shape, ...deletion(o), labelSelector: o.labelSelector, fieldSelector: o.fieldSelector }), list: undefined, tags: o.tags };
    }
  }

  // ---- writes ----

  async #write(c: KubeClient, vu: VuContext, verb: "create" | "update" | "apply", bodyText: string, optsJson: string): Promise<HostValue> {
    const o = parseOptions(optsJson);
    const objects = o.vars !== undefined ? renderTemplate(bodyText, this.#vars(vu, JSON.stringify(o.vars))) : parseBody(bodyText);
    if (objects.length !== 1) throw clientError("InvalidObject", `${verb}: expected one object, got ${objects.length} (call ${verb} once per document)`);
    const obj = objects[0]!;
    // Checked here rather than by the client, which also creates reviews (they have no name): a scenario's object
    // without a name or generateName is a mistake.
    const meta = objectMeta(obj);
    if (verb === "create" && meta.name === undefined && !meta.hasGenerateName) {
      throw clientError("InvalidObject", "malformed object: create needs metadata.name or metadata.generateName");
    }
    const r = await c[verb](obj, { ...this.#writeOptions(vu, o), resource: o.resource });
    return objectReply(r, o.decode === true);
  }

  async #patch(c: KubeClient, vu: VuContext, resource: string, name: string, patchText: string, optsJson: string): Promise<HostValue> {
    const o = parseOptions(optsJson);
    let patch: string | Record<string, unknown> = patchText;
    if (o.type === "apply") {
      const objects = parseBody(patchText);
      if (objects.length !== 1) throw clientError("InvalidObject", "patch: an apply patch is one object");
      patch = objects[0]!;
    }
    const r = await c.patch(resource, name, patch, { ...this.#writeOptions(vu, o), type: o.type });
    return objectReply(r, o.decode === true);
  }

  /** What writes and patches share: where, how, and the run labels of the calling scenario. */
  #writeOptions(vu: VuContext, o: CallOptions) {
    return {
      namespace: o.namespace,
      subresource: o.subresource,
      dryRun: o.dryRun,
      fieldManager: o.fieldManager,
      force: o.force,
      decode: o.decode === true,
      timeoutMs: timeout(o),
      tags: this.#base(vu, o.tags),
      scenario: vu.scenario ?? vu.phase,
    };
  }

  // ---- watch ----

  async #watchOpen(c: KubeClient, vu: VuContext, resource: string, optsJson: string): Promise<HostValue> {
    const o = parseOptions(optsJson);
    const w = c.watch(await c.resolve(resource), {
      namespace: o.namespace,
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      sendInitialEvents: o.sendInitialEvents,
      timeoutSeconds: o.timeoutSeconds,
      tags: this.#base(vu, o.tags),
      bookmarks: o.bookmarks === true,
      resourceVersion: o.resourceVersion ?? (o.sendInitialEvents ? "" : undefined),
    });
    const id = this.#nextWatch++;
    this.#watches.set(id, w);
    return id;
  }

  // ---- replica timeline ----

  async #watchReplicas(c: KubeClient, vu: VuContext, workload: string, optsJson: string): Promise<HostValue> {
    const o = parseOptions(optsJson);
    const engine = this.#run.engine;
    const execution = this.#run.execution;
    const m = this.#replicaMetrics;
    // The samples name the workload as discovery resolved it (`deployment/consumer`): known from the first sample on.
    const base = this.#run.tags.empty.withAll(o.tags ?? {});
    let tags: TagSet | undefined;
    const tagsOf = () => (tags ??= base.with("workload", timeline.workload).with("namespace", timeline.namespace ?? ""));
    const timeline: ReplicaTimeline = new ReplicaTimeline(c, workload, {
      namespace: o.namespace,
      // The load starts with the scenarios; a watch opened in setup() sees the counts before it (the baseline).
      loadStart: () => execution.startedAtMs(),
      tags: this.#base(vu, o.tags),
      sink: {
        sample(s) {
          engine.add(m.desired, tagsOf(), s.desired);
          engine.add(m.ready, tagsOf(), s.ready);
        },
        milestone(name, seconds) {
          const metric = m.milestones[name];
          if (metric !== undefined) engine.add(metric, tagsOf(), seconds);
        },
      },
    });
    await timeline.start();
    const id = `replicas-${this.#timelines.size + 1}`;
    this.#timelines.set(id, timeline);
    return id;
  }

  // ---- end of run ----

  async #summary(): Promise<SummaryExtension | undefined> {
    const timelines: ScalingTimeline[] = [];
    for (const t of this.#timelines.values()) timelines.push(await t.stop());
    const scaling = timelines.length > 0 ? { data: { scaling: timelines }, tables: scalingTables(timelines) } : undefined;
    const c = this.#shared.current;
    const before = c === undefined ? undefined : await this.#shared.before;
    const after = c === undefined || before === undefined ? undefined : await scrapeRequestTotals(c).catch(() => undefined);
    const apiserver = before === undefined || after === undefined ? undefined : apiserverReport(before, after);
    if (apiserver === undefined) return scaling;
    if (scaling === undefined) return apiserver;
    return { data: { ...apiserver.data, ...scaling.data }, tables: [...scaling.tables, ...apiserver.tables] };
  }

  async #close(): Promise<void> {
    for (const t of this.#timelines.values()) await t.stop();
    for (const w of this.#watches.values()) w.close();
    this.#watches.clear();
    let c = this.#shared.current;
    // A group's runners leave the clean-up to their coordinator (RunContext.group), which may not have talked to the
    // cluster itself: it connects now to do it.
    if (c === undefined && this.#run.group === "coordinator" && wantsCleanup(this.#run)) {
      c = await Promise.resolve(this.#shared.client()).catch((e: Error) => {
        this.#run.log(`WARN  loadgen/k8s: cannot clean up the objects of run ${this.#run.runId}: ${e.message}`);
        return undefined;
      });
    }
    if (c === undefined) return;
    try {
      if (c.options.cleanup && this.#run.group !== "runner") {
        this.#run.log(`loadgen/k8s: cleaning up the objects of run ${this.#run.runId}`);
        const r = await cleanupRun(c, { runId: this.#run.runId, log: this.#run.log });
        this.#run.log(`loadgen/k8s: cleanup deleted ${r.deleted} object(s)${r.remaining ? `, ${r.remaining} still present after the wait` : ""}`);
      }
    } finally {
      await c.close();
    }
  }
}

/** True when `options.k8s.cleanup` asks for the run's objects to be deleted at its end. */
function wantsCleanup(run: RunContext): boolean {
  try {
    return parseK8sOptions(run.options()?.k8s).cleanup;
  } catch {
    return false;
  }
}

/** The delete options of a call. */
function deletion(o: CallOptions): { namespace?: string; gracePeriodSeconds?: number; propagationPolicy?: string; dryRun?: boolean } {
  return { namespace: o.namespace, gracePeriodSeconds: o.gracePeriodSeconds, propagationPolicy: o.propagationPolicy, dryRun: o.dryRun };
}

/** A single-object reply: the number of encodeReply, or with `decode` one JSON text with the object as `body`. */
function objectReply(r: Reply, decode: boolean): HostValue {
  if (!decode) return r.bytes * 1000 + r.status;
  return `{"status":${r.status},"bytes":${r.bytes},"body":${r.body || "null"}}`;
}

/** An undecoded reply as one number: bytes * 1000 + status (the shim splits it; no JSON either way). */
function encodeReply(r: Reply): number {
  return r.bytes * 1000 + r.status;
}

function parseOptions(json: string): CallOptions {
  if (json === "" || json === "undefined") return {};
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    throw clientError("InvalidOptions", "options must be an object");
  }
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw clientError("InvalidOptions", "options must be an object");
  return o as CallOptions;
}

function timeout(o: CallOptions): number | undefined {
  if (o.timeout === undefined) return undefined;
  try {
    return parseDuration(o.timeout, "timeout");
  } catch (e) {
    throw clientError("InvalidOptions", (e as Error).message);
  }
}

/** An object from the shim: JSON text (the fast path) or YAML. */
function parseBody(text: string): Record<string, unknown>[] {
  const t = text.trimStart();
  if (t.startsWith("{")) {
    try {
      return [JSON.parse(t) as Record<string, unknown>];
    } catch {
      // not JSON after all: let the YAML reader say what is wrong
    }
  }
  return parseObjects(text);
}
