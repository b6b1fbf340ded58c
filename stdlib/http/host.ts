// Host half of `loadgen/http`: guest calls turned into requests of the run's HttpClient (runtime/http-client). Each
// distinct params text is parsed once; each VU keeps its cookie jars, its response callback and the responses of its
// current iteration, whose headers and bodies the shim reads by id only if the scenario does. A request crosses back as
// one number (http.d.ts's EncodedResponse), so the hot path makes no JSON and no string.
import type { HostModule, HostModuleInstance, HostValue, RunContext, VuContext } from "../host-module.ts";
import type { EncodedResponse, HostFunctions, HttpGuestOptions, HttpParamsWire, HttpResponseMeta, JsonText } from "../host-calls.ts";
import { parseDuration } from "../../runtime/metrics/duration.ts";
import { apiServerUrls, urlPort } from "../../runtime/kube/api-server-urls.ts";
import { HttpClient, HttpRequestError, headerBytesOf, type HttpResult, type RequestSpec } from "../../runtime/http-client/http-client.ts";
import { CookieJar, cookieTarget } from "../../runtime/http-client/cookie-jar.ts";
import { DEFAULT_EXPECTED, parseExpectedStatuses, type ExpectedStatuses } from "../../runtime/http-client/expected-statuses.ts";
import { HttpRecorder, registerHttpMetrics } from "../../runtime/http-client/http-metrics.ts";
import { httpOptionProblems, parseHttpOptions, type HttpClientOptions } from "../../runtime/http-client/http-options.ts";
import { sandboxRules, type ApiServerEndpoint } from "../../runtime/http-client/sandbox.ts";
import { AddressRules } from "../../runtime/http/address-rules.ts";
import { InvalidOptionsError } from "../../runtime/errors.ts";

const USER_AGENT = "loadgen/0.1 (http)";
/** Distinct params texts parsed and kept (a scenario that builds unique params per request stops being cached). */
const PARAMS_CACHE_LIMIT = 10_000;
/** Responses a VU keeps for reading within one iteration, and the body bytes they may hold; the oldest go first past either. */
const RESPONSES_PER_VU = 1_000;
const KEPT_BYTES_PER_VU = 64 << 20;

/** One VU's state: jars, response callback, and its current iteration's responses. */
class VuState {
  expected: ExpectedStatuses | null = DEFAULT_EXPECTED;
  readonly jars = new Map<number, CookieJar>();
  readonly responses = new Map<number, HttpResult>();
  #keptBytes = 0;
  #scenario: string | undefined;
  #iteration = -1;
  #phase = "";

  constructor() {
    this.jars.set(0, new CookieJar());
  }

  /** Forgets the responses of earlier iterations (checked per request: no hook runs between iterations). */
  sync(vu: VuContext): void {
    if (vu.iterationInScenario !== this.#iteration || vu.scenario !== this.#scenario || vu.phase !== this.#phase) {
      this.#iteration = vu.iterationInScenario;
      this.#scenario = vu.scenario;
      this.#phase = vu.phase;
      this.responses.clear();
      this.#keptBytes = 0;
    }
  }

  keep(id: number, r: HttpResult): void {
    const m = this.responses;
    const bytes = r.exchange.kept ? r.exchange.bytes : 0;
    while (m.size > 0 && (m.size >= RESPONSES_PER_VU || this.#keptBytes + bytes > KEPT_BYTES_PER_VU)) {
      const [oldest, old] = m.entries().next().value!;
      m.delete(oldest);
      if (old.exchange.kept) this.#keptBytes -= old.exchange.bytes;
    }
    m.set(id, r);
    this.#keptBytes += bytes;
  }
}

/** Params parsed once: the request spec, and who judges and stores. */
interface ParsedParams {
  readonly spec: RequestSpec;
  /** undefined: the VU's callback. */
  readonly expected: ExpectedStatuses | null | undefined;
  /** undefined: the VU's jar (0); null: none. */
  readonly jar: number | null | undefined;
  readonly binaryBody: boolean;
}

/** `loadgen/http`: HTTP requests from scenarios, sent by the host. */
export const httpModule: HostModule = {
  open(run: RunContext): HostModuleInstance {
    return new HttpHost(run).instance();
  },
  checkOptions(options) {
    return httpOptionProblems(options);
  },
};

class HttpHost {
  readonly #run: RunContext;
  readonly #recorder: HttpRecorder;
  readonly #apiServers: Promise<ApiServerEndpoint[]>;
  #client: HttpClient | undefined;
  #opening: Promise<HttpClient> | undefined;
  readonly #params = new Map<string, ParsedParams>();
  #defaults: ParsedParams | undefined;
  readonly #vus: VuState[] = [];
  #nextId = 1;
  #nextJar = 1;

  constructor(run: RunContext) {
    this.#run = run;
    const problems = networkFlagProblems(run.network);
    if (problems.length) throw new InvalidOptionsError(problems);
    // Registered now so thresholds on http_* metrics validate before the run starts.
    this.#recorder = new HttpRecorder(registerHttpMetrics(run.metrics), run.engine);
    // Started at once (no options needed): found by the time the first request needs the sandbox rules.
    this.#apiServers = run.localCluster().then(
      (local) => apiServerUrls(run.cluster, local, run.log).map(({ url, source }) => ({ host: url.hostname.replace(/^\[|\]$/g, ""), port: urlPort(url), source })),
      () => [],
    );
  }

  /** The run's client, made on first use (the options are resolved by then). */
  client(): HttpClient | Promise<HttpClient> {
    if (this.#client !== undefined) return this.#client;
    this.#opening ??= (async () => {
      const run = this.#run;
      let options: HttpClientOptions;
      try {
        options = parseHttpOptions(run.options(), USER_AGENT);
      } catch (e) {
        throw new HttpRequestError(`loadgen/http options: ${(e as Error).message}`);
      }
      const net = run.network;
      const rules = await sandboxRules({
        blockHostnames: options.blockHostnames,
        blacklistIPs: options.blacklistIPs,
        flagHostnames: net.blockHostnames ?? [],
        flagIPs: net.blacklistIPs ?? [],
        apiServers: await this.#apiServers,
      });
      this.#client = new HttpClient(options, rules, this.#recorder);
      return this.#client;
    })();
    return this.#opening;
  }

  #vu(vu: VuContext): VuState {
    let s = this.#vus[vu.id];
    if (s === undefined) this.#vus[vu.id] = s = new VuState();
    return s;
  }

  instance(): HostModuleInstance {
    const self = this;
    const tables = {
      sync: {
        "http.info"() {
          const o = self.#client?.options ?? parseHttpOptions(self.#run.options(), USER_AGENT);
          return json<HttpGuestOptions>({ batch: o.batch, batchPerHost: o.batchPerHost, throw: o.throw });
        },
        "http.response"(vu: VuContext, id: HostValue, part: HostValue) {
          const r = self.#stored(vu, id);
          if (part === "headers") return json(responseHeaders(r.exchange.rawHeaders));
          if (part === "cookies") return json(responseCookies(r.exchange.rawHeaders));
          const t = r.timings;
          const meta: HttpResponseMeta = {
            status_text: r.status === 0 ? "" : `${r.status} ${r.exchange.statusText || STATUS_TEXT[r.status] || ""}`.trim(),
            proto: r.failure === undefined ? r.exchange.protocol : "",
            url: r.target.url.href,
            method: r.method,
            error: r.failure?.message ?? "",
            timings: [t.blocked, t.connecting, t.tlsHandshaking, t.sending, t.waiting, t.receiving, t.duration],
          };
          return json(meta);
        },
        "http.body"(vu: VuContext, id: HostValue, type: HostValue) {
          const r = self.#stored(vu, id);
          if (!r.exchange.kept) return null;
          return type === "binary" ? latin1Text(r.exchange.bodyBytes()) : r.exchange.text();
        },
        "http.setResponseCallback"(vu: VuContext, json: HostValue) {
          self.#vu(vu).expected = parseExpectedStatuses(JSON.parse(String(json)), "setResponseCallback()");
          return undefined;
        },
        "http.jarNew"(vu: VuContext) {
          const id = self.#nextJar++;
          self.#vu(vu).jars.set(id, new CookieJar());
          return id;
        },
        "http.jarSet"(vu: VuContext, jar: HostValue, url: HostValue, json: HostValue) {
          const c = JSON.parse(String(json)) as { name: string; value: string; domain?: string; path?: string; expires?: string; max_age?: number; secure?: boolean; http_only?: boolean };
          self.#jar(vu, jar).set(jarTarget(url), String(c.name), String(c.value), { domain: c.domain, path: c.path, expires: c.expires, maxAge: c.max_age, secure: c.secure, httpOnly: c.http_only });
          return undefined;
        },
        "http.jarCookies"(vu: VuContext, jar: HostValue, url: HostValue) {
          const out: Record<string, string[]> = {};
          for (const c of self.#jar(vu, jar).cookiesFor(jarTarget(url))) (out[c.name] ??= []).push(c.value);
          return json(out);
        },
        "http.jarClear"(vu: VuContext, jar: HostValue, url: HostValue, name: HostValue) {
          self.#jar(vu, jar).remove(jarTarget(url), typeof name === "string" ? name : undefined);
          return undefined;
        },
      },
      async: {
        "http.request"(vu: VuContext, method: HostValue, url: HostValue, body: HostValue, params: HostValue): Promise<EncodedResponse> {
          const c = self.#client;
          if (c === undefined) return Promise.resolve(self.client()).then(() => self.#request(vu, method, url, body, params));
          return self.#request(vu, method, url, body, params);
        },
      },
    } satisfies HostFunctions<"http.", VuContext>;
    return { ...tables, close: () => this.#client?.close() ?? Promise.resolve() };
  }

  /** One request (the client exists): the hot path. */
  #request(vu: VuContext, method: HostValue, url: HostValue, body: HostValue, paramsJson: HostValue): Promise<EncodedResponse> {
    const c = this.#client!;
    let p: ParsedParams;
    let target;
    let m;
    try {
      p = typeof paramsJson === "string" ? this.#parsed(c, paramsJson) : (this.#defaults ??= this.#parse(c, {}));
      m = c.method(String(method));
      target = c.target(String(url));
    } catch (e) {
      return Promise.reject(e);
    }
    const st = this.#vu(vu);
    st.sync(vu);
    const jar = p.jar === null ? undefined : p.jar === undefined ? st.jars.get(0) : st.jars.get(p.jar);
    const b = typeof body === "string" ? (p.binaryBody ? Buffer.from(body, "latin1") : body) : undefined;
    const expected = p.expected === undefined ? st.expected : p.expected;
    return c.send(m, target, p.spec, b, jar, vu.tags, expected, undefined).then((r) => {
      const id = this.#nextId++;
      st.keep(id, r);
      return r.failure === undefined ? id * 1000 + r.status : -(id * 10_000 + r.errorCode);
    });
  }

  #stored(vu: VuContext, id: HostValue): HttpResult {
    const st = this.#vus[vu.id];
    st?.sync(vu);
    const r = st?.responses.get(Number(id));
    if (r === undefined) {
      throw new HttpRequestError("this response is gone: a response's headers, body and timings can be read only in the iteration that made the request (use responseType: \"text\" to keep the body)");
    }
    return r;
  }

  #jar(vu: VuContext, id: HostValue): CookieJar {
    const j = this.#vu(vu).jars.get(Number(id));
    if (j === undefined) throw new HttpRequestError("this cookie jar belongs to another VU");
    return j;
  }

  #parsed(c: HttpClient, json: string): ParsedParams {
    let p = this.#params.get(json);
    if (p === undefined) {
      let raw: unknown;
      try {
        raw = JSON.parse(json);
      } catch {
        throw new HttpRequestError("params must be an object");
      }
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new HttpRequestError("params must be an object");
      p = this.#parse(c, raw as HttpParamsWire);
      if (this.#params.size < PARAMS_CACHE_LIMIT) this.#params.set(json, p);
    }
    return p;
  }

  #parse(c: HttpClient, o: HttpParamsWire): ParsedParams {
    const opts = c.options;
    const bad = (field: string, what: string) => new HttpRequestError(`params.${field}: ${what}`);
    const headers: Record<string, string> = { "user-agent": opts.userAgent };
    if (o.headers !== undefined) {
      if (o.headers === null || typeof o.headers !== "object") throw bad("headers", "must be an object of strings");
      for (const [k, v] of Object.entries(o.headers)) headers[k.toLowerCase()] = String(v);
    }
    let tags: Record<string, string> | undefined;
    let name: string | undefined;
    if (o.tags !== undefined) {
      if (o.tags === null || typeof o.tags !== "object") throw bad("tags", "must be an object of strings");
      for (const [k, v] of Object.entries(o.tags)) {
        if (k === "name") name = String(v);
        else (tags ??= {})[k] = String(v);
      }
    }
    let timeoutMs = opts.timeoutMs;
    if (o.timeout !== undefined) {
      try {
        timeoutMs = parseDuration(o.timeout, "params.timeout");
      } catch (e) {
        throw new HttpRequestError((e as Error).message);
      }
    }
    const rt = o.responseType;
    if (rt !== undefined && rt !== "text" && rt !== "binary" && rt !== "none") throw bad("responseType", `must be "text", "binary" or "none", got ${JSON.stringify(rt)}`);
    const keep = (rt ?? (opts.discardResponseBodies ? "none" : "text")) !== "none";
    const redirects = o.redirects ?? opts.maxRedirects;
    if (!Number.isInteger(redirects) || redirects < 0) throw bad("redirects", `must be an integer >= 0, got ${JSON.stringify(o.redirects)}`);
    const cookies: Array<{ name: string; value: string; replace: boolean }> = [];
    if (o.cookies !== undefined) {
      if (o.cookies === null || typeof o.cookies !== "object") throw bad("cookies", "must be an object");
      for (const [k, v] of Object.entries(o.cookies)) {
        if (v !== null && typeof v === "object") cookies.push({ name: k, value: String((v as { value?: unknown }).value ?? ""), replace: (v as { replace?: unknown }).replace === true });
        else cookies.push({ name: k, value: String(v), replace: false });
      }
    }
    let expected: ExpectedStatuses | null | undefined;
    if (o.responseCallback !== undefined) {
      try {
        expected = parseExpectedStatuses(o.responseCallback, "params.responseCallback");
      } catch (e) {
        throw new HttpRequestError((e as Error).message);
      }
    }
    if (o.jar !== undefined && o.jar !== null && typeof o.jar !== "number") throw bad("jar", "must be a CookieJar or null");
    return {
      spec: {
        headers,
        headerBytes: headerBytesOf(headers),
        exchange: { keepBody: keep, keepErrorBody: keep, keepHeaders: true, timeoutMs },
        redirects,
        cookies,
        tags,
        name,
      },
      expected,
      jar: o.jar,
      binaryBody: o.binaryBody === true,
    };
  }
}

/** Problems with `--block-hostnames` / `--blacklist-ip` values, each naming the flag. */
function networkFlagProblems(net: RunContext["network"]): string[] {
  const problems: string[] = [];
  const probe = new AddressRules();
  for (const h of net.blockHostnames ?? []) {
    try {
      probe.blockHostname(h, "");
    } catch (e) {
      problems.push(`--block-hostnames: ${(e as Error).message}`);
    }
  }
  for (const r of net.blacklistIPs ?? []) {
    try {
      probe.blockRange(r, "");
    } catch (e) {
      problems.push(`--blacklist-ip: ${(e as Error).message}`);
    }
  }
  return problems;
}

/**
 * Bytes as text for the guest: latin1, with NUL as U+0100: a string with a NUL in it crosses the VU boundary the
 * slow way (as JSON text, runtime/vu/quickjs-direct.ts), and binary bodies are full of them. The guest keeps the low
 * byte of each code unit (and Buffer.from(text, "latin1") does the same the other way).
 */
function latin1Text(b: Buffer): string {
  const s = b.toString("latin1");
  return s.includes("\0") ? s.replaceAll("\0", "\u0100") : s;
}

/** JSON text of a value of the declared type. */
function json<T>(value: T): JsonText<T> {
  return JSON.stringify(value) as JsonText<T>;
}

function jarTarget(url: HostValue) {
  try {
    return cookieTarget(new URL(String(url)));
  } catch {
    throw new HttpRequestError(`invalid URL "${String(url)}"`);
  }
}

/** Go's canonical header name (textproto.CanonicalMIMEHeaderKey): `content-type` → `Content-Type`. */
function canonical(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** Response headers as k6 shows them: canonical names, repeated values joined with ", ". */
function responseHeaders(raw: Buffer[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = canonical(raw[i]!.toString("latin1"));
    const v = raw[i + 1]!.toString("latin1");
    out[k] = out[k] === undefined ? v : out[k] + ", " + v;
  }
  return out;
}

/** The cookies an answer set, by name, as k6's Response.cookies. */
function responseCookies(raw: Buffer[] | undefined) {
  const out: Record<string, Array<{ name: string; value: string; domain: string; path: string; http_only: boolean; secure: boolean; max_age: number; expires: string }>> = {};
  if (raw === undefined) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toString("latin1").toLowerCase() !== "set-cookie") continue;
    const line = raw[i + 1]!.toString("latin1");
    const [pair = "", ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const c = { name, value: eq < 0 ? "" : pair.slice(eq + 1).trim(), domain: "", path: "", http_only: false, secure: false, max_age: 0, expires: "" };
    for (const a of attrs) {
      const [k = "", ...rest] = a.split("=");
      const v = rest.join("=").trim();
      switch (k.trim().toLowerCase()) {
        case "domain": c.domain = v; break;
        case "path": c.path = v; break;
        case "httponly": c.http_only = true; break;
        case "secure": c.secure = true; break;
        case "max-age": c.max_age = Number(v) || 0; break;
        case "expires": c.expires = v; break;
      }
    }
    (out[name] ??= []).push(c);
  }
  return out;
}

/** Reason phrases for HTTP/2 answers, which carry none (as Go's http.StatusText gives k6). */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
  304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 413: "Content Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};
