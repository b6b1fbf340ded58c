// The snapshot protocol a group's runners use: each drains its engine about once a second into a JSON snapshot of
// the samples since the last one (never the raw samples past EXACT_LIMIT: t-digest centroids), and the coordinator
// merges the snapshots into its engine. The merged percentiles must match an exact computation within t-digest
// error, and everything else (counts, sums, extremes, rates, counters, per tag set) must match exactly.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MetricsEngine, type EngineSnapshot } from "./engine.ts";
import { MetricRegistry } from "./metric.ts";
import type { TrendSink } from "./sink.ts";
import { TagRegistry } from "./tags.ts";
import { exactPercentile, latencySamples } from "./test-samples.ts";

function engine() {
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const e = new MetricsEngine(metrics, tags);
  return {
    e,
    tags,
    duration: metrics.register("k8s_request_duration", "trend", "time"),
    requests: metrics.register("k8s_requests", "counter"),
    checks: metrics.register("checks", "rate"),
    vus: metrics.register("vus", "gauge"),
  };
}

/** Over the wire: what a runner prints is what the coordinator parses. */
const wire = (s: EngineSnapshot): EngineSnapshot => JSON.parse(JSON.stringify(s));

/** Feeds `values` into a worker, draining it every `every` samples into `coordinator` (and once at the end). */
function stream(values: readonly number[], every: number, coordinator: MetricsEngine, worker = engine()): void {
  const list = worker.tags.empty.with("verb", "list");
  const get = worker.tags.empty.with("verb", "get");
  values.forEach((v, i) => {
    const t = i % 4 === 0 ? list : get;
    worker.e.add(worker.duration, t, v);
    worker.e.add(worker.requests, t, 1);
    worker.e.add(worker.checks, t, v < 120 ? 1 : 0);
    if ((i + 1) % every === 0) coordinator.merge(wire(worker.e.drain()));
  });
  coordinator.merge(wire(worker.e.drain()));
}

test("four workers streaming deltas merge into the percentiles of one process, within t-digest error of the exact ones", () => {
  const workers = [1, 2, 3, 4].map((seed) => latencySamples(60_000, seed, 40 + seed * 10));
  const all = workers.flat();
  const one = engine();
  stream(all, Infinity, one.e);
  const merged = engine();
  for (const values of workers) stream(values, 3000, merged.e);

  const m = merged.e.view(merged.duration) as TrendSink;
  const o = one.e.view(one.duration) as TrendSink;
  assert.is(m.count, all.length);
  assert.is(m.min, all.reduce((a, b) => Math.min(a, b)));
  assert.is(m.max, all.reduce((a, b) => Math.max(a, b)));
  assert.ok(Math.abs(m.sum - all.reduce((a, b) => a + b, 0)) < 1e-6 * m.sum);
  for (const p of [50, 90, 95, 99, 99.9]) {
    const exact = exactPercentile(all, p);
    const err = Math.abs(m.percentile(p) - exact) / exact;
    assert.ok(err < 0.01, `merged p(${p}) = ${m.percentile(p).toFixed(3)}, exact ${exact.toFixed(3)}: ${(err * 100).toFixed(2)}% off`);
    const vsOne = Math.abs(m.percentile(p) - o.percentile(p)) / o.percentile(p);
    assert.ok(vsOne < 0.01, `merged p(${p}) = ${m.percentile(p).toFixed(3)}, one process ${o.percentile(p).toFixed(3)}`);
  }
});

test("sub-metrics of merged data: each tag set keeps its own exact counts and close percentiles", () => {
  const values = latencySamples(40_000, 7);
  const merged = engine();
  stream(values.slice(0, 20_000), 1000, merged.e);
  stream(values.slice(20_000), 1000, merged.e);
  const list = values.filter((_, i) => i % 20_000 % 4 === 0);
  const sub = merged.e.view(merged.duration, { verb: "list" }) as TrendSink;
  assert.is(sub.count, list.length);
  assert.is(merged.e.view(merged.requests, { verb: "list" })!.aggregate("count", 1000), list.length);
  const exact = exactPercentile(list, 99);
  assert.ok(Math.abs(sub.percentile(99) - exact) / exact < 0.01, `p(99){verb:list} ${sub.percentile(99)} vs ${exact}`);
});

test("counters and rates merge exactly, whatever the drain cadence", () => {
  const values = latencySamples(10_000, 3);
  const a = engine();
  const b = engine();
  stream(values, 7, a.e);
  stream(values, 5000, b.e);
  assert.equal(a.e.view(a.requests)!.summaryValues(1000), { count: 10_000, rate: 10_000 });
  assert.equal(a.e.view(a.checks)!.summaryValues(1000), b.e.view(b.checks)!.summaryValues(1000));
  assert.is(a.e.view(a.checks)!.summaryValues(1000).passes, values.filter((v) => v < 120).length);
});

test("a tracked threshold view of the coordinator follows every merged delta", () => {
  const values = latencySamples(5000, 9);
  const c = engine();
  const tracked = c.e.track(c.checks, { verb: "get" });
  stream(values, 100, c.e);
  assert.is(tracked.aggregate("count", 1000), values.filter((_, i) => i % 4 !== 0).length);
});

test("drain() empties the series it returns and leaves excluded metrics alone", () => {
  const w = engine();
  w.e.add(w.requests, w.tags.empty, 3);
  w.e.add(w.vus, w.tags.empty, 5);
  const first = w.e.drain(new Set([w.vus]));
  assert.equal(first.series.map((s) => s.metric), ["k8s_requests"]);
  assert.equal(first.metrics.map((m) => m.name), ["k8s_requests"], "only metrics with samples are defined");
  assert.equal(w.e.drain(new Set([w.vus])).series, [], "nothing new since the last drain");
  assert.is(w.e.view(w.vus)!.aggregate("value", 0), 5);
});

test("a trend's delta stays small however many samples it holds: centroids, not samples", () => {
  const w = engine();
  for (const v of latencySamples(200_000, 5)) w.e.add(w.duration, w.tags.empty, v);
  const bytes = JSON.stringify(w.e.drain()).length;
  assert.ok(bytes < 32 * 1024, `a 200,000-sample delta is ${bytes} bytes`);
});

test("gauges merge to the value set last, with the extremes of every worker", () => {
  const c = engine();
  const w1 = engine();
  const w2 = engine();
  w1.e.add(w1.vus, w1.tags.empty, 4);
  c.e.merge(wire(w1.e.drain()));
  w2.e.add(w2.vus, w2.tags.empty, 9);
  w2.e.add(w2.vus, w2.tags.empty, 2);
  c.e.merge(wire(w2.e.drain()));
  assert.equal(c.e.view(c.vus)!.summaryValues(0), { value: 2, min: 2, max: 9 });
});

test.run();
