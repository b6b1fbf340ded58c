// loadgen/http's client: k6's request semantics on the HTTP transport (runtime/http). One keep-alive pool per origin
// (HTTP/2 where the server negotiates it over TLS), every connection guarded by the run's sandbox rules, redirects
// followed here (each hop a request of its own, its connection judged again), cookies kept in the caller's jar, and
// k6's samples recorded for every hop. Knows nothing of VUs: the stdlib binding says which jar, tags and judgement.
import { rootCertificates } from "node:tls";
import type { Dispatcher } from "undici";
import type { AddressPolicy } from "../http/address-rules.ts";
import { ConnectionPool, type TlsConnectOptions } from "../http/connection-pool.ts";
import type { Exchange, ExchangeOptions } from "../http/exchange.ts";
import { RateLimiter } from "../http/rate-limiter.ts";
import { HttpTransport } from "../http/transport.ts";
import type { TagSet } from "../metrics/tags.ts";
import { cookieTarget, type CookieJar, type CookieTarget } from "./cookie-jar.ts";
import { failureOf, statusErrorCode, type HttpFailure } from "./error-codes.ts";
import type { ExpectedStatuses } from "./expected-statuses.ts";
import { EXPECTED, NOT_JUDGED, UNEXPECTED, type HttpRecorder, type Judged, type Timings } from "./http-metrics.ts";
import type { HttpClientOptions } from "./http-options.ts";

/** A request's parameters, prepared once per distinct params (the binding caches them). */
export interface RequestSpec {
  /** Request headers, lower-case names, the default User-Agent added. */
  readonly headers: Readonly<Record<string, string>>;
  /** Bytes the headers take on the wire ("name: value\r\n" each). */
  readonly headerBytes: number;
  /** Whether the body is kept (not with responseType "none") and the timeout. */
  readonly exchange: ExchangeOptions;
  readonly redirects: number;
  /** Cookies of the params, sent besides (or, `replace`, instead of) the jar's. */
  readonly cookies: ReadonlyArray<{ readonly name: string; readonly value: string; readonly replace: boolean }>;
  /** The request's own tags (this object is kept by identity for tag caching), without `name`. */
  readonly tags: Readonly<Record<string, string>> | undefined;
  /** The `name` tag, when the params give one. */
  readonly name: string | undefined;
}

/** A URL, parsed once and bound to its origin's transport. */
export interface Target {
  readonly url: URL;
  /** The URL as a tag: without user and password (k6's clean URL). */
  readonly tag: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly cookie: CookieTarget;
  /** Basic authorization from `user:password@` in the URL. */
  readonly authorization: string | undefined;
  readonly transport: HttpTransport;
  readonly hostBytes: number;
}

/** A bad URL or method: the request was not sent (a rejected promise in the scenario). */
export class HttpRequestError extends Error {
  readonly code = "InvalidRequest";
  constructor(message: string) {
    super(message);
    this.name = "HttpRequestError";
  }
}

/** How a request ended: the last hop's exchange and URL, its timings and failure (k6's Response, undecoded). */
export interface HttpResult {
  readonly exchange: Exchange;
  readonly method: string;
  readonly target: Target;
  readonly timings: Timings;
  /** The transport failure, if the last hop got no (complete) answer. */
  readonly failure: HttpFailure | undefined;
  /** The status the scenario sees: 0 when no answer came. */
  readonly status: number;
  /** k6's error code: the failure's, or 1000 + status for 4xx/5xx. */
  readonly errorCode: number;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Headers dropped when a redirect leaves the host (Go's net/http does the same). */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization", "www-authenticate"];
const TARGET_CACHE_LIMIT = 10_000;

export class HttpClient {
  readonly options: HttpClientOptions;
  readonly #policy: AddressPolicy;
  readonly #recorder: HttpRecorder;
  readonly #transports = new Map<string, HttpTransport>();
  readonly #targets = new Map<string, Target>();
  readonly #ca: string[] | undefined;

  constructor(options: HttpClientOptions, policy: AddressPolicy, recorder: HttpRecorder) {
    this.options = options;
    this.#policy = policy;
    this.#recorder = recorder;
    // `ca` replaces Node's roots: keep them, and add the scenario's.
    this.#ca = options.ca.length > 0 ? [...rootCertificates, ...options.ca] : undefined;
  }

  /** A method as undici sends it. @throws {HttpRequestError} for one k6/http does not send. */
  method(m: string): Dispatcher.HttpMethod {
    if (METHODS.has(m)) return m as Dispatcher.HttpMethod;
    const u = m.toUpperCase();
    if (!METHODS.has(u)) throw new HttpRequestError(`unknown HTTP method "${m}" (use ${[...METHODS].join(", ")})`);
    return u as Dispatcher.HttpMethod;
  }

  /** The target of `url` (cached per URL text). @throws {HttpRequestError} for a URL that is not http(s). */
  target(url: string): Target {
    let t = this.#targets.get(url);
    if (t !== undefined) return t;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new HttpRequestError(`invalid URL "${url}": must be absolute, e.g. http://127.0.0.1:8000/path`);
    }
    t = this.#targetOf(u);
    if (this.#targets.size < TARGET_CACHE_LIMIT) this.#targets.set(url, t);
    return t;
  }

  #targetOf(u: URL): Target {
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new HttpRequestError(`invalid URL "${u.href}": only http:// and https:// are supported`);
    let authorization: string | undefined;
    let tag = u.href;
    if (u.username !== "" || u.password !== "") {
      authorization = "Basic " + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64");
      const clean = new URL(u.href);
      clean.username = "";
      clean.password = "";
      tag = clean.href;
    }
    const hash = u.hash;
    if (hash !== "") tag = tag.slice(0, tag.length - hash.length);
    return {
      url: u,
      tag,
      path: (u.pathname || "/") + u.search,
      cookie: cookieTarget(u),
      authorization,
      transport: this.#transport(u),
      hostBytes: u.host.length + 8,
    };
  }

  #transport(u: URL): HttpTransport {
    const origin = u.origin;
    let t = this.#transports.get(origin);
    if (t === undefined) {
      const o = this.options;
      const pool = new ConnectionPool(origin, {
        conns: 1,
        clients: o.connectionsPerHost,
        http2: o.http2,
        negotiate: true,
        tls: this.#tls(u.hostname),
        guard: { policy: this.#policy, connectTimeoutMs: Math.min(o.timeoutMs, 30_000) },
      });
      t = new HttpTransport(pool, new RateLimiter(0, 1), { timeoutMs: o.timeoutMs, maxRetries: 0, userAgent: o.userAgent });
      this.#transports.set(origin, t);
    }
    return t;
  }

  #tls(hostname: string): TlsConnectOptions {
    const o = this.options;
    const tls: TlsConnectOptions & { passphrase?: string } = {};
    if (this.#ca !== undefined) tls.ca = this.#ca.join("\n");
    if (o.insecureSkipTLSVerify) tls.rejectUnauthorized = false;
    const h = hostname.toLowerCase();
    const auth = o.tlsAuth.find((a) => a.domains.length === 0 || a.domains.includes(h));
    if (auth !== undefined) {
      tls.cert = auth.cert;
      tls.key = auth.key;
      if (auth.password !== undefined) tls.passphrase = auth.password;
    }
    return tls;
  }

  /**
   * Sends a request and follows its redirects; records k6's samples of every hop with `vuTags` (+ the spec's tags and
   * name), judged by `expected` (null: not judged). Resolves, never rejects, with the last hop.
   */
  async send(
    method: Dispatcher.HttpMethod,
    first: Target,
    spec: RequestSpec,
    body: string | Buffer | undefined,
    jar: CookieJar | undefined,
    vuTags: TagSet,
    expected: ExpectedStatuses | null,
    templateName: string | undefined,
  ): Promise<HttpResult> {
    let target = first;
    let m = method;
    let b = body;
    let dropCredentials = false;
    const name = spec.name ?? templateName;
    for (let hop = 0; ; hop++) {
      const headers = this.#headers(target, spec, jar, dropCredentials);
      const x = await target.transport.send(m, target.path, headers, b, spec.exchange, undefined, true);
      const timings = timingsOf(x);
      const failure = x.error === undefined ? undefined : failureOf(x.error);
      const status = failure === undefined ? x.status : 0;
      const errorCode = failure !== undefined ? failure.code : statusErrorCode(status);
      const judged: Judged = expected === null ? NOT_JUDGED : expected.has(status) ? EXPECTED : UNEXPECTED;
      const tags = this.#recorder.tagsFor(vuTags, spec.tags, name ?? target.tag, m).of(status, failure === undefined ? x.protocol : "", errorCode, failure?.tag ?? "", judged);
      const sent = m.length + target.path.length + 14 + target.hostBytes + (headers === spec.headers ? spec.headerBytes : headerBytesOf(headers)) + (b === undefined ? 0 : typeof b === "string" ? Buffer.byteLength(b) : b.length);
      this.#recorder.request(tags, vuTags, judged, timings, sent, x.headerBytes + x.bytes);
      if (jar !== undefined && x.rawHeaders !== undefined) storeCookies(jar, target.cookie, x.rawHeaders);
      if (failure === undefined && hop < spec.redirects && isRedirect(status)) {
        const location = headerValue(x.rawHeaders, "location");
        if (location !== undefined) {
          let next: Target;
          try {
            next = this.#targetOf(new URL(location, target.url));
          } catch {
            return { exchange: x, method: m, target, timings, failure, status, errorCode };
          }
          if (status === 303 || ((status === 301 || status === 302) && m !== "GET" && m !== "HEAD")) {
            m = "GET";
            b = undefined;
          }
          if (next.url.host !== first.url.host) dropCredentials = true;
          target = next;
          continue;
        }
      }
      return { exchange: x, method: m, target, timings, failure, status, errorCode };
    }
  }

  /** The spec's headers, plus (only when there are any) the URL's credentials and the cookies. */
  #headers(target: Target, spec: RequestSpec, jar: CookieJar | undefined, dropCredentials: boolean): Record<string, string> {
    const fromJar = jar === undefined || jar.empty ? undefined : jar.cookiesFor(target.cookie);
    if (target.authorization === undefined && spec.cookies.length === 0 && (fromJar === undefined || fromJar.length === 0) && !dropCredentials) {
      return spec.headers as Record<string, string>;
    }
    const h: Record<string, string> = { ...spec.headers };
    if (dropCredentials) for (const k of CREDENTIAL_HEADERS) delete h[k];
    if (target.authorization !== undefined && h.authorization === undefined) h.authorization = target.authorization;
    const pairs: string[] = [];
    const replaced = new Set<string>();
    if (!dropCredentials) {
      for (const c of spec.cookies) {
        pairs.push(c.name + "=" + c.value);
        if (c.replace) replaced.add(c.name);
      }
    }
    if (fromJar !== undefined) for (const c of fromJar) if (!replaced.has(c.name)) pairs.push(c.name + "=" + c.value);
    if (pairs.length > 0) h.cookie = h.cookie !== undefined && !dropCredentials ? h.cookie + "; " + pairs.join("; ") : pairs.join("; ");
    return h;
  }

  /** Closes every connection; requests in flight are aborted. */
  async close(): Promise<void> {
    await Promise.all([...this.#transports.values()].map((t) => t.close()));
    this.#transports.clear();
    this.#targets.clear();
  }
}

/** Bytes of a header object on the wire ("name: value\r\n" each). */
export function headerBytesOf(h: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const k in h) n += k.length + h[k]!.length + 4;
  return n;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** k6's timings of an exchange, from its moments (a phase it never reached is 0). */
function timingsOf(x: Exchange): Timings {
  const end = x.endedAt;
  const connected = x.connectedAt || end;
  const sent = x.sentAt || (x.connectedAt === 0 ? connected : end);
  const first = x.firstByteAt || (x.sentAt === 0 ? sent : end);
  const sending = Math.max(0, sent - connected);
  const waiting = Math.max(0, first - sent);
  const receiving = Math.max(0, end - first);
  return {
    blocked: Math.max(0, connected - x.dispatchedAt),
    connecting: x.connectingMs,
    tlsHandshaking: x.tlsMs,
    sending,
    waiting,
    receiving,
    duration: sending + waiting + receiving,
  };
}

/** The first value of header `name` (lower case) in undici's raw headers. */
export function headerValue(raw: Buffer[] | undefined, name: string): string | undefined {
  if (raw === undefined) return undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === name.length && k.toString("latin1").toLowerCase() === name) return raw[i + 1]!.toString("latin1");
  }
  return undefined;
}

function storeCookies(jar: CookieJar, target: CookieTarget, raw: Buffer[]): void {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === 10 && k.toString("latin1").toLowerCase() === "set-cookie") jar.storeSetCookie(target, raw[i + 1]!.toString("latin1"));
  }
}
