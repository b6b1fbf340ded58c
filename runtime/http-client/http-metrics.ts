// k6's HTTP metrics, and the samples of one request. Tag sets are built once per (VU tags, request tags, name,
// method) and once per outcome below that, so a request seen before records its ten samples without making a string
// or an object.
import type { MetricsEngine } from "../metrics/engine.ts";
import type { Metric, MetricRegistry } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";

/** k6's built-in HTTP metrics. */
export interface HttpMetrics {
  readonly reqs: Metric;
  readonly duration: Metric;
  readonly blocked: Metric;
  readonly connecting: Metric;
  readonly tlsHandshaking: Metric;
  readonly sending: Metric;
  readonly waiting: Metric;
  readonly receiving: Metric;
  readonly failed: Metric;
  readonly dataSent: Metric;
  readonly dataReceived: Metric;
}

export function registerHttpMetrics(registry: MetricRegistry): HttpMetrics {
  return {
    reqs: registry.register("http_reqs", "counter"),
    duration: registry.register("http_req_duration", "trend", "time"),
    blocked: registry.register("http_req_blocked", "trend", "time"),
    connecting: registry.register("http_req_connecting", "trend", "time"),
    tlsHandshaking: registry.register("http_req_tls_handshaking", "trend", "time"),
    sending: registry.register("http_req_sending", "trend", "time"),
    waiting: registry.register("http_req_waiting", "trend", "time"),
    receiving: registry.register("http_req_receiving", "trend", "time"),
    failed: registry.register("http_req_failed", "rate"),
    dataSent: registry.register("data_sent", "counter", "data"),
    dataReceived: registry.register("data_received", "counter", "data"),
  };
}

/** k6's Response.timings of one request, in ms. */
export interface Timings {
  blocked: number;
  connecting: number;
  tlsHandshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

/** How a request was judged: no response callback (no tag, no http_req_failed sample), expected, or not. */
export type Judged = 0 | 1 | 2;
export const NOT_JUDGED = 0;
export const EXPECTED = 1;
export const UNEXPECTED = 2;

/** The tag sets of one kind of request (VU tags + request tags + method + name), by outcome. */
export class RequestTags {
  readonly base: TagSet;
  readonly #byOutcome = new Map<number, TagSet>();

  constructor(base: TagSet) {
    this.base = base;
  }

  /**
   * The tag set of an outcome (cached: a few per kind of request). `errorCode` and `errorTag` are k6's (0 and "" when
   * none); `proto` is "" when no answer came.
   */
  of(status: number, proto: string, errorCode: number, errorTag: string, judged: Judged): TagSet {
    // One number per outcome: the error code (or the status), the status, the protocol and the judgement.
    const key = (((errorCode * 1000 + status) * 3 + (proto === "HTTP/2.0" ? 2 : proto === "" ? 0 : 1)) * 3) + judged;
    let t = this.#byOutcome.get(key);
    if (t === undefined) {
      t = this.base.with("status", String(status));
      if (proto !== "") t = t.with("proto", proto);
      if (errorCode !== 0) t = t.with("error_code", String(errorCode));
      if (errorTag !== "") t = t.with("error", errorTag);
      if (judged !== NOT_JUDGED) t = t.with("expected_response", judged === EXPECTED ? "true" : "false");
      if (this.#byOutcome.size < 1000) this.#byOutcome.set(key, t);
    }
    return t;
  }
}

/** Records requests into a run's metrics. */
export class HttpRecorder {
  readonly metrics: HttpMetrics;
  readonly #engine: MetricsEngine;
  /** VU tags → request tags (by identity; undefined: none) → name → method → tag sets. */
  readonly #tags = new Map<TagSet, Map<object | undefined, Map<string, Map<string, RequestTags>>>>();
  #size = 0;

  constructor(metrics: HttpMetrics, engine: MetricsEngine) {
    this.metrics = metrics;
    this.#engine = engine;
  }

  /**
   * The tags of a kind of request. `extra` is the request's own tags object (kept by identity: callers reuse one object
   * per distinct tag text); `name` is both the `name` and the `url` tag (k6 ≥ 0.41).
   */
  tagsFor(vu: TagSet, extra: Readonly<Record<string, string>> | undefined, name: string, method: string): RequestTags {
    let byExtra = this.#tags.get(vu);
    if (byExtra === undefined) this.#tags.set(vu, (byExtra = new Map()));
    let byName = byExtra.get(extra);
    if (byName === undefined) byExtra.set(extra, (byName = new Map()));
    let byMethod = byName.get(name);
    if (byMethod === undefined) {
      byMethod = new Map();
      // Past this many distinct names the cache stops growing (each new one is still a series of its own).
      if (this.#size < 50_000) {
        byName.set(name, byMethod);
        this.#size++;
      }
    }
    let t = byMethod.get(method);
    if (t === undefined) {
      let base = vu.with("method", method).with("url", name).with("name", name);
      if (extra !== undefined) base = base.withAll(extra);
      t = new RequestTags(base);
      byMethod.set(method, t);
    }
    return t;
  }

  /** One request's samples (k6's trail): the counter, the trends, the failed rate when judged, the bytes. */
  request(set: TagSet, vu: TagSet, judged: Judged, t: Timings, sentBytes: number, receivedBytes: number): void {
    const m = this.metrics;
    const e = this.#engine;
    e.add(m.reqs, set, 1);
    e.add(m.duration, set, t.duration);
    e.add(m.blocked, set, t.blocked);
    e.add(m.connecting, set, t.connecting);
    e.add(m.tlsHandshaking, set, t.tlsHandshaking);
    e.add(m.sending, set, t.sending);
    e.add(m.waiting, set, t.waiting);
    e.add(m.receiving, set, t.receiving);
    if (judged !== NOT_JUDGED) e.add(m.failed, set, judged === UNEXPECTED ? 1 : 0);
    // k6 counts bytes per VU (its dialer's), tagged with the VU's tags only.
    if (sentBytes > 0) e.add(m.dataSent, vu, sentBytes);
    if (receivedBytes > 0) e.add(m.dataReceived, vu, receivedBytes);
  }
}
