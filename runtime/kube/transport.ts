// The one place a Kubernetes API request is sent and its sample recorded. Bodies are counted as they stream and kept
// only when the caller wants the objects (or the server answered with an error, whose Status message we report).
// Handlers use undici's dispatch interface directly: no stream, no Response object, one small object per request.
import type { Dispatcher } from "undici";
import type { Metric, MetricRegistry } from "../metrics/metric.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { ClusterAccess } from "./cluster-access.ts";
import type { ConnectionPool } from "../http/connection-pool.ts";
import type { RateLimiter } from "../http/rate-limiter.ts";
import { classifyError, httpErrorFromStatus, K8sError, type ErrorClass } from "./errors.ts";

/** The metrics of loadgen/k8s, registered once per run. */
export interface K8sMetrics {
  readonly requests: Metric;
  readonly duration: Metric;
  readonly errors: Metric;
  readonly bytes: Metric;
  readonly watchEvents: Metric;
}

export function registerK8sMetrics(registry: MetricRegistry): K8sMetrics {
  return {
    requests: registry.register("k8s_requests", "counter"),
    duration: registry.register("k8s_request_duration", "trend", "time"),
    errors: registry.register("k8s_request_errors", "counter"),
    bytes: registry.register("k8s_bytes_received", "counter", "data"),
    watchEvents: registry.register("k8s_watch_events", "counter"),
  };
}

/**
 * What a request is, apart from its body: computed once per distinct request shape and reused, so the hot path
 * builds no strings. It also caches the tag sets its samples carry, per base tag set and per status code.
 */
export class Endpoint {
  readonly verb: string;
  readonly method: Dispatcher.HttpMethod;
  /** kperf's "METHOD masked-url" key. */
  readonly maskedUrl: string;
  readonly resource: string;
  readonly group: string;
  readonly scope: string;
  readonly #tags = new Map<number, { base: TagSet; byStatus: Map<number, TagSet> }>();

  constructor(o: { verb: string; method: Dispatcher.HttpMethod; maskedUrl: string; resource: string; group: string; scope: string }) {
    this.verb = o.verb;
    this.method = o.method;
    this.maskedUrl = o.maskedUrl;
    this.resource = o.resource;
    this.group = o.group;
    this.scope = o.scope;
  }

  /** `base` (the VU's tags) with this endpoint's tags (verb, resource, group, scope, url) added. */
  baseTags(base: TagSet): TagSet {
    return this.#entry(base).base;
  }

  #entry(base: TagSet): { base: TagSet; byStatus: Map<number, TagSet> } {
    let entry = this.#tags.get(base.id);
    if (entry === undefined) {
      const t = base.with("verb", this.verb).with("resource", this.resource).with("group", this.group).with("scope", this.scope).with("url", this.maskedUrl);
      entry = { base: t, byStatus: new Map() };
      this.#tags.set(base.id, entry);
    }
    return entry;
  }

  /** The tags of a sample from `base` with this endpoint's and the status code's tags added. */
  tags(base: TagSet, status: number): TagSet {
    const entry = this.#entry(base);
    let tags = entry.byStatus.get(status);
    if (tags === undefined) {
      tags = entry.base.with("status", String(status));
      entry.byStatus.set(status, tags);
    }
    return tags;
  }
}

/** How a request ended, successful or not (errors are also thrown by `send`; `observe` sees both). */
export interface Reply {
  readonly status: number;
  readonly bytes: number;
  /** The body as text, when kept. */
  readonly body: string | undefined;
  readonly durationMs: number;
}

/** One finished request as the kperf runner sees it (every request, including failed ones). */
export interface Observation {
  readonly endpoint: Endpoint;
  readonly durationMs: number;
  readonly bytes: number;
  readonly status: number;
  /** Undefined for a success. */
  readonly error: ErrorClass | undefined;
}

export interface TransportOptions {
  readonly timeoutMs: number;
  /** `Accept` for responses nobody decodes: JSON or protobuf (kperf's contentType). */
  readonly accept: string;
  /** Retries of a 429/5xx that carries Retry-After (kperf's maxRetries). */
  readonly maxRetries: number;
}

export interface SendOptions {
  readonly body?: string;
  readonly contentType?: string;
  /** Keep and return the body (the scenario wants the objects). JSON is asked for whatever `accept` says. */
  readonly keepBody?: boolean;
  /** The connection to use; default: the next one, round-robin. */
  readonly dispatcher?: Dispatcher;
  /** Skip the rate limiter (the caller already waited for it). */
  readonly limited?: boolean;
  /** Per-call timeout, overriding the run's. */
  readonly timeoutMs?: number;
  /**
   * End the request as a success once this text has arrived in the body (kperf's watchList: until the bookmark that
   * closes the initial events), instead of waiting for the server to end it.
   */
  readonly until?: string;
}

const JSON_ACCEPT = "application/json";
/** Resends (over HTTP/1.1) of a request an HTTP/2 GOAWAY took down. */
const GOAWAY_RETRIES = 1;

/**
 * True for a request failed by an HTTP/2 GOAWAY with NO_ERROR (a graceful close). undici 7 fails every stream in flight
 * then, including the one the server is answering; the API server sends one after each unauthenticated request (its
 * HTTP/2 DoS mitigation) and when it shuts down. Such a request is sent once more over HTTP/1.1 (see
 * ConnectionPool.http1): the answer to an unauthenticated request is a 401 either way, and on shutdown the streams
 * above the GOAWAY's last-stream-id were not processed (RFC 9113 §6.8). A write the server had completed just before
 * shutting down may be answered 409 AlreadyExists the second time.
 */
function goaway(err: Error): boolean {
  return /GOAWAY/.test(err.message) && /code 0\b/.test(err.message);
}
const USER_AGENT = "loadgen/0.1 (k8s)";

/** Sends requests for one run: auth, rate limit, connection choice, timing, byte counting, metrics, error shape. */
export class Transport {
  readonly access: ClusterAccess;
  readonly pool: ConnectionPool;
  readonly limiter: RateLimiter;
  readonly metrics: K8sMetrics;
  readonly engine: MetricsEngine;
  readonly options: TransportOptions;
  /** Called after every request (kperf mode keeps raw latencies per URL); undefined in scenario mode. */
  observer: ((o: Observation) => void) | undefined;
  #headerCache = new Map<string, Record<string, string>>();
  #headersFor: Readonly<Record<string, string>> | undefined;

  constructor(access: ClusterAccess, pool: ConnectionPool, limiter: RateLimiter, metrics: K8sMetrics, engine: MetricsEngine, options: TransportOptions) {
    this.access = access;
    this.pool = pool;
    this.limiter = limiter;
    this.metrics = metrics;
    this.engine = engine;
    this.options = options;
  }

  /** Request headers for this accept/content-type pair, rebuilt when the credentials rotate. */
  headers(auth: Readonly<Record<string, string>>, accept: string, contentType: string | undefined): Record<string, string> {
    if (this.#headersFor !== auth) {
      this.#headerCache.clear();
      this.#headersFor = auth;
    }
    const key = contentType === undefined ? accept : accept + "\n" + contentType;
    let h = this.#headerCache.get(key);
    if (h === undefined) {
      h = { ...auth, accept, "user-agent": USER_AGENT };
      if (contentType !== undefined) h["content-type"] = contentType;
      this.#headerCache.set(key, h);
    }
    return h;
  }

  /**
   * Sends one request and records it: k8s_requests and k8s_request_duration (with the status), k8s_bytes_received, and
   * k8s_request_errors (with `kind` and kperf's `error` key) for failures.
   * @throws {K8sError} for an HTTP error status (with `status` and the Status `reason` as `code`) or a transport failure.
   */
  async send(endpoint: Endpoint, pathAndQuery: string, base: TagSet, o: SendOptions = {}): Promise<Reply> {
    if (o.limited !== true) {
      const wait = this.limiter.take();
      if (wait !== undefined) await wait;
    }
    const auth = this.access.cachedHeaders() ?? (await this.access.headers());
    const accept = o.keepBody ? JSON_ACCEPT : this.options.accept;
    const headers = this.headers(auth, accept, o.body === undefined ? undefined : o.contentType);
    let dispatcher = o.dispatcher ?? this.pool.next();
    const timeoutMs = o.timeoutMs ?? this.options.timeoutMs;
    const started = performance.now();
    let attempt = 0;
    for (;;) {
      const handler = new ReplyHandler(o.keepBody === true, o.until);
      try {
        dispatcher.dispatch(
          {
            path: pathAndQuery,
            method: endpoint.method,
            headers,
            body: o.body ?? null,
            // undici holds a non-idempotent request (POST, PATCH) on an HTTP/2 session until every other stream on it
            // ends, which a watch never does; loadgen never lets undici resend on its own, so mark every request so.
            idempotent: true,
            headersTimeout: timeoutMs,
            bodyTimeout: o.until === undefined ? timeoutMs : 0,
          },
          handler,
        );
      } catch (e) {
        handler.onError(e as Error);
      }
      const r = await handler.promise;
      if (r.error !== undefined && r.status === 0 && attempt < GOAWAY_RETRIES && goaway(r.error)) {
        attempt++;
        dispatcher = this.pool.http1();
        continue;
      }
      if (r.error === undefined && r.status >= 400) {
        if (attempt < this.options.maxRetries && r.retryAfterS !== undefined && (r.status === 429 || r.status >= 500)) {
          attempt++;
          await new Promise((res) => setTimeout(res, r.retryAfterS! * 1000));
          continue;
        }
        if (r.status === 401) this.access.invalidate();
      }
      const durationMs = performance.now() - started;
      if (r.error !== undefined) {
        const cls = classifyError(r.error);
        this.#record(endpoint, base, 0, durationMs, r.bytes, cls);
        throw recorded(new K8sError(`${describe(endpoint, pathAndQuery)}: ${cls.message}`, cls.code, 0, cls));
      }
      if (r.status >= 400) {
        const cls: ErrorClass = { kind: "http", key: `http/${r.status}`, code: "", message: "" };
        this.#record(endpoint, base, r.status, durationMs, r.bytes, cls);
        throw recorded(httpErrorFromStatus(describe(endpoint, pathAndQuery), r.status, r.text()));
      }
      this.#record(endpoint, base, r.status, durationMs, r.bytes, undefined);
      return { status: r.status, bytes: r.bytes, body: r.chunks === null ? undefined : r.text(), durationMs };
    }
  }

  /** Records one finished request (also used by watches, whose "duration" is the time to the response headers). */
  record(endpoint: Endpoint, base: TagSet, status: number, durationMs: number, bytes: number, error: ErrorClass | undefined): void {
    this.#record(endpoint, base, status, durationMs, bytes, error);
  }

  /** Counts a failure that ends a stream after its headers (the request itself was already recorded). */
  recordError(endpoint: Endpoint, base: TagSet, status: number, error: ErrorClass): void {
    this.engine.add(this.metrics.errors, endpoint.tags(base, status).with("kind", error.kind).with("error", error.key), 1);
  }

  /** Counts bytes of a stream (watch) as they arrive, outside any request sample. */
  countBytes(endpoint: Endpoint, base: TagSet, status: number, bytes: number): void {
    this.engine.add(this.metrics.bytes, endpoint.tags(base, status), bytes);
  }

  #record(endpoint: Endpoint, base: TagSet, status: number, durationMs: number, bytes: number, error: ErrorClass | undefined): void {
    const tags = endpoint.tags(base, status);
    const engine = this.engine;
    engine.add(this.metrics.requests, tags, 1);
    engine.add(this.metrics.duration, tags, durationMs);
    if (bytes > 0) engine.add(this.metrics.bytes, tags, bytes);
    if (error !== undefined) engine.add(this.metrics.errors, tags.with("kind", error.kind).with("error", error.key), 1);
    if (this.observer !== undefined) this.observer({ endpoint, durationMs, bytes, status, error });
  }

  /**
   * A request made for loadgen's own bookkeeping (discovery, /metrics, cleanup): same connection and credentials, no
   * rate limit, no samples.
   * @throws {K8sError} as `send` does.
   */
  async internal(method: Dispatcher.HttpMethod, pathAndQuery: string, o: { body?: string; contentType?: string; accept?: string } = {}): Promise<{ status: number; body: string }> {
    const auth = this.access.cachedHeaders() ?? (await this.access.headers());
    const headers = this.headers(auth, o.accept ?? JSON_ACCEPT, o.body === undefined ? undefined : o.contentType);
    let r: ReplyHandler;
    for (let attempt = 0; ; attempt++) {
      const handler = new ReplyHandler(true);
      try {
        (attempt === 0 ? this.pool.next() : this.pool.http1()).dispatch(
          { path: this.access.pathPrefix + pathAndQuery, method, headers, body: o.body ?? null, idempotent: true, headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs },
          handler,
        );
      } catch (e) {
        handler.onError(e as Error);
      }
      r = await handler.promise;
      if (!(r.error !== undefined && r.status === 0 && attempt < GOAWAY_RETRIES && goaway(r.error))) break;
    }
    const what = `${method} ${pathAndQuery}`;
    if (r.error !== undefined) {
      const cls = classifyError(r.error);
      throw new K8sError(`${what}: ${cls.message}`, cls.code, 0, cls);
    }
    if (r.status >= 400) throw httpErrorFromStatus(what, r.status, r.text());
    return { status: r.status, body: r.text() };
  }
}

function recorded(e: K8sError): K8sError {
  e.recorded = true;
  return e;
}

function describe(e: Endpoint, pathAndQuery: string): string {
  return `${e.verb} ${e.resource}${e.group ? "." + e.group : ""} (${e.method} ${pathAndQuery})`;
}

/** Collects one response; resolves (never rejects) when it ends. */
class ReplyHandler {
  status = 0;
  bytes = 0;
  chunks: Buffer[] | null;
  error: Error | undefined;
  retryAfterS: number | undefined;
  readonly promise: Promise<ReplyHandler>;
  #resolve!: (h: ReplyHandler) => void;
  readonly #keep: boolean;
  readonly #until: string | undefined;
  #tail = "";
  #found = false;
  #abort: ((err?: Error) => void) | undefined;

  constructor(keep: boolean, until?: string) {
    this.#keep = keep;
    this.#until = until;
    this.chunks = keep ? [] : null;
    this.promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx informational
    this.status = statusCode;
    if (statusCode >= 400) {
      this.chunks ??= [];
      if (statusCode === 429 || statusCode >= 500) this.retryAfterS = retryAfter(rawHeaders);
    } else if (!this.#keep) this.chunks = null;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.chunks !== null) this.chunks.push(chunk);
    if (this.#until !== undefined && this.status < 400) {
      const text = this.#tail + chunk.toString("latin1");
      if (text.includes(this.#until)) {
        this.#found = true;
        this.#resolve(this);
        this.#abort?.(new Error("loadgen: got what it waited for"));
        return false;
      }
      this.#tail = text.slice(-this.#until.length);
    }
    return true;
  }

  onComplete(): void {
    this.#resolve(this);
  }

  onError(err: Error): void {
    if (this.#found) return;
    this.error = err;
    this.#resolve(this);
  }

  text(): string {
    const c = this.chunks;
    if (c === null || c.length === 0) return "";
    return c.length === 1 ? c[0]!.toString("utf8") : Buffer.concat(c).toString("utf8");
  }
}

/** Retry-After in seconds (the API server sends whole seconds), or undefined. */
function retryAfter(raw: Buffer[]): number | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length === 11 && raw[i]!.toString("latin1").toLowerCase() === "retry-after") {
      const n = Number(raw[i + 1]!.toString("latin1"));
      return Number.isFinite(n) && n >= 0 ? Math.min(n, 60) : undefined;
    }
  }
  return undefined;
}
