// Turns a resolved target and a query into a request ready to send many times: its checked path, and its endpoint
// (sample tags, kperf's masked URL), made once per distinct shape and kept for the client's life. Names and
// namespaces are checked here, so no caller's input can point a request anywhere but the resource it names.
import type { Dispatcher } from "undici";
import type { ResourceInfo } from "./discovery.ts";
import { Endpoint } from "./endpoint.ts";
import { clientError } from "./errors.ts";
import type { SendOptions } from "./transport.ts";
import { maskUrl } from "./url-mask.ts";

/** Kubernetes names, namespaces and subresources as they may appear in a path (no "/", no "..", no escapes). */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.:@]*[A-Za-z0-9])?$/;
const SUBRESOURCE = /^[a-z]+$/;

/** kperf's method label in the masked URL, where it is not the HTTP method. */
const METHOD_LABELS: Readonly<Record<string, string>> = { list: "LIST", watch: "WATCH", watchlist: "WATCHLIST", log: "POD_LOG" };

/** Where one request goes: the resolved resource and the request's path parts. */
export interface Target {
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

/** A request compiled once: its endpoint (tags), the exact path and query it sends, and how it is sent. */
export interface Prepared {
  readonly endpoint: Endpoint;
  readonly pathAndQuery: string;
  readonly sendOptions: SendOptions;
  readonly target: Target;
  readonly query: string;
}

export class RequestCompiler {
  readonly #pathPrefix: string;
  readonly #endpoints = new Map<string, Endpoint>();

  constructor(pathPrefix: string) {
    this.#pathPrefix = pathPrefix;
  }

  /**
   * The path of a target, checked.
   * @throws {K8sError} code InvalidName.
   */
  path(t: Target): string {
    let p = this.#pathPrefix + t.info.basePath;
    if (t.namespace !== undefined) p += "/namespaces/" + checkName(t.namespace, "namespace");
    p += "/" + t.info.resource;
    if (t.name !== undefined) p += "/" + checkName(t.name, "name");
    if (t.subresource !== undefined) {
      if (!SUBRESOURCE.test(t.subresource)) throw clientError("InvalidName", `invalid subresource "${t.subresource}"`);
      p += "/" + t.subresource;
    }
    return p;
  }

  /** Builds (or finds) the endpoint of a request and its path: `verb` is loadgen's (the `verb` tag). */
  compile(verb: string, method: Dispatcher.HttpMethod, t: Target, query: string, sendOptions: SendOptions): Prepared {
    const path = this.path(t);
    const masked = maskUrl(METHOD_LABELS[verb] ?? method, path.slice(this.#pathPrefix.length), query, t.name !== undefined, t.subresource);
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
    return { endpoint, pathAndQuery: query === "" ? path : path + "?" + query, sendOptions, target: t, query };
  }

  /**
   * The same request for another object of the same resource (kperf's key spaces): its endpoint is the same, since
   * the masked URL hides the name.
   * @throws {K8sError} code InvalidName.
   */
  rename(p: Prepared, name: string): Prepared {
    const target: Target = { info: p.target.info, namespace: p.target.namespace, name, subresource: p.target.subresource };
    const path = this.path(target);
    return { endpoint: p.endpoint, pathAndQuery: p.query === "" ? path : path + "?" + p.query, sendOptions: p.sendOptions, target, query: p.query };
  }

  /** The path and query below the server's path prefix (for loadgen's own unrecorded requests). */
  unprefixed(p: Prepared): string {
    return p.pathAndQuery.slice(this.#pathPrefix.length);
  }
}

function checkName(value: string, what: string): string {
  if (!NAME.test(value) || value.includes("..")) throw clientError("InvalidName", `invalid ${what} "${value}": Kubernetes names are lower-case letters, digits, "-" and "."`);
  return value;
}
