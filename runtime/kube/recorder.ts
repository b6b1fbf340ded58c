// Where the client's requests become samples. A client records every request it sends through a RequestRecorder: a
// run's client records into the run's metrics (k8s_requests, k8s_request_duration, k8s_request_errors,
// k8s_bytes_received, k8s_watch_events); the CLI's clients and loadgen's own scraper record nothing (noRecorder), so
// they need no registry or engine of their own.
import type { ErrorClass } from "../http/error-class.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { Metric, MetricRegistry } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { Endpoint } from "./endpoint.ts";

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

/** What a client tells about its requests. Called on the hot path: implementations must not allocate per call. */
export interface RequestRecorder {
  /** One finished request, successful or not (for a watch: its response headers, `durationMs` the time to them). */
  request(endpoint: Endpoint, base: TagSet, status: number, durationMs: number, bytes: number, error: ErrorClass | undefined): void;
  /** A failure that ended a stream after its headers (the request itself was recorded already). */
  streamError(endpoint: Endpoint, base: TagSet, status: number, error: ErrorClass): void;
  /** Bytes of a stream (a watch) as they arrive, outside any request sample. */
  streamBytes(endpoint: Endpoint, base: TagSet, status: number, bytes: number): void;
  /** One watch event; `tags` are the watch's tags with `type`. */
  watchEvent(tags: TagSet): void;
}

/** Records nothing: for clients outside a run (CLI commands, loadgen's own /metrics scraper). */
export const noRecorder: RequestRecorder = {
  request() {},
  streamError() {},
  streamBytes() {},
  watchEvent() {},
};

/** Records into a run's metrics engine. */
export class MetricsRecorder implements RequestRecorder {
  readonly metrics: K8sMetrics;
  readonly #engine: MetricsEngine;

  constructor(metrics: K8sMetrics, engine: MetricsEngine) {
    this.metrics = metrics;
    this.#engine = engine;
  }

  request(endpoint: Endpoint, base: TagSet, status: number, durationMs: number, bytes: number, error: ErrorClass | undefined): void {
    const tags = endpoint.tags(base, status);
    const engine = this.#engine;
    engine.add(this.metrics.requests, tags, 1);
    engine.add(this.metrics.duration, tags, durationMs);
    if (bytes > 0) engine.add(this.metrics.bytes, tags, bytes);
    if (error !== undefined) engine.add(this.metrics.errors, tags.with("kind", error.kind).with("error", error.key), 1);
  }

  streamError(endpoint: Endpoint, base: TagSet, status: number, error: ErrorClass): void {
    this.#engine.add(this.metrics.errors, endpoint.tags(base, status).with("kind", error.kind).with("error", error.key), 1);
  }

  streamBytes(endpoint: Endpoint, base: TagSet, status: number, bytes: number): void {
    this.#engine.add(this.metrics.bytes, endpoint.tags(base, status), bytes);
  }

  watchEvent(tags: TagSet): void {
    this.#engine.add(this.metrics.watchEvents, tags, 1);
  }
}
