// One HTTP request on undici's dispatch interface, from its first attempt to its outcome. Bytes are counted as they
// stream and kept only when the caller wants them (or for an error status, whose body says why). A request an
// HTTP/2 GOAWAY took down is sent once more over HTTP/1.1, and a 429/5xx with Retry-After up to `maxRetries` times.
// The exchange is its own undici handler and its own result (no stream, no Response object): one object per request,
// and its promise is the caller's, so a request costs one await however many layers sit above it. It marks the moments
// k6's timings are made of (dispatched, connection ready, request written, first byte, end) and, on a guarded pool,
// learns from its connection (guarded-connector.ts) whether it was the one to open it.
import type { Dispatcher } from "undici";
import type { ConnectionPool } from "./connection-pool.ts";
import type { ConnectionAware, ObservedConnection } from "./guarded-connector.ts";

/** How a request is sent, apart from its method, path, headers and body: made once per kind of request. */
export interface ExchangeOptions {
  /** Keep and return the body. */
  readonly keepBody?: boolean;
  /** Keep the body of an error status (4xx/5xx) even without keepBody, since it says why (default true). */
  readonly keepErrorBody?: boolean;
  /** Keep the response headers (`rawHeaders`) and the status text. */
  readonly keepHeaders?: boolean;
  /** Per-request timeout, overriding the transport's. */
  readonly timeoutMs?: number;
  /**
   * End the request as a success once this text has arrived in the body (kperf's watchList: until the bookmark that
   * closes the initial events), instead of waiting for the server to end it.
   */
  readonly until?: string;
}

/** What an exchange needs from its transport. */
export interface ExchangeContext {
  readonly pool: ConnectionPool;
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

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

/** One request and, once `promise` resolves (it never rejects), how it ended. */
export class Exchange implements ConnectionAware {
  /** The HTTP status of the last attempt; 0 when no response came (`error` says why). */
  status = 0;
  /** Body bytes received by the last attempt. */
  bytes = 0;
  /** The transport failure, when no response came or it broke off. */
  error: Error | undefined;
  /** From the first dispatch to the outcome, retries included. */
  durationMs = 0;
  /** Bytes of the status line and headers of the last attempt's answer (as HTTP/1.1 frames them). */
  headerBytes = 0;
  /** The response headers as undici gives them (name, value, …), when `keepHeaders`. */
  rawHeaders: Buffer[] | undefined;
  /** The status line's reason phrase (HTTP/1.1 only), when `keepHeaders`. */
  statusText = "";
  // Moments of the last attempt (performance.now(), ms; 0 when not reached): k6's timings are their differences.
  /** The request was handed to the pool. */
  dispatchedAt = 0;
  /** A connection took it (after waiting for one, or for a new one to open). */
  connectedAt = 0;
  /** It was written. */
  sentAt = 0;
  /** The first byte of the answer arrived. */
  firstByteAt = 0;
  /** It ended (answered, failed or cut short). */
  endedAt = 0;
  /** TCP connect time, when this request opened its connection (guarded pools only; else 0). */
  connectingMs = 0;
  /** TLS handshake time, when this request opened its connection. */
  tlsMs = 0;
  /** The connection's protocol, on a guarded pool (`HTTP/1.1` or `HTTP/2.0`). */
  protocol = "HTTP/1.1";
  /** Set by an ObservedClient as it takes the request. */
  connection: ObservedConnection | undefined = undefined;
  readonly promise: Promise<Exchange>;
  #resolve!: (x: Exchange) => void;
  readonly #ctx: ExchangeContext;
  readonly #method: Dispatcher.HttpMethod;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #body: string | Buffer | undefined;
  readonly #keep: boolean;
  readonly #keepError: boolean;
  readonly #keepHeaders: boolean;
  readonly #until: string | undefined;
  readonly #timeoutMs: number;
  readonly #started: number;
  #dispatcher: Dispatcher;
  #attempt = 0;
  #chunks: Buffer[] | null;
  #retryAfterS: number | undefined;
  #tail = "";
  #found = false;
  #abort: ((err?: Error) => void) | undefined;
  /** This attempt's end was counted off its connection's in-flight requests. */
  #released = false;

  constructor(ctx: ExchangeContext, method: Dispatcher.HttpMethod, path: string, headers: Record<string, string>, body: string | Buffer | undefined, o: ExchangeOptions, dispatcher: Dispatcher) {
    this.#ctx = ctx;
    this.#method = method;
    this.#path = path;
    this.#headers = headers;
    this.#body = body;
    this.#keep = o.keepBody === true;
    this.#keepError = o.keepErrorBody !== false;
    this.#keepHeaders = o.keepHeaders === true;
    this.#until = o.until;
    this.#timeoutMs = o.timeoutMs ?? ctx.timeoutMs;
    this.#dispatcher = dispatcher;
    this.#chunks = this.#keep ? [] : null;
    this.promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#started = performance.now();
    this.#send();
  }

  /** True when the body was kept (asked for, or an error status). */
  get kept(): boolean {
    return this.#chunks !== null;
  }

  /** The kept body as text ("" when none was kept). */
  text(): string {
    const c = this.#chunks;
    if (c === null || c.length === 0) return "";
    return c.length === 1 ? c[0]!.toString("utf8") : Buffer.concat(c).toString("utf8");
  }

  /** The kept body's bytes (empty when none was kept). */
  bodyBytes(): Buffer {
    const c = this.#chunks;
    if (c === null || c.length === 0) return Buffer.alloc(0);
    return c.length === 1 ? c[0]! : Buffer.concat(c);
  }

  #send(): void {
    this.dispatchedAt = performance.now();
    this.#released = false;
    this.connection = undefined;
    try {
      this.#dispatcher.dispatch(
        {
          path: this.#path,
          method: this.#method,
          headers: this.#headers,
          body: this.#body ?? null,
          // undici holds a non-idempotent request (POST, PATCH) on an HTTP/2 session until every other stream on it
          // ends, which a watch never does; loadgen never lets undici resend on its own, so mark every request so.
          idempotent: true,
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#until === undefined ? this.#timeoutMs : 0,
        },
        this,
      );
    } catch (e) {
      this.onError(e as Error);
    }
  }

  /** Starts the next attempt with a clean slate. */
  #retry(): void {
    this.#attempt++;
    this.status = 0;
    this.bytes = 0;
    this.error = undefined;
    this.headerBytes = 0;
    this.rawHeaders = undefined;
    this.connectedAt = this.sentAt = this.firstByteAt = this.endedAt = 0;
    this.connectingMs = this.tlsMs = 0;
    this.#chunks = this.#keep ? [] : null;
    this.#retryAfterS = undefined;
    this.#tail = "";
    this.#send();
  }

  #done(): void {
    const now = performance.now();
    this.endedAt = now;
    this.durationMs = now - this.#started;
    this.#resolve(this);
  }

  // ---- undici's DispatchHandler ----

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    this.connectedAt = performance.now();
    const c = this.connection;
    if (c !== undefined) {
      this.protocol = c.protocol;
      // The first request on a new connection is the one that waited for it to open.
      if (c.connectingMs !== undefined) {
        this.connectingMs = c.connectingMs;
        this.tlsMs = c.tlsMs;
        c.connectingMs = undefined;
      }
    }
  }

  onRequestSent(): void {
    this.sentAt = performance.now();
  }

  onResponseStarted(): void {
    this.firstByteAt = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume?: unknown, statusText?: string): boolean {
    if (statusCode < 200) return true; // 1xx informational
    this.status = statusCode;
    if (this.firstByteAt === 0) this.firstByteAt = performance.now();
    // "HTTP/1.1 200 OK\r\n", each "name: value\r\n", and the blank line.
    let n = 15 + (statusText?.length ?? 0);
    for (let i = 0; i < rawHeaders.length; i++) n += rawHeaders[i]!.length + 2;
    this.headerBytes = n;
    if (this.#keepHeaders) {
      this.rawHeaders = rawHeaders;
      this.statusText = statusText ?? "";
    }
    if (statusCode >= 400 && this.#keepError) {
      this.#chunks ??= [];
      if (statusCode === 429 || statusCode >= 500) this.#retryAfterS = retryAfter(rawHeaders);
    } else if (!this.#keep) this.#chunks = null;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.#chunks !== null) this.#chunks.push(chunk);
    if (this.#until !== undefined && this.status < 400) {
      const text = this.#tail + chunk.toString("latin1");
      if (text.includes(this.#until)) {
        this.#found = true;
        this.#done();
        this.#abort?.(new Error("loadgen: got what it waited for"));
        return false;
      }
      this.#tail = text.slice(-this.#until.length);
    }
    return true;
  }

  /** Counts this attempt off its connection (once), so the pool sends the next request there. */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    const c = this.connection;
    if (c !== undefined) c.inFlight--;
  }

  onComplete(): void {
    this.#release();
    if (this.#found) return;
    const s = this.status;
    if (s >= 400 && this.#attempt < this.#ctx.maxRetries && this.#retryAfterS !== undefined && (s === 429 || s >= 500)) {
      setTimeout(() => this.#retry(), this.#retryAfterS * 1000);
      return;
    }
    this.#done();
  }

  onError(err: Error): void {
    this.#release();
    if (this.#found) return;
    if (this.status === 0 && this.#attempt < GOAWAY_RETRIES && goaway(err)) {
      this.#dispatcher = this.#ctx.pool.http1();
      this.#retry();
      return;
    }
    this.error = err;
    this.#done();
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
