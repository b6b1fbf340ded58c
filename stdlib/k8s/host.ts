// Host half of `loadgen/k8s`. Each distinct call shape (resource + options text) is compiled once into an endpoint and
// a path; later calls with the same text skip option parsing, discovery and path building. Results cross back as a
// number (bytes * 1000 + status) when the scenario did not ask for objects, else as one JSON text the shim parses.
import type { HostModule, HostModuleInstance, HostValue, RunContext, SummaryExtension, VuContext } from "../host-module.ts";
import type { TagSet } from "../../runtime/metrics/tags.ts";
import { parseDuration } from "../../runtime/metrics/duration.ts";
import { TagCache } from "../tag-cache.ts";
import { scrapeRequestTotals, apiserverReport } from "../../runtime/kube/apiserver-metrics.ts";
import { cleanupRun } from "../../runtime/kube/cleanup.ts";
import { K8sClient, PATCH_TYPES, readListHead, type Compiled, type Target } from "../../runtime/kube/client.ts";
import { registerK8sMetrics, type Reply, type SendOptions } from "../../runtime/kube/transport.ts";
import { clientError, K8sError } from "../../runtime/kube/errors.ts";
import { runSelector, RUN_LABEL, SCENARIO_LABEL } from "../../runtime/kube/labels.ts";
import { parseObjects, renderTemplate } from "../../runtime/kube/template.ts";
import type { WatchStream } from "../../runtime/kube/watch.ts";
import { runK8s, type RunK8s } from "../shared-kube-client.ts";

/** Calls compiled and cached per distinct argument text, up to this many (unique names per call stop being cached). */
const CALL_CACHE_LIMIT = 20_000;

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

/** A read or delete compiled from its arguments. */
interface Prepared {
  readonly verb: string;
  readonly compiled: Compiled;
  readonly keepBody: boolean;
  readonly timeoutMs: number | undefined;
  readonly tags: Record<string, string> | undefined;
  /** For paginated lists: the endpoint of the pages after the first, and whether to follow them all. */
  readonly pages?: { next: Compiled; all: boolean };
  /** The send options of an unpaginated call, made once. */
  readonly sendOptions: SendOptions;
}

/** `loadgen/k8s`: the Kubernetes API from scenarios, through one connection pool per run on the host. */
export const k8sModule: HostModule = {
  open(run: RunContext): HostModuleInstance {
    return new K8sHost(run).instance();
  },
};

class K8sHost {
  readonly #run: RunContext;
  readonly #shared: RunK8s;
  readonly #calls = new Map<string, Prepared>();
  readonly #watches = new Map<number, WatchStream>();
  #nextWatch = 1;
  readonly #tagCache = new TagCache();
  readonly #errorMetric;

  constructor(run: RunContext) {
    this.#run = run;
    this.#shared = runK8s(run);
    // Registered now (the client is made on first use) so thresholds on k8s metrics validate before the run starts.
    this.#errorMetric = registerK8sMetrics(run.metrics).errors;
  }

  /** The run's client (shared with modules built on loadgen/k8s), created on first use. */
  client(): K8sClient | Promise<K8sClient> {
    return this.#shared.client();
  }

  instance(): HostModuleInstance {
    const self = this;
    const run = this.#run;
    const call = <A extends HostValue[]>(verb: string, fn: (c: K8sClient, vu: VuContext, ...args: A) => Promise<HostValue>) =>
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
          // The hot path: a call seen before, undecoded, unpaginated: straight to the transport, no async layers.
          const c = self.#shared.current;
          const p = c === undefined ? undefined : self.#calls.get("list\u0000" + resource + "\u0000" + (opts ?? "{}"));
          if (p !== undefined && p.pages === undefined && !p.keepBody) {
            return c!.transport.send(p.compiled.endpoint, p.compiled.pathAndQuery, p.tags === undefined ? vu.tags : vu.tags.withAll(p.tags), p.sendOptions).then(encodeReply);
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
        async "k8s.watchClose"(_vu: VuContext, id: HostValue) {
          const w = self.#watches.get(Number(id));
          if (w !== undefined) {
            self.#watches.delete(Number(id));
            self.#shared.current?.forgetWatch(w);
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

  #cache(key: string, p: Prepared): Prepared {
    if (this.#calls.size < CALL_CACHE_LIMIT) this.#calls.set(key, p);
    return p;
  }

  // ---- reads and deletes ----

  async #list(c: K8sClient, vu: VuContext, resource: string, optsJson: string): Promise<HostValue> {
    const key = "list\u0000" + resource + "\u0000" + optsJson;
    const p = this.#calls.get(key) ?? this.#cache(key, await this.#prepare(c, "list", resource, "", optsJson));
    const base = p.tags === undefined ? vu.tags : vu.tags.withAll(p.tags);
    const t = c.transport;
    if (p.pages === undefined) {
      const r = await t.send(p.compiled.endpoint, p.compiled.pathAndQuery, base, { keepBody: p.keepBody, timeoutMs: p.timeoutMs });
      if (!p.keepBody) return r.bytes * 1000 + r.status;
      return `{"status":${r.status},"bytes":${r.bytes},"pages":[${r.body}]}`;
    }
    // Paginated: follow `continue` (all pages, or just this one).
    const bodies: string[] = [];
    let bytes = 0;
    let status = 0;
    let head = {} as ReturnType<typeof readListHead>;
    let compiled = p.compiled;
    let path = compiled.pathAndQuery;
    for (let page = 0; ; page++) {
      const r = await t.send(compiled.endpoint, path, base, { keepBody: true, timeoutMs: p.timeoutMs });
      bytes += r.bytes;
      status = r.status;
      head = readListHead(r.body ?? "");
      if (p.keepBody) bodies.push(r.body ?? "{}");
      if (!p.pages.all || !head.continue) break;
      compiled = p.pages.next;
      path = p.pages.next.pathAndQuery.replace("continue=x", "continue=" + encodeURIComponent(head.continue));
      if (page > 100_000) throw clientError("TooManyPages", "list: more than 100000 pages; is the server returning the same continue token?");
    }
    const meta = `"status":${status},"bytes":${bytes},"pageCount":${Math.max(1, bodies.length)},"resourceVersion":${JSON.stringify(head.resourceVersion ?? "")}${head.continue ? `,"continue":${JSON.stringify(head.continue)}` : ""}${head.remainingItemCount !== undefined ? `,"remainingItemCount":${head.remainingItemCount}` : ""}`;
    return p.keepBody ? `{${meta},"pages":[${bodies.join(",")}]}` : `{${meta}}`;
  }

  async #read(c: K8sClient, vu: VuContext, verb: "get" | "delete" | "deletecollection", resource: string, name: string, optsJson: string): Promise<HostValue> {
    const key = verb + "\u0000" + resource + "\u0000" + name + "\u0000" + optsJson;
    const p = this.#calls.get(key) ?? this.#cache(key, await this.#prepare(c, verb, resource, name, optsJson));
    const base = p.tags === undefined ? vu.tags : vu.tags.withAll(p.tags);
    const r = await c.transport.send(p.compiled.endpoint, p.compiled.pathAndQuery, base, p.sendOptions);
    if (!p.keepBody) return r.bytes * 1000 + r.status;
    return `{"status":${r.status},"bytes":${r.bytes},"body":${r.body || "null"}}`;
  }

  /** Compiles a list, get, delete or deletecollection call. */
  async #prepare(c: K8sClient, verb: string, resource: string, name: string, optsJson: string): Promise<Prepared> {
    const o = parseOptions(optsJson);
    const info = await c.resolve(resource);
    const q = new URLSearchParams();
    let namespace: string | undefined;
    if (verb === "list") namespace = info.namespaced ? o.namespace : undefined;
    else namespace = c.namespaceFor(info, o.namespace);
    if (verb === "get" || verb === "delete") {
      if (!name) throw clientError("InvalidName", `${verb} ${resource}: a name is required`);
    }
    if (verb === "list" || verb === "deletecollection") {
      if (o.labelSelector) q.set("labelSelector", o.labelSelector);
      if (o.fieldSelector) q.set("fieldSelector", o.fieldSelector);
    }
    if (verb === "list" || verb === "get") {
      const rv = o.resourceVersion ?? (o.consistency === "stale" ? "0" : undefined);
      if (o.consistency !== undefined && o.consistency !== "stale" && o.consistency !== "quorum") {
        throw clientError("InvalidOptions", `${verb}: consistency must be "stale" or "quorum", got ${JSON.stringify(o.consistency)}`);
      }
      if (rv !== undefined) q.set("resourceVersion", rv);
      if (o.resourceVersionMatch) q.set("resourceVersionMatch", o.resourceVersionMatch);
    }
    if (verb === "delete" || verb === "deletecollection") {
      if (o.gracePeriodSeconds !== undefined) q.set("gracePeriodSeconds", String(o.gracePeriodSeconds));
      if (o.propagationPolicy) q.set("propagationPolicy", o.propagationPolicy);
      if (o.dryRun) q.set("dryRun", "All");
    }
    let pages: Prepared["pages"];
    if (verb === "list" && (o.limit !== undefined || o.allPages)) {
      const limit = o.limit ?? 500;
      if (!Number.isInteger(limit) || limit < 1) throw clientError("InvalidOptions", `list: limit must be a positive integer, got ${JSON.stringify(o.limit)}`);
      q.set("limit", String(limit));
      const first = new URLSearchParams(q);
      if (o.continue) first.set("continue", o.continue);
      const nextQ = new URLSearchParams(q);
      nextQ.set("continue", "x");
      const target: Target = { info, namespace, name: undefined, subresource: undefined };
      const compiled = c.compile("list", "GET", target, first.toString());
      pages = { next: c.compile("list", "GET", target, nextQ.toString()), all: o.allPages === true };
      return { verb, compiled, keepBody: o.decode === true, timeoutMs: timeout(o), tags: o.tags, pages, sendOptions: {} };
    }
    const method = verb === "delete" || verb === "deletecollection" ? "DELETE" : "GET";
    const target: Target = { info, namespace, name: name || undefined, subresource: verb === "get" ? o.subresource : undefined };
    const compiled = c.compile(verb, method, target, q.toString());
    const timeoutMs = timeout(o);
    return { verb, compiled, keepBody: o.decode === true, timeoutMs, tags: o.tags, sendOptions: { keepBody: o.decode === true, timeoutMs } };
  }

  // ---- writes ----

  async #write(c: K8sClient, vu: VuContext, verb: "create" | "update" | "apply", bodyText: string, optsJson: string): Promise<HostValue> {
    const o = parseOptions(optsJson);
    const objects = o.vars !== undefined ? renderTemplate(bodyText, this.#vars(vu, JSON.stringify(o.vars))) : parseBody(bodyText);
    if (objects.length !== 1) throw clientError("InvalidObject", `${verb}: expected one object, got ${objects.length} (call ${verb} once per document)`);
    const obj = objects[0]!;
    const meta = c.prepareObject(obj, vu.scenario ?? vu.phase, true);
    let info;
    if (o.resource !== undefined) info = await c.resolve(o.resource);
    else if (meta.apiVersion && meta.kind) info = await c.resolveKind(meta.apiVersion, meta.kind);
    else throw clientError("InvalidObject", `malformed object: ${verb} needs apiVersion and kind in the object (or the resource option)`);
    if (verb === "apply" && !(meta.apiVersion && meta.kind)) throw clientError("InvalidObject", "malformed object: server-side apply needs apiVersion and kind");
    if (verb !== "create" && meta.name === undefined) throw clientError("InvalidObject", `malformed object: ${verb} needs metadata.name`);
    if (verb === "create" && meta.name === undefined && (obj.metadata as { generateName?: unknown }).generateName === undefined) {
      throw clientError("InvalidObject", "malformed object: create needs metadata.name or metadata.generateName");
    }
    const namespace = c.namespaceFor(info, o.namespace ?? meta.namespace);
    const q = new URLSearchParams();
    if (o.dryRun) q.set("dryRun", "All");
    let method: "POST" | "PUT" | "PATCH" = "POST";
    let contentType = "application/json";
    if (verb === "update") method = "PUT";
    if (verb === "apply") {
      method = "PATCH";
      contentType = PATCH_TYPES.apply!;
      q.set("fieldManager", o.fieldManager ?? "loadgen");
      if (o.force) q.set("force", "true");
    } else if (o.fieldManager) q.set("fieldManager", o.fieldManager);
    const target: Target = { info, namespace, name: verb === "create" ? undefined : meta.name, subresource: verb === "update" ? o.subresource : undefined };
    const compiled = c.compile(verb, method, target, q.toString());
    const r = await c.transport.send(compiled.endpoint, compiled.pathAndQuery, this.#base(vu, o.tags), {
      body: JSON.stringify(obj),
      contentType,
      keepBody: o.decode === true,
      timeoutMs: timeout(o),
    });
    if (o.decode !== true) return r.bytes * 1000 + r.status;
    return `{"status":${r.status},"bytes":${r.bytes},"body":${r.body || "null"}}`;
  }

  async #patch(c: K8sClient, vu: VuContext, resource: string, name: string, patchText: string, optsJson: string): Promise<HostValue> {
    const o = parseOptions(optsJson);
    const type = o.type ?? "merge";
    const contentType = PATCH_TYPES[type];
    if (contentType === undefined) throw clientError("InvalidOptions", `patch: type must be one of ${Object.keys(PATCH_TYPES).join(", ")}, got ${JSON.stringify(type)}`);
    if (!name) throw clientError("InvalidName", `patch ${resource}: a name is required`);
    const info = await c.resolve(resource);
    let body = patchText;
    if (type === "apply") {
      const objects = parseBody(patchText);
      if (objects.length !== 1) throw clientError("InvalidObject", "patch: an apply patch is one object");
      c.prepareObject(objects[0]!, vu.scenario ?? vu.phase, true);
      body = JSON.stringify(objects[0]);
    }
    const q = new URLSearchParams();
    if (type === "apply" || o.fieldManager) q.set("fieldManager", o.fieldManager ?? "loadgen");
    if (o.force) q.set("force", "true");
    if (o.dryRun) q.set("dryRun", "All");
    const target: Target = { info, namespace: c.namespaceFor(info, o.namespace), name, subresource: o.subresource };
    const compiled = c.compile("patch", "PATCH", target, q.toString());
    const r = await c.transport.send(compiled.endpoint, compiled.pathAndQuery, this.#base(vu, o.tags), { body, contentType, keepBody: o.decode === true, timeoutMs: timeout(o) });
    if (o.decode !== true) return r.bytes * 1000 + r.status;
    return `{"status":${r.status},"bytes":${r.bytes},"body":${r.body || "null"}}`;
  }

  // ---- watch ----

  async #watchOpen(c: K8sClient, vu: VuContext, resource: string, optsJson: string): Promise<HostValue> {
    const o = parseOptions(optsJson);
    const info = await c.resolve(resource);
    const q = new URLSearchParams();
    if (o.labelSelector) q.set("labelSelector", o.labelSelector);
    if (o.fieldSelector) q.set("fieldSelector", o.fieldSelector);
    q.set("allowWatchBookmarks", "true");
    if (o.sendInitialEvents) {
      q.set("sendInitialEvents", "true");
      q.set("resourceVersionMatch", "NotOlderThan");
    }
    if (o.timeoutSeconds !== undefined) q.set("timeoutSeconds", String(o.timeoutSeconds));
    const target: Target = { info, namespace: info.namespaced ? o.namespace : undefined, name: undefined, subresource: undefined };
    const w = c.openWatch(target, q.toString(), this.#base(vu, o.tags), o.bookmarks === true, o.resourceVersion ?? (o.sendInitialEvents ? "" : undefined));
    const id = this.#nextWatch++;
    this.#watches.set(id, w);
    return id;
  }

  // ---- end of run ----

  async #summary(): Promise<SummaryExtension | undefined> {
    const c = this.#shared.current;
    if (c === undefined) return undefined;
    const before = await this.#shared.before;
    const after = await scrapeRequestTotals(c.transport).catch(() => undefined);
    if (before === undefined || after === undefined) return undefined;
    return apiserverReport(before, after);
  }

  async #close(): Promise<void> {
    for (const w of this.#watches.values()) w.close();
    this.#watches.clear();
    const c = this.#shared.current;
    if (c === undefined) return;
    try {
      if (c.options.cleanup) {
        this.#run.log(`loadgen/k8s: cleaning up the objects of run ${this.#run.runId}`);
        const r = await cleanupRun(c, { runId: this.#run.runId, log: this.#run.log });
        this.#run.log(`loadgen/k8s: cleanup deleted ${r.deleted} object(s)${r.remaining ? `, ${r.remaining} still present after the wait` : ""}`);
      }
    } finally {
      await c.close();
    }
  }
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
