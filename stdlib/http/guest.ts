// Guest shim of `loadgen/http`: thin. A request goes to the host as (method, url, body, params JSON) and comes back as
// one number (host-calls.ts EncodedResponse): the Response object decodes its status and error code from it, and asks
// the host for headers, body, timings and cookies only when the scenario reads them. `responseType: "text"` and
// `"binary"` copy the body in as the response arrives (inside the settlement: no extra promise job). batch() runs here,
// over the same request function, with k6's batch/batchPerHost limits.
import type {
  BatchRequest,
  CookieOptions,
  CookieJar as CookieJarApi,
  ExpectedStatuses,
  FileData as FileDataApi,
  HttpError,
  HttpURL,
  Params,
  RequestBody,
  RequestURL,
  Response as ResponseApi,
  ResponseCookie,
  Timings,
} from "loadgen/http";
import type { EncodedResponse, HttpGuestOptions, HttpParamsWire, HttpResponseMeta, JsonText } from "../host-calls.ts";
import { host, jsonText, parseJson } from "../guest-host.ts";

const responseHost = /* @__PURE__ */ host.sync("http.response");
const bodyHost = /* @__PURE__ */ host.sync("http.body");
const infoHost = /* @__PURE__ */ host.sync("http.info");
const setCallbackHost = /* @__PURE__ */ host.sync("http.setResponseCallback");
const jarNewHost = /* @__PURE__ */ host.sync("http.jarNew");
const jarSetHost = /* @__PURE__ */ host.sync("http.jarSet");
const jarCookiesHost = /* @__PURE__ */ host.sync("http.jarCookies");
const jarClearHost = /* @__PURE__ */ host.sync("http.jarClear");
// One binding per way of reading the body, each shaping the Response inside the settlement.
const requestLazy = /* @__PURE__ */ host.async("http.request", (v: EncodedResponse) => settled(new Response(v, "text")));
const requestText = /* @__PURE__ */ host.async("http.request", (v: EncodedResponse) => settled(new Response(v, "text").load()));
const requestBinary = /* @__PURE__ */ host.async("http.request", (v: EncodedResponse) => settled(new Response(v, "binary").load()));

let guestOptions: HttpGuestOptions | undefined;
/** The options the shim applies (read once, after the init context: the host knows them from the first request on). */
function options(): HttpGuestOptions {
  return (guestOptions ??= parseJson(infoHost()));
}

/** JSON of the host, as the scenario reads it. */
type Decoded = any;

class Response implements ResponseApi {
  readonly status: number;
  readonly error_code: number;
  readonly #id: number;
  readonly #type: "text" | "binary";
  #meta: HttpResponseMeta | undefined;
  #headers: Record<string, string> | undefined;
  #cookies: Record<string, ResponseCookie[]> | undefined;
  #body: string | ArrayBuffer | null | undefined;

  constructor(encoded: EncodedResponse, type: "text" | "binary") {
    if (encoded >= 0) {
      const status = encoded % 1000;
      this.status = status;
      this.error_code = status >= 400 ? 1000 + status : 0;
      this.#id = (encoded - status) / 1000;
    } else {
      const e = -encoded;
      this.status = 0;
      this.error_code = e % 10_000;
      this.#id = (e - this.error_code) / 10_000;
    }
    this.#type = type;
  }

  /** Reads the body now (responseType text/binary). */
  load(): this {
    void this.body;
    return this;
  }

  #m(): HttpResponseMeta {
    return (this.#meta ??= parseJson(responseHost(this.#id, "meta")));
  }

  get status_text(): string {
    return this.#m().status_text;
  }
  get proto(): string {
    return this.#m().proto;
  }
  get url(): string {
    return this.#m().url;
  }
  get error(): string {
    return this.error_code === 0 || this.status !== 0 ? "" : this.#m().error;
  }
  get request(): { readonly method: string; readonly url: string } {
    const m = this.#m();
    return { method: m.method, url: m.url };
  }
  get timings(): Timings {
    const t = this.#m().timings;
    return { blocked: t[0], connecting: t[1], tls_handshaking: t[2], sending: t[3], waiting: t[4], receiving: t[5], duration: t[6] };
  }
  get headers(): Record<string, string> {
    return (this.#headers ??= parseJson(responseHost(this.#id, "headers")));
  }
  get cookies(): Record<string, ResponseCookie[]> {
    return (this.#cookies ??= parseJson(responseHost(this.#id, "cookies")));
  }
  get body(): string | ArrayBuffer | null {
    if (this.#body === undefined) {
      const text = bodyHost(this.#id, this.#type);
      this.#body = text === null ? null : this.#type === "binary" ? bytesOf(text) : text;
    }
    return this.#body;
  }

  json(selector?: string): Decoded {
    const b = this.body;
    if (b === null) throw new SyntaxError("the response has no body (responseType \"none\", or no answer)");
    const v = JSON.parse(typeof b === "string" ? b : utf8Of(new Uint8Array(b)));
    return selector === undefined ? v : select(v, selector);
  }
}

/** A settled response, or the HttpError it is with `throw: true` (thrown inside the settlement: the promise rejects). */
function settled(r: Response): Response {
  if (r.status === 0 && r.error_code !== 0 && options().throw) {
    const e = new Error(r.error) as HttpError;
    e.name = "HttpError";
    e.error_code = r.error_code;
    e.response = r;
    throw e;
  }
  return r;
}

/** gjson's basic paths: `a.b.0.c`, and `#` for an array's length. */
function select(v: Decoded, path: string): Decoded {
  let cur: Decoded = v;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = part === "#" && Array.isArray(cur) ? cur.length : cur[part];
  }
  return cur;
}

function bytesOf(latin1: string): ArrayBuffer {
  const bytes = new Uint8Array(latin1.length);
  // The host sends NUL as U+0100 (a string with NUL crosses the slow way): keep the low byte.
  for (let i = 0; i < latin1.length; i++) bytes[i] = latin1.charCodeAt(i) & 255;
  return bytes.buffer;
}

/** Bytes as latin1 text for the host, NUL as U+0100 (a string with NUL crosses the slow way; the host keeps the low byte). */
function latin1Of(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    const part = Array.from(bytes.subarray(i, i + 8192), (b) => (b === 0 ? 256 : b));
    s += String.fromCharCode.apply(null, part);
  }
  return s;
}

/** UTF-8 bytes as text (for json() of a binary body). */
function utf8Of(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return decodeURIComponent(escape(s));
}

class FileData implements FileDataApi {
  readonly data: string | ArrayBuffer | number[];
  readonly filename: string;
  readonly content_type: string;
  constructor(data: string | ArrayBuffer | number[], filename: string, contentType: string) {
    this.data = data;
    this.filename = filename;
    this.content_type = contentType;
  }
}

export function file(data: string | ArrayBuffer | number[], filename?: string, contentType?: string): FileDataApi {
  if (!(typeof data === "string" || data instanceof ArrayBuffer || Array.isArray(data))) throw new TypeError("file(): data is text, an ArrayBuffer or an array of byte values");
  return new FileData(data, filename === undefined ? `${Date.now()}000000` : String(filename), contentType === undefined ? "application/octet-stream" : String(contentType));
}

/** Text as its UTF-8 bytes. */
function utf8Bytes(s: string): Uint8Array {
  const bin = unescape(encodeURIComponent(s));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A form with files as multipart/form-data bytes (RFC 7578), its fields in the object's order. */
function multipart(o: Record<string, unknown>, boundary: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const quoted = (v: string) => v.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c));
  for (const k of Object.keys(o)) {
    const v = o[k];
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(k)}"`;
    let bytes: Uint8Array;
    if (v instanceof FileData) {
      head += `; filename="${quoted(v.filename)}"\r\nContent-Type: ${v.content_type}`;
      bytes = typeof v.data === "string" ? utf8Bytes(v.data) : v.data instanceof ArrayBuffer ? new Uint8Array(v.data) : Uint8Array.from(v.data);
    } else bytes = utf8Bytes(String(v));
    parts.push(utf8Bytes(head + "\r\n\r\n"), bytes, utf8Bytes("\r\n"));
  }
  parts.push(utf8Bytes(`--${boundary}--\r\n`));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function formEncode(o: Record<string, unknown>): string {
  let s = "";
  for (const k of Object.keys(o)) s += (s === "" ? "" : "&") + encodeURIComponent(k) + "=" + encodeURIComponent(String(o[k]));
  return s;
}

function hasHeader(p: Params | undefined, name: string): boolean {
  if (p?.headers === undefined) return false;
  for (const k of Object.keys(p.headers)) if (k.toLowerCase() === name) return true;
  return false;
}

class NamedURL implements HttpURL {
  readonly url: string;
  readonly name: string;
  constructor(url: string, name: string) {
    this.url = url;
    this.name = name;
  }
  toString(): string {
    return this.url;
  }
}

// The request functions are not async: an async wrapper would add a promise and a job per call inside QuickJS.
export function request(method: string, url: RequestURL, body?: RequestBody, params?: Params): Promise<ResponseApi> {
  let p = params;
  let u: string;
  if (url instanceof NamedURL) {
    u = url.url;
    if (p?.tags?.name === undefined) p = { ...p, tags: { ...p?.tags, name: url.name } };
  } else u = String(url);
  let b: string | undefined;
  let binary = false;
  if (body === null || body === undefined) b = undefined;
  else if (typeof body === "string") b = body;
  else if (body instanceof ArrayBuffer) {
    b = latin1Of(new Uint8Array(body));
    binary = true;
  } else if (ArrayBuffer.isView(body)) {
    b = latin1Of(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    binary = true;
  } else if (typeof body === "object") {
    if (Object.keys(body).some((k) => (body as Record<string, unknown>)[k] instanceof FileData)) {
      const boundary = `loadgen${Math.random().toString(16).slice(2)}${Math.random().toString(16).slice(2)}`;
      b = latin1Of(multipart(body, boundary));
      binary = true;
      if (!hasHeader(p, "content-type")) p = { ...p, headers: { ...p?.headers, "Content-Type": `multipart/form-data; boundary=${boundary}` } };
    } else {
      b = formEncode(body);
      if (!hasHeader(p, "content-type")) p = { ...p, headers: { ...p?.headers, "Content-Type": "application/x-www-form-urlencoded" } };
    }
  } else b = String(body);
  const type = p?.responseType;
  const send = type === "text" ? requestText : type === "binary" ? requestBinary : requestLazy;
  // A CookieJar crosses as its id (its toJSON); the response callback is plain data already.
  const wire = binary ? jsonText({ ...p, binaryBody: true }) : p === undefined ? undefined : jsonText(p);
  return send(String(method), u, b, wire as unknown as JsonText<HttpParamsWire> | undefined);
}

export const asyncRequest = request;

export function get(url: RequestURL, params?: Params): Promise<ResponseApi> {
  return request("GET", url, undefined, params);
}
export function head(url: RequestURL, params?: Params): Promise<ResponseApi> {
  return request("HEAD", url, undefined, params);
}
export function post(url: RequestURL, body?: RequestBody, params?: Params): Promise<ResponseApi> {
  return request("POST", url, body, params);
}
export function put(url: RequestURL, body?: RequestBody, params?: Params): Promise<ResponseApi> {
  return request("PUT", url, body, params);
}
export function patch(url: RequestURL, body?: RequestBody, params?: Params): Promise<ResponseApi> {
  return request("PATCH", url, body, params);
}
export function del(url: RequestURL, body?: RequestBody, params?: Params): Promise<ResponseApi> {
  return request("DELETE", url, body, params);
}
function optionsRequest(url: RequestURL, body?: RequestBody, params?: Params): Promise<ResponseApi> {
  return request("OPTIONS", url, body, params);
}
export { optionsRequest as options };

/** One batch entry as (method, url, body, params). */
function entry(r: BatchRequest): [string, RequestURL, RequestBody, Params | undefined] {
  if (typeof r === "string" || r instanceof NamedURL) return ["GET", r, undefined, undefined];
  if (Array.isArray(r)) return [r[0], r[1], r[2], r[3]];
  if (r !== null && typeof r === "object" && "url" in r) {
    const o = r as { method?: string; url: RequestURL; body?: RequestBody; params?: Params };
    return [o.method ?? "GET", o.url, o.body, o.params];
  }
  throw new TypeError("batch(): each request is a URL, [method, url, body?, params?] or { method, url, body?, params? }");
}

function hostOf(url: RequestURL): string {
  const u = url instanceof NamedURL ? url.url : String(url);
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(u)?.[1]?.toLowerCase() ?? u;
}

export function batch(requests: BatchRequest[] | Record<string, BatchRequest>): Promise<Decoded> {
  let keys: Array<string | number>;
  let list: BatchRequest[];
  if (Array.isArray(requests)) {
    keys = requests.map((_r, i) => i);
    list = requests;
  } else {
    keys = Object.keys(requests);
    list = keys.map((k) => (requests as Record<string, BatchRequest>)[k as string]!);
  }
  let items: Array<{ key: string | number; host: string; args: ReturnType<typeof entry> }>;
  try {
    items = list.map((r, i) => {
      const args = entry(r);
      return { key: keys[i]!, host: hostOf(args[1]), args };
    });
  } catch (e) {
    return Promise.reject(e);
  }
  const out: Decoded = Array.isArray(requests) ? new Array(items.length) : {};
  if (items.length === 0) return Promise.resolve(out);
  const { batch: max, batchPerHost: perHost } = options();
  return new Promise((resolve, reject) => {
    const pending = items.slice();
    const byHost = new Map<string, number>();
    let active = 0;
    let left = items.length;
    let failed = false;
    const pump = (): void => {
      for (let i = 0; i < pending.length && active < max; ) {
        const it = pending[i]!;
        if (perHost > 0 && (byHost.get(it.host) ?? 0) >= perHost) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        active++;
        byHost.set(it.host, (byHost.get(it.host) ?? 0) + 1);
        request(...it.args).then(
          (res) => {
            out[it.key] = res;
            active--;
            byHost.set(it.host, byHost.get(it.host)! - 1);
            if (--left === 0) resolve(out);
            else if (!failed) pump();
          },
          (e: unknown) => {
            failed = true;
            reject(e);
          },
        );
      }
    };
    pump();
  });
}

export function expectedStatuses(...statuses: (number | { min: number; max: number })[]): ExpectedStatuses {
  for (const s of statuses) {
    const ok = typeof s === "number" ? Number.isInteger(s) : s !== null && typeof s === "object" && Number.isInteger(s.min) && Number.isInteger(s.max);
    if (!ok) throw new TypeError(`expectedStatuses(): ${JSON.stringify(s)} is neither a status code nor { min, max }`);
  }
  return Object.freeze({ statuses: Object.freeze(statuses.slice()) });
}

export function setResponseCallback(callback: ExpectedStatuses | null): void {
  setCallbackHost(jsonText(callback) as JsonText<ExpectedStatuses | null>);
}

export function url(strings: TemplateStringsArray, ...values: unknown[]): HttpURL {
  let u = strings[0]!;
  let name = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    u += String(values[i]) + strings[i + 1]!;
    name += "${}" + strings[i + 1]!;
  }
  return new NamedURL(u, name);
}

export class CookieJar implements CookieJarApi {
  readonly #id: number;
  constructor(id?: number) {
    this.#id = id === 0 ? 0 : jarNewHost();
  }
  set(url: string, name: string, value: string, options?: CookieOptions): void {
    jarSetHost(this.#id, String(url), jsonText({ ...options, name: String(name), value: String(value) })!);
  }
  cookiesForURL(url: string): Record<string, string[]> {
    return parseJson(jarCookiesHost(this.#id, String(url)));
  }
  clear(url: string): void {
    jarClearHost(this.#id, String(url), undefined);
  }
  delete(url: string, name: string): void {
    jarClearHost(this.#id, String(url), String(name));
  }
  /** How params carry a jar to the host. */
  toJSON(): number {
    return this.#id;
  }
}

let vuJar: CookieJar | undefined;
export function cookieJar(): CookieJar {
  return (vuJar ??= new CookieJar(0));
}

const http = /* @__PURE__ */ Object.freeze({
  request,
  asyncRequest,
  get,
  head,
  post,
  put,
  patch,
  del,
  options: optionsRequest,
  batch,
  expectedStatuses,
  setResponseCallback,
  url,
  cookieJar,
  CookieJar,
  file,
});
export default http;
