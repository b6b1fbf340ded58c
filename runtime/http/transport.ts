// The HTTP transport of one origin: a connection pool, a client-side rate limit, request headers made once per kind,
// and exchanges (exchange.ts) that time and count every request. Generic: it knows nothing of the API behind the
// origin, records no metrics and throws nothing; a client on top (runtime/kube) reads the outcome, records its
// samples and shapes its errors.
import type { Dispatcher } from "undici";
import type { ConnectionPool } from "./connection-pool.ts";
import { Exchange, type ExchangeContext, type ExchangeOptions } from "./exchange.ts";
import type { RateLimiter } from "./rate-limiter.ts";

export interface HttpTransportOptions {
  /** Per-request timeout (headers, and body unless the request ends on `until`). */
  readonly timeoutMs: number;
  /** Retries of a 429/5xx that carries Retry-After (kperf's maxRetries). */
  readonly maxRetries: number;
  readonly userAgent: string;
}

export class HttpTransport implements ExchangeContext {
  readonly pool: ConnectionPool;
  readonly limiter: RateLimiter;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly #userAgent: string;
  readonly #headerCache = new Map<string, Record<string, string>>();
  #headersFor: Readonly<Record<string, string>> | undefined;

  constructor(pool: ConnectionPool, limiter: RateLimiter, o: HttpTransportOptions) {
    this.pool = pool;
    this.limiter = limiter;
    this.timeoutMs = o.timeoutMs;
    this.maxRetries = o.maxRetries;
    this.#userAgent = o.userAgent;
  }

  /**
   * Request headers: `base` (credentials) with this accept/content-type pair and the user agent, made once and reused
   * until `base` is another object (the credentials rotated).
   */
  headers(base: Readonly<Record<string, string>>, accept: string, contentType: string | undefined): Record<string, string> {
    if (this.#headersFor !== base) {
      this.#headerCache.clear();
      this.#headersFor = base;
    }
    const key = contentType === undefined ? accept : accept + "\n" + contentType;
    let h = this.#headerCache.get(key);
    if (h === undefined) {
      h = { ...base, accept, "user-agent": this.#userAgent };
      if (contentType !== undefined) h["content-type"] = contentType;
      this.#headerCache.set(key, h);
    }
    return h;
  }

  /**
   * Sends one request after a rate-limit token (unless `limited`: the caller already waited for one), on `dispatcher`
   * (default: the pool's next connection). Resolves, never rejects, with the exchange: its status, bytes, kept body,
   * error and duration.
   */
  send(
    method: Dispatcher.HttpMethod,
    path: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    o: ExchangeOptions,
    dispatcher?: Dispatcher,
    limited?: boolean,
  ): Promise<Exchange> {
    if (limited !== true) {
      const wait = this.limiter.take();
      if (wait !== undefined) return wait.then(() => new Exchange(this, method, path, headers, body, o, dispatcher ?? this.pool.next()).promise);
    }
    return new Exchange(this, method, path, headers, body, o, dispatcher ?? this.pool.next()).promise;
  }

  /**
   * Opens a long-lived GET (a watch) on the next connection with the caller's own handler: no rate limit, no retry, no
   * body timeout (only the headers must come within the timeout).
   */
  stream(path: string, headers: Record<string, string>, handler: Dispatcher.DispatchHandler): void {
    try {
      this.pool.next().dispatch({ path, method: "GET", headers, headersTimeout: this.timeoutMs, bodyTimeout: 0 }, handler);
    } catch (e) {
      handler.onError!(e as Error);
    }
  }

  /** Closes every connection; requests in flight are aborted. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
