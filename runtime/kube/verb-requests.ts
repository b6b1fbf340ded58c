// The Kubernetes API's verbs as requests: for each verb, which method, which path parts and which query parameters,
// in which order (the order is part of the masked URL, the `url` tag). Typed options in, a compiled request out; the
// client (client.ts) sends them. kubectl's meanings: a list without a namespace lists every namespace, a single
// object without one is in the kubeconfig's namespace.
import type { ResourceInfo } from "./discovery.ts";
import { clientError } from "./errors.ts";
import type { Prepared, RequestCompiler, Target } from "./request-compiler.ts";
import type { SendOptions } from "./transport.ts";

export const PATCH_TYPES: Readonly<Record<string, string>> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  "strategic-merge": "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** How any request is sent. */
export interface SendShape {
  /** Keep the response body: the caller decodes the objects. */
  readonly decode?: boolean;
  /** Per-request timeout, overriding the client's. */
  readonly timeoutMs?: number;
}

export interface ReadConsistency {
  /** stale: resourceVersion=0 (the watch cache); quorum: from etcd. */
  readonly consistency?: "stale" | "quorum";
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

export interface ListOptions extends SendShape, ReadConsistency {
  /** Undefined: every namespace. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Page size; with it (or allPages) the list is paginated (default page size 500). */
  readonly limit?: number;
  /** The continue token of the first page. */
  readonly continue?: string;
  /** Follow `continue` to the last page. */
  readonly allPages?: boolean;
}

export interface GetOptions extends SendShape, ReadConsistency {
  readonly namespace?: string;
  readonly subresource?: string;
}

export interface DeleteOptions extends SendShape {
  readonly namespace?: string;
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: string;
  readonly dryRun?: boolean;
}

export interface DeleteCollectionOptions extends DeleteOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export type WriteVerb = "create" | "update" | "apply";

export interface WriteOptions extends SendShape {
  readonly namespace?: string;
  /** The object's name (update, apply). */
  readonly name?: string;
  /** update only (e.g. status). */
  readonly subresource?: string;
  readonly dryRun?: boolean;
  /** Default for apply: loadgen. */
  readonly fieldManager?: string;
  /** apply only: take over conflicting fields. */
  readonly force?: boolean;
}

export interface PatchOptions extends SendShape {
  readonly namespace?: string;
  /** merge (default), json, strategic, strategic-merge or apply. */
  readonly type?: string;
  readonly subresource?: string;
  readonly fieldManager?: string;
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

export interface WatchQuery {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** The API server's watch-list: the current objects as ADDED events first, then a bookmark. */
  readonly sendInitialEvents?: boolean;
  readonly timeoutSeconds?: number;
}

/** A list, and for a paginated one how its later pages are sent. */
export interface PreparedList extends Prepared {
  /** The request of the pages after the first (its `continue` filled per page), and whether to follow them all. */
  readonly pages: { readonly next: Prepared; readonly all: boolean; readonly sendOptions: SendOptions } | undefined;
}

/** A continue token placeholder in the query of a list's later pages, replaced per page. */
export const CONTINUE_PLACEHOLDER = "continue=x";

const NO_SEND: SendOptions = Object.freeze({});

function sendOf(o: SendShape, extra?: { contentType?: string }): SendOptions {
  if (o.decode !== true && o.timeoutMs === undefined && extra === undefined) return NO_SEND;
  return { keepBody: o.decode === true, timeoutMs: o.timeoutMs, ...extra };
}

function target(info: ResourceInfo, namespace: string | undefined, name?: string, subresource?: string): Target {
  return { info, namespace, name, subresource };
}

/** The namespace of a single-object request: the given one, else the kubeconfig's (none for cluster-scoped resources). */
export function namespaceFor(info: ResourceInfo, given: string | undefined, defaultNamespace: string): string | undefined {
  if (!info.namespaced) return undefined;
  return given ?? defaultNamespace;
}

function consistency(verb: string, q: URLSearchParams, o: ReadConsistency): void {
  const rv = o.resourceVersion ?? (o.consistency === "stale" ? "0" : undefined);
  if (o.consistency !== undefined && o.consistency !== "stale" && o.consistency !== "quorum") {
    throw clientError("InvalidOptions", `${verb}: consistency must be "stale" or "quorum", got ${JSON.stringify(o.consistency)}`);
  }
  if (rv !== undefined) q.set("resourceVersion", rv);
  if (o.resourceVersionMatch) q.set("resourceVersionMatch", o.resourceVersionMatch);
}

function selectors(q: URLSearchParams, o: { labelSelector?: string; fieldSelector?: string }): void {
  if (o.labelSelector) q.set("labelSelector", o.labelSelector);
  if (o.fieldSelector) q.set("fieldSelector", o.fieldSelector);
}

function deletion(q: URLSearchParams, o: DeleteOptions): void {
  if (o.gracePeriodSeconds !== undefined) q.set("gracePeriodSeconds", String(o.gracePeriodSeconds));
  if (o.propagationPolicy) q.set("propagationPolicy", o.propagationPolicy);
  if (o.dryRun) q.set("dryRun", "All");
}

const PAGE: SendOptions = Object.freeze({ keepBody: true });

/** @throws {K8sError} code InvalidOptions (consistency, limit), InvalidName. */
export function listRequest(c: RequestCompiler, info: ResourceInfo, o: ListOptions): PreparedList {
  const q = new URLSearchParams();
  const t = target(info, info.namespaced ? o.namespace : undefined);
  selectors(q, o);
  consistency("list", q, o);
  const send = sendOf(o);
  if (o.limit === undefined && !o.allPages) return { ...c.compile("list", "GET", t, q.toString(), send), pages: undefined };
  const limit = o.limit ?? 500;
  if (!Number.isInteger(limit) || limit < 1) throw clientError("InvalidOptions", `list: limit must be a positive integer, got ${JSON.stringify(o.limit)}`);
  q.set("limit", String(limit));
  const first = new URLSearchParams(q);
  if (o.continue) first.set("continue", o.continue);
  // Pages are read for their continue token, so their bodies are kept whatever the caller decodes.
  const pageSend = o.timeoutMs === undefined ? PAGE : { keepBody: true, timeoutMs: o.timeoutMs };
  const next = c.compile("list", "GET", t, q.toString() + "&" + CONTINUE_PLACEHOLDER, pageSend);
  return { ...c.compile("list", "GET", t, first.toString(), send), pages: { next, all: o.allPages === true, sendOptions: pageSend } };
}

/** @throws {K8sError} code InvalidOptions, InvalidName. */
export function getRequest(c: RequestCompiler, info: ResourceInfo, name: string, o: GetOptions, defaultNamespace: string): Prepared {
  const q = new URLSearchParams();
  consistency("get", q, o);
  return c.compile("get", "GET", target(info, namespaceFor(info, o.namespace, defaultNamespace), name, o.subresource), q.toString(), sendOf(o));
}

/** @throws {K8sError} code InvalidName. */
export function deleteRequest(c: RequestCompiler, info: ResourceInfo, name: string, o: DeleteOptions, defaultNamespace: string): Prepared {
  const q = new URLSearchParams();
  deletion(q, o);
  return c.compile("delete", "DELETE", target(info, namespaceFor(info, o.namespace, defaultNamespace), name), q.toString(), sendOf(o));
}

/** @throws {K8sError} code InvalidName. */
export function deleteCollectionRequest(c: RequestCompiler, info: ResourceInfo, o: DeleteCollectionOptions, defaultNamespace: string): Prepared {
  const q = new URLSearchParams();
  selectors(q, o);
  deletion(q, o);
  return c.compile("deletecollection", "DELETE", target(info, namespaceFor(info, o.namespace, defaultNamespace)), q.toString(), sendOf(o));
}

/** create (POST on the collection), update (PUT) or apply (server-side apply: PATCH with the apply content type). */
export function writeRequest(c: RequestCompiler, verb: WriteVerb, info: ResourceInfo, o: WriteOptions, defaultNamespace: string): Prepared {
  const q = new URLSearchParams();
  if (o.dryRun) q.set("dryRun", "All");
  let contentType = "application/json";
  if (verb === "apply") {
    contentType = PATCH_TYPES.apply!;
    q.set("fieldManager", o.fieldManager ?? "loadgen");
    if (o.force) q.set("force", "true");
  } else if (o.fieldManager) q.set("fieldManager", o.fieldManager);
  const method = verb === "create" ? "POST" : verb === "update" ? "PUT" : "PATCH";
  const t = target(info, namespaceFor(info, o.namespace, defaultNamespace), verb === "create" ? undefined : o.name, verb === "update" ? o.subresource : undefined);
  return c.compile(verb, method, t, q.toString(), sendOf(o, { contentType }));
}

/** @throws {K8sError} code InvalidOptions for an unknown patch type, InvalidName. */
export function patchRequest(c: RequestCompiler, info: ResourceInfo, name: string, o: PatchOptions, defaultNamespace: string): Prepared {
  const type = o.type ?? "merge";
  const contentType = PATCH_TYPES[type];
  if (contentType === undefined) throw clientError("InvalidOptions", `patch: type must be one of ${Object.keys(PATCH_TYPES).join(", ")}, got ${JSON.stringify(type)}`);
  const q = new URLSearchParams();
  if (type === "apply" || o.fieldManager) q.set("fieldManager", o.fieldManager ?? "loadgen");
  if (o.force) q.set("force", "true");
  if (o.dryRun) q.set("dryRun", "All");
  return c.compile("patch", "PATCH", target(info, namespaceFor(info, o.namespace, defaultNamespace), name, o.subresource), q.toString(), sendOf(o, { contentType }));
}

/** The query of a watch (without watch=1 and resourceVersion, which the watch adds per connection). */
export function watchQuery(o: WatchQuery): string {
  const q = new URLSearchParams();
  selectors(q, o);
  q.set("allowWatchBookmarks", "true");
  if (o.sendInitialEvents) {
    q.set("sendInitialEvents", "true");
    q.set("resourceVersionMatch", "NotOlderThan");
  }
  if (o.timeoutSeconds !== undefined) q.set("timeoutSeconds", String(o.timeoutSeconds));
  return q.toString();
}

/** The collection a watch follows. */
export function watchTarget(info: ResourceInfo, namespace: string | undefined): Target {
  return target(info, info.namespaced ? namespace : undefined);
}

/** The bookmark that ends a watch-list's initial events. */
const INITIAL_EVENTS_END = '"k8s.io/initial-events-end":"true"';
const WATCH_LIST_SEND: SendOptions = Object.freeze({ until: INITIAL_EVENTS_END });

/**
 * kperf's watchList: one request that streams the current objects (sendInitialEvents) and counts as done at the
 * bookmark closing them, not when the server ends the stream.
 */
export function watchListRequest(c: RequestCompiler, info: ResourceInfo, o: { namespace?: string; labelSelector?: string; fieldSelector?: string }): Prepared {
  const q = new URLSearchParams({ watch: "1", sendInitialEvents: "true", resourceVersionMatch: "NotOlderThan", allowWatchBookmarks: "true" });
  selectors(q, o);
  return c.compile("watchlist", "GET", target(info, info.namespaced ? o.namespace : undefined), q.toString(), WATCH_LIST_SEND);
}

/** A pod's log (GET pods/<name>/log). */
export function podLogRequest(c: RequestCompiler, pods: ResourceInfo, namespace: string, name: string, o: { container?: string; tailLines?: number; limitBytes?: number }): Prepared {
  const q = new URLSearchParams();
  if (o.container) q.set("container", o.container);
  if (o.tailLines !== undefined) q.set("tailLines", String(o.tailLines));
  if (o.limitBytes !== undefined) q.set("limitBytes", String(o.limitBytes));
  return c.compile("log", "GET", target(pods, namespace, name, "log"), q.toString(), NO_SEND);
}
