/**
 * `loadgen/http`: HTTP load from scenarios, with k6/http's API. Requests are sent by the host (undici, keep-alive
 * connection pools per origin, HTTP/2 where the server offers it over TLS), so VUs stay small and latencies honest.
 *
 * **Every request returns a promise** (k6's `http.asyncRequest` style), as every other loadgen module does: a VU is a
 * QuickJS runtime that must not block the host while it waits. A k6 script ports with two edits: make the function
 * `async` and `await` each call.
 * ```text
 * // k6                                   // loadgen
 * import http from "k6/http";             import http from "loadgen/http";
 * export default function () {            export default async function () {
 *   const res = http.get(url);              const res = await http.get(url);
 *   check(res, { ok: (r) => r.status === 200 });   check(res, { ok: (r) => r.status === 200 });
 * }                                       }
 * ```
 *
 * Failures do not reject (as in k6): a request that got no answer resolves to a Response with `status` 0, `error` and
 * k6's `error_code` (1050 timeout, 1101 no such host, 1110 blacklisted IP, 1111 blocked hostname, 1211 dial timeout,
 * 1212 connection refused, 1220 reset by peer, 1310 unknown certificate authority, 1311 certificate hostname
 * mismatch, 16xx HTTP/2, and 1000 + status for 4xx/5xx answers). Set `throw: true` (top-level option, as in k6) to get
 * a rejected promise with an {@link HttpError} instead. Bad arguments (an unparsable URL, an unknown method) always reject.
 *
 * Bodies are not decoded unless the scenario reads them: by default `res.body` and `res.headers` are fetched from the
 * host the first time they are read, within the iteration that made the request (after it, they are gone: read them
 * before, or ask for `responseType: "text"`, which copies the body in at once); a VU keeps its last 1,000 responses
 * and 64 MiB of their bodies. `responseType: "none"` (or the
 * top-level `discardResponseBodies: true`) reads the body off the wire without keeping it at all.
 *
 * Metrics (k6's names; tags `method`, `url`, `name`, `status`, `proto`, `expected_response`, `error_code` for failures,
 * plus the VU's `scenario`, `group` and custom tags): `http_reqs` (counter), `http_req_duration` (trend, ms: sending +
 * waiting + receiving), `http_req_blocked`, `http_req_connecting`, `http_req_tls_handshaking`, `http_req_sending`,
 * `http_req_waiting`, `http_req_receiving` (trends, ms), `http_req_failed` (rate: not an expected status), and
 * `data_sent` / `data_received` (counters, bytes of request and response: status line, headers and body as sent on the
 * connection, TLS framing excluded). Each redirect hop is a request of its own.
 *
 * URLs with ids in them would make one series per URL: name them. With a `name` tag (`tags: { name: "item" }`) or an
 * {@link url} template (`` http.url`http://127.0.0.1:8000/items/${id}` `` names the request `http://127.0.0.1:8000/items/${}`), both the `name` and
 * the `url` tag carry the name (k6 ≥ 0.41).
 *
 * The sandbox: a VU reaches only what the run allows. After DNS resolution, on every connection (redirects
 * included), loadgen refuses addresses in `blacklistIPs` (and `--blacklist-ip`), hostnames in `blockHostnames` (and
 * `--block-hostnames`), and always link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10,
 * fd00:ec2::254, metadata.google.internal, …) and the Kubernetes API server the run's credentials are for (talk to it
 * with `loadgen/k8s`, which keeps the credentials on the host). No proxy environment variable is honoured, no host
 * file is read: CA certificates and client certificates come from the options (load them with `open()`).
 *
 * Top-level options read by this module (k6's names): `insecureSkipTLSVerify`, `tlsAuth`, `blockHostnames`,
 * `blacklistIPs`, `maxRedirects`, `userAgent`, `discardResponseBodies`, `batch`, `batchPerHost`, `throw`; and
 * loadgen's own in `options.http` ({@link HttpModuleOptions}: a CA bundle, HTTP/2, connections per origin, timeout).
 * @module
 */

/** Tags added to one request's samples (`name` names the request: see the module doc). */
export type Tags = Record<string, string>;

/** What the body of a Response is: `"text"` (a string, copied in when the response arrives), `"binary"` (an ArrayBuffer), `"none"` (not kept). */
export type ResponseType = "text" | "binary" | "none";

/**
 * A request body: text, bytes, or an object sent as `application/x-www-form-urlencoded`, or as `multipart/form-data`
 * when one of its values is a file ({@link file}), as k6 does.
 */
export type RequestBody = string | ArrayBuffer | Uint8Array | Record<string, string | number | boolean | FileData> | null | undefined;

/** A file for a multipart request (k6's FileData), made by {@link file}. */
export interface FileData {
  readonly data: string | ArrayBuffer | number[];
  readonly filename: string;
  readonly content_type: string;
}

/**
 * Wraps data as a file for a multipart request (file uploads): an object body with a file in it is sent as
 * `multipart/form-data`, each field a part, the file's with its filename and content type.
 * @param data text (sent as UTF-8), an ArrayBuffer, or an array of byte values
 * @param filename default: the current time in nanoseconds, as k6's
 * @param contentType default `application/octet-stream`
 * @example Uploading a file
 * ```ts
 * import http from "loadgen/http";
 * const report = open("report.bin", "b");
 * export default async function () {
 *   await http.post("http://127.0.0.1:8000/upload", { title: "daily", file: http.file(report, "report.bin") });
 * }
 * ```
 */
export function file(data: string | ArrayBuffer | number[], filename?: string, contentType?: string): FileData;

/** A request's URL: a string, or a named URL made by {@link url}. */
export type RequestURL = string | HttpURL;

/** Per-request parameters (k6's Params). */
export interface Params {
  /** Request headers. `User-Agent` defaults to `options.userAgent` (`loadgen/<version>`). */
  headers?: Record<string, string>;
  /** Tags on this request's samples; `name` names it (and sets the `url` tag to the same value). */
  tags?: Tags;
  /**
   * How long to wait (default `options.http.timeout`, 60s), e.g. `"10s"` or milliseconds: for the response headers once
   * the request is written, and for each chunk of the body (error_code 1050). Connecting has its own limit: the smaller
   * of `options.http.timeout` and 30 s (error_code 1211).
   */
  timeout?: string | number;
  /** Default: the body is fetched lazily when read (see the module doc); `"none"` when `discardResponseBodies` is set. */
  responseType?: ResponseType;
  /** Redirects to follow (default `options.maxRedirects`, 10); 0 returns the 3xx itself. */
  redirects?: number;
  /** Cookies for this request: `name: value`, or `{ value, replace: true }` to override the jar's cookie of that name. */
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
  /** The jar to read and store cookies in (default: the VU's, {@link cookieJar}); `null`: none. */
  jar?: CookieJar | null;
  /** Which statuses count as expected for `http_req_failed` (default: {@link setResponseCallback}'s, 200–399). */
  responseCallback?: ExpectedStatuses | null;
}

/** Where the time of one request went, in milliseconds (k6's Response.timings). */
export interface Timings {
  /** Waiting for a connection: for a new one this includes connecting and the TLS handshake (k6's meaning). */
  blocked: number;
  /** Establishing the TCP connection (0 on a reused connection). */
  connecting: number;
  /** The TLS handshake (0 on a reused or plain connection). */
  tls_handshaking: number;
  /** Writing the request. */
  sending: number;
  /** From the request written to the first byte of the answer (time to first byte). */
  waiting: number;
  /** Reading the answer. */
  receiving: number;
  /** sending + waiting + receiving: `http_req_duration`. */
  duration: number;
}

/** A cookie as a response set it. */
export interface ResponseCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  http_only: boolean;
  secure: boolean;
  /** Seconds; 0 when not set. */
  max_age: number;
  /** RFC 1123 date; "" when not set. */
  expires: string;
}

/** The answer to a request (k6's Response). */
export interface Response {
  /** HTTP status; 0 when no answer came (`error` says why). */
  readonly status: number;
  /** The status line's text, e.g. `"200 OK"`. */
  readonly status_text: string;
  /** `"HTTP/1.1"` or `"HTTP/2.0"`; "" when no answer came. */
  readonly proto: string;
  /** The URL of the answer (after redirects). */
  readonly url: string;
  /** Response headers, names canonicalised as k6 does (`Content-Type`); repeated headers joined with `, `. */
  readonly headers: Record<string, string>;
  /** The body: a string, an ArrayBuffer (`responseType: "binary"`), or null (`"none"`, or no answer). */
  readonly body: string | ArrayBuffer | null;
  /** Cookies the answer set, by name. */
  readonly cookies: Record<string, ResponseCookie[]>;
  readonly timings: Timings;
  /** Why the request failed ("" when it did not): k6's messages, e.g. `"request timeout"`, `"dial: connection refused"`. */
  readonly error: string;
  /** k6's error code (0 when none): see the module doc. */
  readonly error_code: number;
  /** The request as sent (its last hop). */
  readonly request: { readonly method: string; readonly url: string };
  /**
   * The body parsed as JSON; with a `selector` (gjson's dotted path: `"items.0.name"`, `"items.#"` for a count), the
   * value at that path (undefined when absent).
   * @throws {SyntaxError} when the body is not JSON.
   * @example Usage
   * ```ts
   * const res = await http.get(`http://127.0.0.1:8000/items`);
   * const first = res.json("items.0.id");
   * ```
   */
  json(selector?: string): any;
}

/** A failed request, when `throw: true` is set: the Response's error and code, and the request. */
export interface HttpError extends Error {
  name: "HttpError";
  /** k6's error code (see the module doc). */
  error_code: number;
  /** The response, when an answer came (a 4xx/5xx); status 0 otherwise. */
  response: Response;
}

/** Statuses that count as expected (k6's `http.expectedStatuses`): made by {@link expectedStatuses}. */
export interface ExpectedStatuses {
  readonly statuses: readonly (number | { min: number; max: number })[];
}

/** A URL named after its template, made by {@link url}. */
export interface HttpURL {
  /** The URL to request. */
  readonly url: string;
  /** The template with `${}` for each value: the request's `name` (and `url`) tag. */
  readonly name: string;
  toString(): string;
}

/** Options of {@link CookieJar.set} (k6's). */
export interface CookieOptions {
  domain?: string;
  path?: string;
  /** RFC 1123 date. */
  expires?: string;
  /** Seconds. */
  max_age?: number;
  secure?: boolean;
  http_only?: boolean;
}

/**
 * A cookie jar (k6's http.CookieJar). Each VU has one ({@link cookieJar}), used by every request unless its params
 * give another `jar` (or `null`); cookies the answers set land in it. `new http.CookieJar()` makes an empty one.
 */
export declare class CookieJar {
  constructor();
  /**
   * Adds a cookie for `url`'s host and path (or the options' domain and path).
   * @example Usage
   * ```ts
   * http.cookieJar().set("http://127.0.0.1:8000/", "session", "abc", { path: "/" });
   * ```
   */
  set(url: string, name: string, value: string, options?: CookieOptions): void;
  /** The cookies the jar would send to `url`, by name (each name's values, most specific path first). */
  cookiesForURL(url: string): Record<string, string[]>;
  /** Removes every cookie the jar would send to `url`. */
  clear(url: string): void;
  /** Removes the cookie `name` the jar would send to `url`. */
  delete(url: string, name: string): void;
}

/** One request of {@link batch}: a URL (a GET), `[method, url, body?, params?]`, or an object. */
export type BatchRequest =
  | RequestURL
  | [method: string, url: RequestURL, body?: RequestBody, params?: Params]
  | { method?: string; url: RequestURL; body?: RequestBody; params?: Params };

/** Options of `options.http` (loadgen's own; k6 has no equivalent). */
export interface HttpModuleOptions {
  /** PEM CA certificates (text, e.g. `open("./ca.pem")`) trusted in addition to Node's built-in roots. */
  ca?: string | string[];
  /** Offer HTTP/2 over TLS (ALPN; default true). Plain `http://` is always HTTP/1.1. */
  http2?: boolean;
  /** Keep-alive HTTP/1.1 connections per origin, at most (default 0: as many as requests in flight). */
  connectionsPerHost?: number;
  /** Default request timeout (default `"60s"`). */
  timeout?: string | number;
}

/** The top-level options this module reads, with k6's names and meaning (type `options` with them to check keys). */
export interface HttpOptions {
  /** Skip certificate verification for every request. */
  insecureSkipTLSVerify?: boolean;
  /** Client certificates by domain (PEM text, e.g. from `open()`); `domains` omitted: every host. */
  tlsAuth?: { domains?: string[]; cert: string; key: string; password?: string }[];
  /** Hostnames to refuse: exact names or `*.suffix` patterns (k6's). Adds to `--block-hostnames`. */
  blockHostnames?: string[];
  /** Addresses to refuse, as CIDRs or single addresses (k6's). Adds to `--blacklist-ip`. */
  blacklistIPs?: string[];
  /** Default redirects to follow (k6's default: 10). */
  maxRedirects?: number;
  /** The default User-Agent header. */
  userAgent?: string;
  /** Default `responseType: "none"`. */
  discardResponseBodies?: boolean;
  /** Requests of one {@link batch} in flight at once (default 20). */
  batch?: number;
  /** Of those, to one host (default 6; 0: no limit). */
  batchPerHost?: number;
  /** Reject failed requests (transport errors, and refusals) with an {@link HttpError} instead of resolving. */
  throw?: boolean;
  /** loadgen's own settings. */
  http?: HttpModuleOptions;
}

/**
 * Sends a request (k6's `http.request`, which loadgen makes asynchronous as `http.asyncRequest` is in k6).
 * @param method `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, `OPTIONS` (any case).
 * @example Usage
 * ```ts
 * const res = await http.request("POST", `http://127.0.0.1:8000/process?cpu_intensity=2`, null, { tags: { name: "process" } });
 * ```
 */
export function request(method: string, url: RequestURL, body?: RequestBody, params?: Params): Promise<Response>;
/** k6's name for {@link request} (the same function: every loadgen/http call is asynchronous). */
export function asyncRequest(method: string, url: RequestURL, body?: RequestBody, params?: Params): Promise<Response>;

/**
 * A GET.
 * @example Usage
 * ```ts
 * import http from "loadgen/http";
 * import { check } from "loadgen";
 * export default async function () {
 *   const res = await http.get("http://127.0.0.1:8000/health");
 *   check(res, { "is 200": (r) => r.status === 200 });
 * }
 * ```
 */
export function get(url: RequestURL, params?: Params): Promise<Response>;
/**
 * A HEAD (no body is read).
 * @example Usage
 * ```ts
 * const res = await http.head(`http://127.0.0.1:8000/health`);
 * ```
 */
export function head(url: RequestURL, params?: Params): Promise<Response>;
/**
 * A POST. An object body is sent form-encoded; send JSON as text with a content type.
 * @example Usage
 * ```ts
 * const res = await http.post(`http://127.0.0.1:8000/items`, JSON.stringify({ a: 1 }), { headers: { "Content-Type": "application/json" } });
 * ```
 */
export function post(url: RequestURL, body?: RequestBody, params?: Params): Promise<Response>;
/**
 * A PUT.
 * @example Usage
 * ```ts
 * await http.put(`http://127.0.0.1:8000/items/1`, "text");
 * ```
 */
export function put(url: RequestURL, body?: RequestBody, params?: Params): Promise<Response>;
/**
 * A PATCH.
 * @example Usage
 * ```ts
 * await http.patch(`http://127.0.0.1:8000/items/1`, JSON.stringify({ a: 2 }), { headers: { "Content-Type": "application/json" } });
 * ```
 */
export function patch(url: RequestURL, body?: RequestBody, params?: Params): Promise<Response>;
/**
 * A DELETE (k6's `http.del`: `delete` is a reserved word).
 * @example Usage
 * ```ts
 * await http.del(`http://127.0.0.1:8000/process/cleanup`);
 * ```
 */
export function del(url: RequestURL, body?: RequestBody, params?: Params): Promise<Response>;
/**
 * An OPTIONS.
 * @example Usage
 * ```ts
 * const res = await http.options(`http://127.0.0.1:8000/items`);
 * ```
 */
export function options(url: RequestURL, body?: RequestBody, params?: Params): Promise<Response>;

/**
 * Sends several requests in parallel (at most `options.batch` at once, `options.batchPerHost` to one host) and
 * resolves with their responses in the same order (or under the same keys, for an object).
 * @example Usage
 * ```ts
 * const [a, b] = await http.batch([`http://127.0.0.1:8000/a`, ["POST", `http://127.0.0.1:8000/b`, "x"]]);
 * const byName = await http.batch({ health: `http://127.0.0.1:8000/health`, ready: { method: "GET", url: `http://127.0.0.1:8000/ready` } });
 * ```
 */
export function batch(requests: BatchRequest[]): Promise<Response[]>;
export function batch<K extends string>(requests: Record<K, BatchRequest>): Promise<Record<K, Response>>;

/**
 * Statuses to count as expected (k6's): numbers and `{ min, max }` ranges.
 * @example Usage
 * ```ts
 * http.setResponseCallback(http.expectedStatuses(200, 404, { min: 500, max: 503 }));
 * ```
 */
export function expectedStatuses(...statuses: (number | { min: number; max: number })[]): ExpectedStatuses;

/**
 * Sets which statuses every later request of this VU counts as expected (`http_req_failed`, the
 * `expected_response` tag). `null`: no request is judged (no `expected_response` tag, no `http_req_failed` sample).
 * Call it in the init context to set it for every VU. The default is `expectedStatuses({ min: 200, max: 399 })`.
 * @example Usage
 * ```ts
 * http.setResponseCallback(http.expectedStatuses(201, 202));
 * ```
 */
export function setResponseCallback(callback: ExpectedStatuses | null): void;

/**
 * A URL named after its template (k6's ``http.url`…` ``): requests to it carry `name` = the template with `${}` for
 * each value, so ids in URLs do not make one series each.
 * @example Usage
 * ```ts
 * const id = 42;
 * const res = await http.get(http.url`http://127.0.0.1:8000/items/${id}`); // name: "http://127.0.0.1:8000/items/${}"
 * ```
 */
export function url(strings: TemplateStringsArray, ...values: unknown[]): HttpURL;

/**
 * The VU's cookie jar (every request uses it unless its params give another `jar`).
 * @example Usage
 * ```ts
 * const jar = http.cookieJar();
 * jar.set("http://127.0.0.1:8000/", "session", "abc");
 * console.log(jar.cookiesForURL("http://127.0.0.1:8000/").session); // ["abc"]
 * ```
 */
export function cookieJar(): CookieJar;

/**
 * Everything above in one object: `import http from "loadgen/http"`.
 * @example Usage
 * ```ts
 * import http from "loadgen/http";
 * const res = await http.get("http://127.0.0.1:8000/");
 * ```
 */
declare const http: {
  readonly request: typeof request;
  readonly asyncRequest: typeof asyncRequest;
  readonly get: typeof get;
  readonly head: typeof head;
  readonly post: typeof post;
  readonly put: typeof put;
  readonly patch: typeof patch;
  readonly del: typeof del;
  readonly options: typeof options;
  readonly batch: typeof batch;
  readonly expectedStatuses: typeof expectedStatuses;
  readonly setResponseCallback: typeof setResponseCallback;
  readonly url: typeof url;
  readonly cookieJar: typeof cookieJar;
  readonly CookieJar: typeof CookieJar;
  readonly file: typeof file;
};
export default http;
