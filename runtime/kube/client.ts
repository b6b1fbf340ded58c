// The Kubernetes operations of one run, on top of the transport: paths and queries built from resolved resources,
// objects labelled for cleanup, list pages followed, watches opened. Scenario calls and the kperf runner both use it.
import type { Dispatcher } from "undici";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { MetricRegistry } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { ClusterAccess } from "./cluster-access.ts";
import { ConnectionPool } from "../http/connection-pool.ts";
import { Discovery, type ResourceInfo } from "./discovery.ts";
import { clientError } from "./errors.ts";
import { acceptFor, type K8sOptions } from "./k8s-options.ts";
import { addRunLabels } from "./labels.ts";
import { RateLimiter } from "../http/rate-limiter.ts";
import { Endpoint, registerK8sMetrics, Transport, type K8sMetrics } from "./transport.ts";
import { maskUrl } from "./url-mask.ts";
import { WatchStream } from "./watch.ts";

/** Kubernetes names, namespaces and subresources as they may appear in a path (no "/", no "..", no escapes). */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.:@]*[A-Za-z0-9])?$/;
const SUBRESOURCE = /^[a-z]+$/;

export const PATCH_TYPES: Readonly<Record<string, string>> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  "strategic-merge": "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

/** Where one request goes: the resolved resource and the request's path parts. */
export interface Target {
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

/** A request compiled once: its endpoint (tags) and the exact path and query it sends. */
export interface Compiled {
  readonly endpoint: Endpoint;
  readonly pathAndQuery: string;
}

/** Metadata at the head of a JSON list body (the API server writes `metadata` before `items`). */
export interface ListHead {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export class K8sClient {
  readonly access: ClusterAccess;
  readonly options: K8sOptions;
  readonly transport: Transport;
  readonly metrics: K8sMetrics;
  readonly runId: string;
  readonly #endpoints = new Map<string, Endpoint>();
  #discovery: Promise<Discovery> | undefined;
  #discovered: Discovery | undefined;
  readonly #watches = new Set<WatchStream>();

  constructor(access: ClusterAccess, options: K8sOptions, registry: MetricRegistry, engine: MetricsEngine, runId: string) {
    this.access = access;
    this.options = options;
    this.runId = runId;
    this.metrics = registerK8sMetrics(registry);
    const pool = new ConnectionPool(access.origin, { conns: options.conns, clients: options.clients, http2: options.http2, tls: access.tls });
    const limiter = new RateLimiter(options.qps, options.burst);
    this.transport = new Transport(access, pool, limiter, this.metrics, engine, {
      timeoutMs: options.timeoutMs,
      accept: acceptFor(options.contentType),
      maxRetries: options.maxRetries,
    });
  }

  /** Discovery, loaded on first use and kept for the run. */
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

  async resolve(spec: string): Promise<ResourceInfo> {
    return (this.#discovered ?? (await this.discovery())).resolve(spec);
  }

  async resolveKind(apiVersion: string, kind: string): Promise<ResourceInfo> {
    return (this.#discovered ?? (await this.discovery())).resolveKind(apiVersion, kind);
  }

  /** The namespace a single-object request uses when the scenario names none. */
  namespaceFor(info: ResourceInfo, given: string | undefined): string | undefined {
    if (!info.namespaced) return undefined;
    return given ?? this.access.defaultNamespace;
  }

  /**
   * The path of a target, checked: names and namespaces may not carry "/" or escapes, so no scenario input can
   * point a request anywhere but the resource it names.
   * @throws {K8sError} code InvalidName.
   */
  path(t: Target): string {
    let p = this.access.pathPrefix + t.info.basePath;
    if (t.namespace !== undefined) p += "/namespaces/" + checkName(t.namespace, "namespace");
    p += "/" + t.info.resource;
    if (t.name !== undefined) p += "/" + checkName(t.name, "name");
    if (t.subresource !== undefined) {
      if (!SUBRESOURCE.test(t.subresource)) throw clientError("InvalidName", `invalid subresource "${t.subresource}"`);
      p += "/" + t.subresource;
    }
    return p;
  }

  /** Builds (or finds) the endpoint of a request: its tags and kperf's masked URL. */
  compile(verb: string, method: Dispatcher.HttpMethod, t: Target, query: string, methodLabel?: string): Compiled {
    const path = this.path(t);
    const kperfMethod = methodLabel ?? (verb === "list" ? "LIST" : verb === "watch" ? "WATCH" : method);
    const masked = maskUrl(kperfMethod, path.slice(this.access.pathPrefix.length), query, t.name !== undefined, t.subresource);
    const key = verb + " " + masked;
    let endpoint = this.#endpoints.get(key);
    if (endpoint === undefined) {
      endpoint = new Endpoint({
        verb,
        method,
        maskedUrl: masked,
        resource: t.subresource ? `${t.info.resource}/${t.subresource}` : t.info.resource,
        group: t.info.group || "core",
        scope: t.name !== undefined ? "resource" : t.namespace !== undefined ? "namespace" : "cluster",
      });
      this.#endpoints.set(key, endpoint);
    }
    return { endpoint, pathAndQuery: query === "" ? path : path + "?" + query };
  }

  /**
   * Reads an object from YAML or JSON text and labels it for cleanup.
   * @throws {K8sError} code InvalidObject for a malformed object.
   */
  prepareObject(obj: Record<string, unknown>, scenario: string, label: boolean): { apiVersion: string | undefined; kind: string | undefined; name: string | undefined; namespace: string | undefined } {
    const metadata = obj.metadata;
    if (metadata !== undefined && (metadata === null || typeof metadata !== "object" || Array.isArray(metadata))) {
      throw clientError("InvalidObject", "malformed object: metadata must be a mapping");
    }
    const m = (metadata ?? {}) as { name?: unknown; generateName?: unknown; namespace?: unknown; labels?: unknown };
    if (m.labels !== undefined && (m.labels === null || typeof m.labels !== "object" || Array.isArray(m.labels))) {
      throw clientError("InvalidObject", "malformed object: metadata.labels must be a mapping of strings");
    }
    if (label) addRunLabels(obj as { metadata?: { labels?: Record<string, string> } }, this.runId, scenario);
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
    return { apiVersion: str(obj.apiVersion), kind: str(obj.kind), name: str(m.name), namespace: str(m.namespace) };
  }

  /** Opens a watch; it lives until closed or the run ends. */
  openWatch(t: Target, query: string, base: TagSet, deliverBookmarks: boolean, resourceVersion: string | undefined): WatchStream {
    const watch = this.compile("watch", "GET", t, "watch=1" + (query ? "&" + query : ""));
    const list = this.compile("list", "GET", t, "");
    const path = this.path(t);
    const w = new WatchStream(this.transport, { path, query, watchEndpoint: watch.endpoint, listEndpoint: list.endpoint, deliverBookmarks, resourceVersion }, base);
    this.#watches.add(w);
    return w;
  }

  forgetWatch(w: WatchStream): void {
    w.close();
    this.#watches.delete(w);
  }

  async close(): Promise<void> {
    for (const w of this.#watches) w.close();
    this.#watches.clear();
    await this.transport.pool.close();
  }
}

function checkName(value: string, what: string): string {
  if (!NAME.test(value) || value.includes("..")) throw clientError("InvalidName", `invalid ${what} "${value}": Kubernetes names are lower-case letters, digits, "-" and "."`);
  return value;
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
