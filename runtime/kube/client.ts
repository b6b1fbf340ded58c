// The Kubernetes client: one API server, one connection pool and rate limit, one discovery, and the API's verbs —
// list, get, create, update, apply, patch, delete, deleteCollection, watch, waitFor — as typed methods. Every user
// (loadgen/k8s, loadgen/kubevirt, loadgen/kwok, the kperf runner, the CLI) sends through these; none builds a path or
// a query. Hot paths prepare a request once (prepareList, prepareGet, …) and `send` it many times; the verb methods
// are prepare-and-send in one call. Requests become samples through the client's RequestRecorder (none by default).
import { ConnectionPool } from "../http/connection-pool.ts";
import { RateLimiter } from "../http/rate-limiter.ts";
import { HttpTransport } from "../http/transport.ts";
import { TagRegistry, type TagSet } from "../metrics/tags.ts";
import type { ClusterAccess } from "./cluster-access.ts";
import { Discovery, knownResource, type ResourceInfo } from "./discovery.ts";
import { clientError } from "./errors.ts";
import { acceptFor, type K8sOptions } from "./k8s-options.ts";
import { addRunLabels } from "./labels.ts";
import { objectMeta, type KubeObject } from "./object-meta.ts";
import { noRecorder, type RequestRecorder } from "./recorder.ts";
import { RequestCompiler, type Prepared } from "./request-compiler.ts";
import { Transport, type Reply } from "./transport.ts";
import {
  CONTINUE_PLACEHOLDER,
  deleteCollectionRequest,
  deleteRequest,
  getRequest,
  listRequest,
  namespaceFor,
  patchRequest,
  podLogRequest,
  watchListRequest,
  watchQuery,
  watchTarget,
  writeRequest,
  type DeleteCollectionOptions,
  type DeleteOptions,
  type GetOptions,
  type ListOptions,
  type PatchOptions,
  type PreparedList,
  type WatchQuery,
  type WriteOptions,
  type WriteVerb,
} from "./verb-requests.ts";
import { waitFor, type WaitForOptions, type WaitForResult } from "./wait-for.ts";
import { WatchStream } from "./watch.ts";

/** A resource as callers name it (`pods`, `apps/v1/deployments`, `vmi`: resolved by discovery), or resolved already. */
export type ResourceRef = string | ResourceInfo;

/** How a call is sent and recorded, besides what it asks for. */
export interface CallOptions {
  /** The tags of the request's samples (the calling VU's); default: the client's. */
  readonly tags?: TagSet;
  /**
   * loadgen's own request (a probe, a poll, a cleanup): no sample and no rate limit, so an expected 404 is no error in
   * the run's metrics. The body is always kept.
   */
  readonly quiet?: boolean;
}

/** An object write: the resource comes from the object's apiVersion and kind unless `resource` names it. */
export interface ObjectWriteOptions extends Omit<WriteOptions, "name">, CallOptions {
  readonly resource?: ResourceRef;
  /** Label the object with the run's labels (loadgen.io/run, loadgen.io/scenario=<this>) before sending it. */
  readonly scenario?: string;
}

export interface WatchOptions extends WatchQuery {
  readonly tags?: TagSet;
  /** Start from this resourceVersion (default: now). */
  readonly resourceVersion?: string;
  /** Deliver BOOKMARK events (they are always requested, to keep the resourceVersion fresh). */
  readonly bookmarks?: boolean;
}

/** Metadata at the head of a JSON list body (the API server writes `metadata` before `items`). */
export interface ListHead {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A list, all of whose pages were read (or the one asked for). */
export interface ListReply {
  /** The last page's status. */
  readonly status: number;
  /** Bytes of every page. */
  readonly bytes: number;
  readonly pageCount: number;
  /** Each page's body, when `decode` was asked for (else empty). */
  readonly pages: readonly string[];
  /** The last page's list metadata (read for paginated lists). */
  readonly head: ListHead;
}

export interface KubeClientOptions {
  /** The run whose labels objects get (`scenario` writes). */
  readonly runId: string;
  /** Where requests become samples; default: nowhere. */
  readonly recorder?: RequestRecorder;
  /** The tags of samples whose call gave none. */
  readonly tags?: TagSet;
}

const USER_AGENT = "loadgen/0.1 (k8s)";
const MAX_PAGES = 100_000;

export class KubeClient {
  readonly access: ClusterAccess;
  readonly options: K8sOptions;
  readonly runId: string;
  /** The default tags of samples. */
  readonly tags: TagSet;
  /** runtime/kube's own: the watch, cleanup and /metrics read below the verbs. */
  readonly transport: Transport;
  readonly #compiler: RequestCompiler;
  #discovery: Promise<Discovery> | undefined;
  #discovered: Discovery | undefined;
  readonly #watches = new Set<WatchStream>();
  #pods: ResourceInfo | undefined;

  constructor(access: ClusterAccess, options: K8sOptions, o: KubeClientOptions) {
    this.access = access;
    this.options = options;
    this.runId = o.runId;
    this.tags = o.tags ?? new TagRegistry().empty;
    const pool = new ConnectionPool(access.origin, { conns: options.conns, clients: options.clients, http2: options.http2, tls: access.tls });
    const http = new HttpTransport(pool, new RateLimiter(options.qps, options.burst), { timeoutMs: options.timeoutMs, maxRetries: options.maxRetries, userAgent: USER_AGENT });
    this.transport = new Transport(access, http, o.recorder ?? noRecorder, acceptFor(options.contentType));
    this.#compiler = new RequestCompiler(access.pathPrefix);
  }

  /** The client's rate limiter (kperf's requesters wait for it themselves, then send with `requester`). */
  get limiter(): RateLimiter {
    return this.transport.http.limiter;
  }

  // ---- resources ----

  /** Discovery, loaded on first use and kept for the client's life. */
  discovery(): Promise<Discovery> {
    if (this.#discovery === undefined) {
      const p = Discovery.load(async (path, accept) => (await this.transport.internal("GET", path, { accept })).body);
      this.#discovery = p;
      p.then(
        (d) => {
          this.#discovered = d;
        },
        () => {
          // Not cached: the next call tries again (the server may be back).
          if (this.#discovery === p) this.#discovery = undefined;
        },
      );
    }
    return this.#discovery;
  }

  /** Discovery if it is loaded already (the synchronous fast path). */
  get discovered(): Discovery | undefined {
    return this.#discovered;
  }

  /** @throws {K8sError} code UnknownResource. */
  async resolve(ref: ResourceRef): Promise<ResourceInfo> {
    if (typeof ref !== "string") return ref;
    return (this.#discovered ?? (await this.discovery())).resolve(ref);
  }

  /** @throws {K8sError} code UnknownResource. */
  async resolveKind(apiVersion: string, kind: string): Promise<ResourceInfo> {
    return (this.#discovered ?? (await this.discovery())).resolveKind(apiVersion, kind);
  }

  /** The namespace a single-object request uses when the caller names none (none for cluster-scoped resources). */
  namespaceFor(info: ResourceInfo, given: string | undefined): string | undefined {
    return namespaceFor(info, given, this.access.defaultNamespace);
  }

  // ---- prepared requests: composed once, sent many times ----

  /** @throws {K8sError} code InvalidOptions, InvalidName. */
  prepareList(info: ResourceInfo, o: ListOptions = {}): PreparedList {
    return listRequest(this.#compiler, info, o);
  }

  /** @throws {K8sError} code InvalidOptions, InvalidName. */
  prepareGet(info: ResourceInfo, name: string, o: GetOptions = {}): Prepared {
    return getRequest(this.#compiler, info, name, o, this.access.defaultNamespace);
  }

  /** @throws {K8sError} code InvalidName. */
  prepareDelete(info: ResourceInfo, name: string, o: DeleteOptions = {}): Prepared {
    return deleteRequest(this.#compiler, info, name, o, this.access.defaultNamespace);
  }

  /** @throws {K8sError} code InvalidName. */
  prepareDeleteCollection(info: ResourceInfo, o: DeleteCollectionOptions = {}): Prepared {
    return deleteCollectionRequest(this.#compiler, info, o, this.access.defaultNamespace);
  }

  /** A create, update or apply whose body is given per send. @throws {K8sError} code InvalidName. */
  prepareWrite(verb: WriteVerb, info: ResourceInfo, o: WriteOptions = {}): Prepared {
    return writeRequest(this.#compiler, verb, info, o, this.access.defaultNamespace);
  }

  /** A patch whose body is given per send. @throws {K8sError} code InvalidOptions (patch type), InvalidName. */
  preparePatch(info: ResourceInfo, name: string, o: PatchOptions = {}): Prepared {
    return patchRequest(this.#compiler, info, name, o, this.access.defaultNamespace);
  }

  /** kperf's watchList: done at the bookmark that ends the initial events. @throws {K8sError} code InvalidName. */
  prepareWatchList(info: ResourceInfo, o: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): Prepared {
    return watchListRequest(this.#compiler, info, o);
  }

  /** GET pods/<name>/log. @throws {K8sError} code InvalidName. */
  preparePodLog(namespace: string, name: string, o: { container?: string; tailLines?: number; limitBytes?: number } = {}): Prepared {
    this.#pods ??= knownResource({ group: "", version: "v1", resource: "pods" }, true, "Pod");
    return podLogRequest(this.#compiler, this.#pods, namespace, name, o);
  }

  /** The same request for another object of its resource (same endpoint and query). @throws {K8sError} code InvalidName. */
  rename(p: Prepared, name: string): Prepared {
    return this.#compiler.rename(p, name);
  }

  /**
   * Sends a prepared request (the hot path: nothing is built but the request itself). `requester` is kperf's model:
   * requester i sends on connection i % conns and has waited for the rate limiter itself (`limiter`).
   * @throws {K8sError} for an error status or a transport failure (recorded either way).
   */
  send(p: Prepared, tags: TagSet, body?: string, requester?: number): Promise<Reply> {
    if (requester === undefined) return this.transport.send(p.endpoint, p.pathAndQuery, tags, p.sendOptions, body);
    return this.transport.send(p.endpoint, p.pathAndQuery, tags, p.sendOptions, body, this.transport.http.pool.forClient(requester), true);
  }

  /**
   * Sends a prepared list, following its pages when it is paginated (all of them with `allPages`, else the first).
   * @throws {K8sError} code TooManyPages when a server keeps returning continue tokens; as `send` does.
   */
  async sendList(p: PreparedList, tags: TagSet): Promise<ListReply> {
    if (p.pages === undefined) {
      const r = await this.send(p, tags);
      return { status: r.status, bytes: r.bytes, pageCount: 1, pages: r.body === undefined ? [] : [r.body], head: {} };
    }
    const pages: string[] = [];
    let bytes = 0;
    let status = 0;
    let head: ListHead = {};
    let endpoint = p.endpoint;
    let path = p.pathAndQuery;
    for (let page = 0; ; page++) {
      const r = await this.transport.send(endpoint, path, tags, p.pages.sendOptions);
      bytes += r.bytes;
      status = r.status;
      head = readListHead(r.body ?? "");
      if (p.sendOptions.keepBody) pages.push(r.body ?? "{}");
      if (!p.pages.all || !head.continue) return { status, bytes, pageCount: page + 1, pages, head };
      endpoint = p.pages.next.endpoint;
      path = p.pages.next.pathAndQuery.replace(CONTINUE_PLACEHOLDER, "continue=" + encodeURIComponent(head.continue));
      if (page > MAX_PAGES) throw clientError("TooManyPages", `list: more than ${MAX_PAGES} pages; is the server returning the same continue token?`);
    }
  }

  // ---- the verbs ----

  /** @throws {K8sError} code UnknownResource, InvalidOptions, InvalidName; as `send` does. */
  async list(ref: ResourceRef, o: ListOptions & CallOptions = {}): Promise<ListReply> {
    const p = this.prepareList(await this.resolve(ref), o);
    if (o.quiet) return this.#quietList(p);
    return this.sendList(p, o.tags ?? this.tags);
  }

  /** The objects of a list (every page when it is paginated with allPages), and the last page's resourceVersion. */
  async listObjects(ref: ResourceRef, o: ListOptions & CallOptions = {}): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const r = await this.list(ref, { ...o, decode: true });
    const items: KubeObject[] = [];
    let resourceVersion = r.head.resourceVersion ?? "";
    for (const text of r.pages) {
      const page = JSON.parse(text) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
      for (const it of page.items ?? []) items.push(it);
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    }
    return { items, resourceVersion };
  }

  /** @throws {K8sError} code UnknownResource, InvalidOptions, InvalidName; as `send` does. */
  async get(ref: ResourceRef, name: string, o: GetOptions & CallOptions = {}): Promise<Reply> {
    return this.#send(this.prepareGet(await this.resolve(ref), name, o), o);
  }

  /** @throws {K8sError} code UnknownResource, InvalidName; as `send` does. */
  async delete(ref: ResourceRef, name: string, o: DeleteOptions & CallOptions = {}): Promise<Reply> {
    return this.#send(this.prepareDelete(await this.resolve(ref), name, o), o);
  }

  /** @throws {K8sError} code UnknownResource, InvalidName; as `send` does. */
  async deleteCollection(ref: ResourceRef, o: DeleteCollectionOptions & CallOptions = {}): Promise<Reply> {
    return this.#send(this.prepareDeleteCollection(await this.resolve(ref), o), o);
  }

  /** POSTs an object. @throws {K8sError} code InvalidObject, UnknownResource, InvalidName; as `send` does. */
  create(obj: KubeObject, o: ObjectWriteOptions = {}): Promise<Reply> {
    return this.#write("create", obj, o);
  }

  /** PUTs an object (metadata.name required). @throws {K8sError} as `create` does. */
  update(obj: KubeObject, o: ObjectWriteOptions = {}): Promise<Reply> {
    return this.#write("update", obj, o);
  }

  /** Server-side apply (apiVersion, kind and metadata.name required). @throws {K8sError} as `create` does. */
  apply(obj: KubeObject, o: ObjectWriteOptions = {}): Promise<Reply> {
    return this.#write("apply", obj, o);
  }

  /**
   * Patches one object; `patch` is the body as text, or for an apply patch the object (labelled with `scenario`).
   * @throws {K8sError} code InvalidOptions (type), InvalidName, InvalidObject, UnknownResource; as `send` does.
   */
  async patch(ref: ResourceRef, name: string, patch: string | KubeObject, o: PatchOptions & CallOptions & { scenario?: string } = {}): Promise<Reply> {
    if (!name) throw clientError("InvalidName", `patch ${typeof ref === "string" ? ref : ref.resource}: a name is required`);
    const p = this.preparePatch(await this.resolve(ref), name, o);
    let body: string;
    if (typeof patch === "string") body = patch;
    else {
      objectMeta(patch);
      if (o.scenario !== undefined) addRunLabels(patch, this.runId, o.scenario);
      body = JSON.stringify(patch);
    }
    return this.#send(p, o, body);
  }

  /**
   * Opens a watch that resumes across disconnects (resolve a resource name first: the stream exists at once); it lives
   * until closeWatch() or close().
   * @throws {K8sError} code InvalidName.
   */
  watch(info: ResourceInfo, o: WatchOptions = {}): WatchStream {
    const t = watchTarget(info, o.namespace);
    const query = watchQuery(o);
    const c = this.#compiler;
    const watch = c.compile("watch", "GET", t, "watch=1" + (query ? "&" + query : ""), {});
    const list = c.compile("list", "GET", t, "", {});
    const w = new WatchStream(
      this.transport,
      { path: c.path(t), query, watchEndpoint: watch.endpoint, listEndpoint: list.endpoint, deliverBookmarks: o.bookmarks === true, resourceVersion: o.resourceVersion },
      o.tags ?? this.tags,
    );
    this.#watches.add(w);
    return w;
  }

  closeWatch(w: WatchStream): void {
    w.close();
    this.#watches.delete(w);
  }

  /**
   * Lists the objects, then watches them until `until` holds (judged after the list and after every batch of events)
   * or the timeout passes.
   * @throws {K8sError} when the list or the watch fails for good.
   */
  waitFor(ref: ResourceRef, o: WaitForOptions): Promise<WaitForResult> {
    return waitFor(this, ref, o);
  }

  async close(): Promise<void> {
    for (const w of this.#watches) w.close();
    this.#watches.clear();
    await this.transport.http.close();
  }

  // ---- internals ----

  #send(p: Prepared, o: CallOptions, body?: string): Promise<Reply> {
    if (o.quiet) return this.#quiet(p, body);
    return this.transport.send(p.endpoint, p.pathAndQuery, o.tags ?? this.tags, p.sendOptions, body);
  }

  async #quiet(p: Prepared, body: string | undefined): Promise<Reply> {
    const path = this.#compiler.unprefixed(p);
    return this.transport.internal(p.endpoint.method, path, body === undefined ? {} : { body, contentType: p.sendOptions.contentType });
  }

  async #quietList(p: PreparedList): Promise<ListReply> {
    const pages: string[] = [];
    let bytes = 0;
    let status = 0;
    let head: ListHead = {};
    let next: Prepared = p;
    for (let page = 0; ; page++) {
      const r = await this.#quiet(next, undefined);
      bytes += r.bytes;
      status = r.status;
      pages.push(r.body ?? "{}");
      head = readListHead(r.body ?? "");
      if (p.pages === undefined || !p.pages.all || !head.continue) return { status, bytes, pageCount: page + 1, pages, head };
      next = { ...p.pages.next, pathAndQuery: p.pages.next.pathAndQuery.replace(CONTINUE_PLACEHOLDER, "continue=" + encodeURIComponent(head.continue)) };
      if (page > MAX_PAGES) throw clientError("TooManyPages", `list: more than ${MAX_PAGES} pages; is the server returning the same continue token?`);
    }
  }

  async #write(verb: WriteVerb, obj: KubeObject, o: ObjectWriteOptions): Promise<Reply> {
    const meta = objectMeta(obj);
    if (o.scenario !== undefined) addRunLabels(obj, this.runId, o.scenario);
    let info: ResourceInfo;
    if (o.resource !== undefined) info = await this.resolve(o.resource);
    else if (meta.apiVersion && meta.kind) info = await this.resolveKind(meta.apiVersion, meta.kind);
    else throw clientError("InvalidObject", `malformed object: ${verb} needs apiVersion and kind in the object (or the resource option)`);
    if (verb === "apply" && !(meta.apiVersion && meta.kind)) throw clientError("InvalidObject", "malformed object: server-side apply needs apiVersion and kind");
    if (verb !== "create" && meta.name === undefined) throw clientError("InvalidObject", `malformed object: ${verb} needs metadata.name`);
    const p = this.prepareWrite(verb, info, { ...o, namespace: o.namespace ?? meta.namespace, name: meta.name });
    return this.#send(p, o, JSON.stringify(obj));
  }
}

/** The list metadata at the head of a JSON list body, read without parsing the items. */
export function readListHead(body: string): ListHead {
  const at = body.indexOf('"metadata":{');
  if (at < 0) return {};
  const end = body.indexOf("}", at);
  const meta = body.slice(at + 11, end + 1);
  try {
    return JSON.parse(meta) as ListHead;
  } catch {
    return {};
  }
}
