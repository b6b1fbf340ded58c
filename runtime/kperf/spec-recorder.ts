// What one spec's requests produced, as kperf reports it: every request's sample goes to the run's metrics as in a
// scenario, and kperf's result is kept beside it — raw latencies per endpoint (successes only), errors by kperf's
// errorStats key, received bytes, and (for --raw-data) every failure. It sits in the client's recorder slot, so the
// transport's hot path calls one recorder and allocates nothing more for kperf.
import type { ErrorClass } from "../http/error-class.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { Endpoint } from "../kube/endpoint.ts";
import type { RequestRecorder } from "../kube/recorder.ts";

/** One failed request in kperf's result (api/types/metric.go ResponseError). */
export interface RawError {
  readonly method: string;
  readonly url: string;
  readonly timestamp: string;
  /** Seconds. */
  readonly duration: number;
  readonly type: "http" | "http2-protocol" | "connection" | "unknown";
  readonly code: number;
  readonly message: string;
}

export class SpecRecorder implements RequestRecorder {
  readonly #metrics: RequestRecorder;
  /** kperf's `METHOD https://server/path?query` of an endpoint. */
  readonly #urlKey: (endpoint: Endpoint) => string;
  /** Seconds, per endpoint, successes only. */
  readonly latencies = new Map<Endpoint, number[]>();
  readonly errorStats = new Map<string, number>();
  /** Only when raw errors are kept. */
  readonly errors: RawError[] | undefined;
  receivedBytes = 0;

  constructor(metrics: RequestRecorder, urlKey: (endpoint: Endpoint) => string, rawErrors: boolean) {
    this.#metrics = metrics;
    this.#urlKey = urlKey;
    this.errors = rawErrors ? [] : undefined;
  }

  request(endpoint: Endpoint, base: TagSet, status: number, durationMs: number, bytes: number, error: ErrorClass | undefined): void {
    this.#metrics.request(endpoint, base, status, durationMs, bytes, error);
    this.receivedBytes += bytes;
    if (error === undefined) {
      let list = this.latencies.get(endpoint);
      if (list === undefined) this.latencies.set(endpoint, (list = []));
      list.push(durationMs / 1000);
    } else {
      const key = error.key === "timeout" ? "unknown/timeout" : error.key;
      this.errorStats.set(key, (this.errorStats.get(key) ?? 0) + 1);
      this.errors?.push(rawError(key, this.#urlKey(endpoint), status, durationMs));
    }
  }

  streamError(endpoint: Endpoint, base: TagSet, status: number, error: ErrorClass): void {
    this.#metrics.streamError(endpoint, base, status, error);
  }

  streamBytes(endpoint: Endpoint, base: TagSet, status: number, bytes: number): void {
    this.#metrics.streamBytes(endpoint, base, status, bytes);
  }

  watchEvent(tags: TagSet): void {
    this.#metrics.watchEvent(tags);
  }
}

function rawError(key: string, url: string, status: number, durationMs: number): RawError {
  const slash = key.indexOf("/");
  const type = key.slice(0, slash) as RawError["type"];
  const method = url.slice(0, url.indexOf(" "));
  return {
    method,
    url: url.slice(method.length + 1),
    timestamp: new Date().toISOString(),
    duration: durationMs / 1000,
    type,
    code: type === "http" ? status : 0,
    message: type === "http" ? "" : key.slice(slash + 1),
  };
}
