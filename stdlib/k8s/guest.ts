// Guest shim of `loadgen/k8s`: thin. Arguments go to the host as JSON text; results come back as a number
// (bytes * 1000 + status) when the scenario did not ask for objects, so the hot path parses nothing, or as one JSON
// text when it did. The watch iterator and waitFor are built here over three host calls (open, next batch, close).
// Parameters take the option types of k8s.d.ts; results decoded from the host's JSON are `Decoded`, whose type the
// caller names through the .d.ts's type parameters (stdlib/guest-exports.api-check.ts checks the two agree).
import type {
  Condition,
  DeleteOptions,
  GetOptions,
  K8sError,
  KubeObject,
  ListOptions,
  ListResult,
  PatchOptions,
  ReplicaWatch,
  Reply,
  ScalingTimeline,
  WaitForOptions,
  WaitResult,
  Watch as WatchApi,
  WatchEvent,
  WatchOptions,
  WatchReplicasOptions,
  WriteOptions,
} from "loadgen/k8s";
import type { EncodedReply, JsonText, ListReplyJson, ReplyJson } from "../host-calls.ts";
import { host, jsonText, parseJson } from "../guest-host.ts";
import { parseDuration } from "../../runtime/metrics/duration.ts";

// Replies are decoded inside the settlement (host.async's then), not by a .then() per call.
const listHost = /* @__PURE__ */ host.async("k8s.list", listReply);
const getHost = /* @__PURE__ */ host.async("k8s.get", reply);
const createHost = /* @__PURE__ */ host.async("k8s.create", reply);
const updateHost = /* @__PURE__ */ host.async("k8s.update", reply);
const applyHost = /* @__PURE__ */ host.async("k8s.apply", reply);
const patchHost = /* @__PURE__ */ host.async("k8s.patch", reply);
const deleteHost = /* @__PURE__ */ host.async("k8s.delete", reply);
const deleteCollectionHost = /* @__PURE__ */ host.async("k8s.deleteCollection", reply);
const watchOpen = /* @__PURE__ */ host.async("k8s.watchOpen");
const watchNext = /* @__PURE__ */ host.async("k8s.watchNext");
const watchClose = /* @__PURE__ */ host.async("k8s.watchClose");
const renderHost = /* @__PURE__ */ host.sync("k8s.render");
const infoHost = /* @__PURE__ */ host.sync("k8s.info");

/** JSON the server sent, as the scenario reads it (the .d.ts's `T`, KubeObject by default). */
type Decoded = any;

const info = /* @__PURE__ */ parseJson(/* @__PURE__ */ infoHost());
export const runId: string = info.runId;
export const runSelector: string = info.runSelector;
export const RUN_LABEL: string = info.runLabel;
export const SCENARIO_LABEL: string = info.scenarioLabel;

/** An error as the host's K8sError reaches a scenario, for failures found before anything is sent (status 0). */
function k8sError(code: string, message: string): K8sError {
  const e = new Error(message) as K8sError;
  e.name = "K8sError";
  e.code = code;
  e.status = 0;
  return e;
}

/** Decodes a host result: a number for an undecoded reply, else JSON with `body` (or `pages` for lists). */
function reply(v: EncodedReply | JsonText<ReplyJson>): Reply | Decoded {
  if (typeof v === "number") {
    const status = v % 1000;
    return { status, bytes: (v - status) / 1000 };
  }
  const r = parseJson(v);
  return r.body !== undefined ? r.body : r;
}

function bodyText(obj: unknown): string {
  if (typeof obj === "string") return obj;
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw k8sError("InvalidObject", `malformed object: expected an object or YAML text, got ${Array.isArray(obj) ? "an array" : typeof obj}`);
  }
  return JSON.stringify(obj);
}

// The request functions are not async: an async wrapper would add a promise and a job per call inside QuickJS.
// Options go to the host as JSON text; the same object gives the same text, which the host caches on.
export function list(resource: string, options?: ListOptions): Promise<ListResult<Decoded>> {
  return listHost(String(resource), jsonText(options));
}

function listReply(v: EncodedReply | JsonText<ListReplyJson>): ListResult<Decoded> {
  if (typeof v === "number") return reply(v);
  const r = parseJson(v);
  if (r.pages !== undefined) {
    const pages = r.pages;
    const items: KubeObject[] = [];
    for (const p of pages) if (Array.isArray(p.items)) for (const it of p.items) items.push(it);
    const last = pages[pages.length - 1] ?? {};
    const meta = last.metadata ?? {};
    return {
      status: r.status,
      bytes: r.bytes,
      pageCount: r.pageCount ?? pages.length,
      resourceVersion: r.resourceVersion ?? meta.resourceVersion ?? "",
      continue: r.continue ?? meta.continue,
      remainingItemCount: r.remainingItemCount ?? meta.remainingItemCount,
      kind: last.kind,
      apiVersion: last.apiVersion,
      metadata: meta,
      items,
    };
  }
  return r;
}

export function get(resource: string, name: string, options?: GetOptions): Promise<Decoded> {
  return getHost(String(resource), String(name), jsonText(options));
}

/** A malformed object is a rejected promise, as from an async function, never a synchronous throw. */
function withBody(object: unknown, send: (body: string) => Promise<Decoded>): Promise<Decoded> {
  let body: string;
  try {
    body = bodyText(object);
  } catch (e) {
    return Promise.reject(e);
  }
  return send(body);
}

export function create(object: KubeObject | string, options?: WriteOptions): Promise<Decoded> {
  return withBody(object, (body) => createHost(body, jsonText(options)));
}

export function update(object: KubeObject | string, options?: WriteOptions): Promise<Decoded> {
  return withBody(object, (body) => updateHost(body, jsonText(options)));
}

export function apply(object: KubeObject | string, options?: WriteOptions): Promise<Decoded> {
  return withBody(object, (body) => applyHost(body, jsonText(options)));
}

export async function patch(resource: string, name: string, body: unknown, options?: PatchOptions): Promise<Decoded> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return patchHost(String(resource), String(name), text, jsonText(options));
}

function del(resource: string, name: string, options?: DeleteOptions): Promise<Reply> {
  return deleteHost(String(resource), String(name), jsonText(options));
}
export { del as delete };

export function deleteCollection(resource: string, options?: DeleteOptions): Promise<Reply> {
  return deleteCollectionHost(String(resource), jsonText(options));
}

export function render(template: string, vars?: Record<string, unknown>): Decoded {
  const all = renderAll(template, vars);
  if (all.length !== 1) throw new Error(`render(): the template has ${all.length} documents; use renderAll()`);
  return all[0]!;
}

export function renderAll(template: string, vars?: Record<string, unknown>): Decoded[] {
  return parseJson(renderHost(String(template), jsonText(vars)));
}

/** A watch: an async iterator of events, resumed by the host across disconnects. */
class Watch implements WatchApi<Decoded> {
  readonly #opened: Promise<number>;
  #queue: WatchEvent<Decoded>[] = [];
  #done = false;

  constructor(resource: string, options?: WatchOptions) {
    this.#opened = watchOpen(String(resource), jsonText(options));
    // An open that fails is reported by the first next(); do not let it be an unhandled rejection meanwhile.
    this.#opened.catch(() => {});
  }

  /** Events that arrive within `maxWaitMs` (possibly none). */
  async poll(maxWaitMs: number): Promise<WatchEvent<Decoded>[]> {
    if (this.#queue.length > 0) {
      const q = this.#queue;
      this.#queue = [];
      return q;
    }
    if (this.#done) return [];
    const id = await this.#opened;
    return parseJson(await watchNext(id, Math.max(0, maxWaitMs)));
  }

  async next(): Promise<IteratorResult<WatchEvent<Decoded>>> {
    while (this.#queue.length === 0) {
      if (this.#done) return { done: true, value: undefined };
      this.#queue = await this.poll(30_000);
    }
    return { done: false, value: this.#queue.shift()! };
  }

  async return(): Promise<IteratorResult<WatchEvent<Decoded>>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#queue = [];
    try {
      await watchClose(await this.#opened);
    } catch {
      // never opened: nothing to close
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export function watch(resource: string, options?: WatchOptions): Watch {
  return new Watch(resource, options);
}

// ---- waitFor ----

function pathValue(o: Decoded, path: string): unknown {
  let v: any = o;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[part];
  }
  return v;
}

function predicate(until: Condition<Decoded> | undefined): ((o: Decoded) => boolean) | "deleted" {
  if (until === undefined || until === "exists") return () => true;
  if (until === "deleted") return "deleted";
  if (typeof until === "function") return (o) => !!until(o);
  if (typeof until === "object" && until !== null) {
    if ("condition" in until) {
      const want = until.status ?? "True";
      return (o) => Array.isArray(o.status?.conditions) && o.status.conditions.some((c: Decoded) => c.type === until.condition && c.status === want);
    }
    if ("path" in until) {
      if (Array.isArray(until.in)) return (o) => until.in!.includes(pathValue(o, until.path));
      return (o) => pathValue(o, until.path) === until.equals;
    }
  }
  throw new TypeError(`waitFor(): until must be a function, "exists", "deleted", {path, equals}, or {condition, status}`);
}

/** The wait's limit in milliseconds: k6-style durations, as every other loadgen/k8s timeout (default 60 s). */
function waitTimeoutMs(t: string | number | undefined): number {
  if (t === undefined) return 60_000;
  try {
    return parseDuration(t, "waitFor(): timeout");
  } catch (e) {
    throw k8sError("InvalidOptions", (e as Error).message);
  }
}

const SELECTOR_KEYS = ["namespace", "labelSelector", "fieldSelector", "tags"] as const;

export async function waitFor(resource: string, options: WaitForOptions<Decoded> = {}): Promise<WaitResult> {
  const started = Date.now();
  const deadline = started + waitTimeoutMs(options.timeout);
  const pred = predicate(options.until);
  const want = options.count;
  const name = options.name;
  const selectors: Pick<WaitForOptions, (typeof SELECTOR_KEYS)[number]> = {};
  for (const k of SELECTOR_KEYS) if (options[k] !== undefined) (selectors as Record<string, unknown>)[k] = options[k];
  if (name !== undefined) selectors.fieldSelector = `metadata.name=${name}` + (options.fieldSelector ? "," + options.fieldSelector : "");
  const key = (o: Decoded) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
  const objects = new Map<string, Decoded>();
  const evaluate = (): { done: boolean; matched: number } => {
    if (pred === "deleted") return { done: objects.size === 0, matched: objects.size };
    let matched = 0;
    for (const o of objects.values()) if (pred(o)) matched++;
    if (want !== undefined) return { done: matched >= want, matched };
    return { done: objects.size > 0 && matched === objects.size, matched };
  };

  const first = await list(resource, { ...selectors, decode: true });
  for (const o of first.items!) objects.set(key(o), o);
  let state = evaluate();
  if (state.done) return { matched: state.matched, total: objects.size, elapsedMs: Date.now() - started };
  const w = new Watch(resource, { ...selectors, resourceVersion: first.resourceVersion });
  try {
    while (!state.done) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const what = pred === "deleted" ? `${objects.size} object(s) still present` : `${state.matched} of ${want ?? objects.size} object(s) met the condition`;
        throw k8sError("WaitTimeout", `waitFor ${resource}: timed out after ${Date.now() - started} ms: ${what}`);
      }
      const events = await w.poll(Math.min(left, 5_000));
      for (const ev of events) {
        if (ev.type === "ADDED" || ev.type === "MODIFIED") objects.set(key(ev.object), ev.object);
        else if (ev.type === "DELETED") objects.delete(key(ev.object));
        else if (ev.type === "RELIST") {
          objects.clear();
          for (const o of ev.object.items ?? []) objects.set(key(o), o);
        }
      }
      if (events.length > 0) state = evaluate();
    }
  } finally {
    await w.close();
  }
  return { matched: state.matched, total: objects.size, elapsedMs: Date.now() - started };
}

// ---- replica timeline ----

const watchReplicasHost = /* @__PURE__ */ host.async("k8s.watchReplicas");
const replicaTimelineHost = /* @__PURE__ */ host.async("k8s.replicaTimeline");

export function replicaWatch(id: string): ReplicaWatch {
  const watchId = String(id);
  return {
    id: watchId,
    async timeline(): Promise<ScalingTimeline> {
      return parseJson(await replicaTimelineHost(watchId, false));
    },
    async stop(): Promise<ScalingTimeline> {
      return parseJson(await replicaTimelineHost(watchId, true));
    },
  };
}

export async function watchReplicas(workload: string, options?: WatchReplicasOptions): Promise<ReplicaWatch> {
  return replicaWatch(await watchReplicasHost(String(workload), jsonText(options)));
}
