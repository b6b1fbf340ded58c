import { test } from "uvu";
import * as assert from "uvu/assert";
import { MetricsEngine } from "./engine.ts";
import { MetricRegistry } from "./metric.ts";
import { TagRegistry } from "./tags.ts";
import type { TrendSink } from "./sink.ts";
import type { SampleOutput, SampleRecord } from "../output/types.ts";
import { latencySamples as skewed } from "./test-samples.ts";

function setup() {
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(metrics, tags);
  return { metrics, tags, engine };
}

test("engine.add() keeps one sink per (metric, tag set)", () => {
  const { metrics, tags, engine } = setup();
  const reqs = metrics.register("http_reqs", "counter");
  const get = tags.empty.with("method", "GET");
  const post = tags.empty.with("method", "POST");
  engine.add(reqs, get, 1);
  engine.add(reqs, get, 1);
  engine.add(reqs, post, 1);
  const series = engine.seriesOf(reqs);
  assert.is(series.length, 2);
  assert.equal(series.map((s) => [s.tags.tags.method, s.sink.aggregate("count", 1000)]), [["GET", 2], ["POST", 1]]);
});

test("engine.view() without a filter merges every tag set", () => {
  const { metrics, tags, engine } = setup();
  const reqs = metrics.register("http_reqs", "counter");
  engine.add(reqs, tags.empty.with("method", "GET"), 2);
  engine.add(reqs, tags.empty.with("method", "POST"), 3);
  assert.is(engine.view(reqs)!.aggregate("count", 1000), 5);
});

test("engine.view() with a filter merges only matching tag sets", () => {
  const { metrics, tags, engine } = setup();
  const checks = metrics.register("checks", "rate");
  const burst = tags.empty.with("scenario", "burst");
  engine.add(checks, burst.with("check", "a"), 1);
  engine.add(checks, burst.with("check", "b"), 0);
  engine.add(checks, tags.empty.with("scenario", "steady").with("check", "a"), 0);
  assert.equal(engine.view(checks, { scenario: "burst" })!.summaryValues(0), { rate: 0.5, passes: 1, fails: 1 });
  assert.equal(engine.view(checks, { scenario: "burst", check: "a" })!.summaryValues(0), { rate: 1, passes: 1, fails: 0 });
  assert.is(engine.view(checks, { scenario: "none" }), undefined);
});

test("engine.view() of an untracked view returns a fresh sink that does not alias the series", () => {
  const { metrics, tags, engine } = setup();
  const c = metrics.register("c", "counter");
  engine.add(c, tags.empty, 1);
  engine.view(c)!.add(100);
  assert.is(engine.view(c)!.aggregate("count", 1), 1);
});

test("engine.track() keeps a sub-metric view current, including samples from before it was tracked", () => {
  const { metrics, tags, engine } = setup();
  const dur = metrics.register("d", "trend");
  const burst = tags.empty.with("scenario", "burst");
  engine.add(dur, burst.with("verb", "get"), 1);
  engine.add(dur, tags.empty.with("scenario", "steady"), 100);
  const tracked = engine.track(dur, { scenario: "burst" });
  assert.is(engine.track(dur, { scenario: "burst" }), tracked, "idempotent");
  engine.add(dur, burst.with("verb", "list"), 3);
  engine.add(dur, burst.with("verb", "get"), 2);
  engine.add(dur, tags.empty.with("scenario", "steady"), 200);
  assert.is(engine.view(dur, { scenario: "burst" }), tracked);
  assert.equal(tracked.summaryValues(0), { avg: 2, min: 1, med: 2, max: 3, "p(90)": 2.8, "p(95)": 2.9 });
  assert.is(engine.view(dur)!.aggregate("count", 0), 5, "untracked views still see everything");
});

test("engine.track() of the whole metric and engine.merge() keep tracked views in step", () => {
  const a = setup();
  const b = setup();
  const ca = a.metrics.register("c", "counter");
  const cb = b.metrics.register("c", "counter");
  const total = a.engine.track(ca);
  const onlyX = a.engine.track(ca, { k: "x" });
  a.engine.add(ca, a.tags.empty.with("k", "x"), 1);
  b.engine.add(cb, b.tags.empty.with("k", "x"), 10);
  b.engine.add(cb, b.tags.empty.with("k", "y"), 100);
  a.engine.merge(b.engine.snapshot());
  assert.is(total.aggregate("count", 1), 111);
  assert.is(onlyX.aggregate("count", 1), 11);
});

test("engine.view() of a tracked view without samples is undefined", () => {
  const { metrics, engine } = setup();
  const c = metrics.register("c", "counter");
  engine.track(c, { k: "v" });
  assert.is(engine.view(c, { k: "v" }), undefined);
});

test("engine.view() of a metric without samples is undefined", () => {
  const { metrics, engine } = setup();
  assert.is(engine.view(metrics.register("nothing", "trend")), undefined);
});

test("engine.add() handles tag ids far beyond the row length", () => {
  const { metrics, tags, engine } = setup();
  const c = metrics.register("c", "counter");
  for (let i = 0; i < 3000; i++) tags.empty.with("i", String(i));
  const late = tags.empty.with("i", "2999");
  engine.add(c, late, 1);
  engine.add(c, tags.empty, 1);
  assert.is(engine.sinkOf(c, late)!.aggregate("count", 1), 1);
  assert.is(engine.seriesOf(c).length, 2);
});

test("engine.observedMetrics() lists only metrics with samples", () => {
  const { metrics, tags, engine } = setup();
  metrics.register("a", "counter");
  const b = metrics.register("b", "trend");
  engine.add(b, tags.empty, 1);
  assert.equal(engine.observedMetrics().map((m) => m.name), ["b"]);
});

test("merging two snapshots equals one engine fed every sample", () => {
  const one = setup();
  const w1 = setup();
  const w2 = setup();
  const feed = (e: ReturnType<typeof setup>, values: number[], scenario: string) => {
    const dur = e.metrics.register("k8s_req_duration", "trend", "time");
    const reqs = e.metrics.register("k8s_reqs", "counter");
    const checks = e.metrics.register("checks", "rate");
    const vus = e.metrics.register("vus", "gauge");
    const t = e.tags.empty.with("scenario", scenario);
    values.forEach((v, i) => {
      const verb = i % 3 === 0 ? "list" : "get";
      e.engine.add(dur, t.with("verb", verb), v);
      e.engine.add(reqs, t.with("verb", verb), 1);
      e.engine.add(checks, t.with("check", "ok"), v < 100 ? 1 : 0);
    });
    (e.engine as MetricsEngine).add(vus, t, values.length);
  };
  const a = skewed(30_000, 11);
  const b = skewed(20_000, 12);
  feed(one, a, "burst");
  feed(one, b, "steady");
  feed(w1, a, "burst");
  feed(w2, b, "steady");

  const merged = setup();
  merged.engine.merge(JSON.parse(JSON.stringify(w1.engine.snapshot())));
  merged.engine.merge(JSON.parse(JSON.stringify(w2.engine.snapshot())));

  const m = (e: ReturnType<typeof setup>, name: string) => e.metrics.get(name)!;
  assert.equal(merged.engine.view(m(merged, "k8s_reqs"))!.summaryValues(1000), one.engine.view(m(one, "k8s_reqs"))!.summaryValues(1000));
  assert.equal(merged.engine.view(m(merged, "checks"))!.summaryValues(1000), one.engine.view(m(one, "checks"))!.summaryValues(1000));
  assert.equal(
    merged.engine.view(m(merged, "k8s_reqs"), { verb: "list" })!.summaryValues(1000),
    one.engine.view(m(one, "k8s_reqs"), { verb: "list" })!.summaryValues(1000),
  );
  const tm = merged.engine.view(m(merged, "k8s_req_duration")) as TrendSink;
  const to = one.engine.view(m(one, "k8s_req_duration")) as TrendSink;
  assert.is(tm.count, to.count);
  assert.is(tm.min, to.min);
  assert.is(tm.max, to.max);
  assert.ok(Math.abs(tm.avg() - to.avg()) < 1e-9);
  for (const p of [50, 90, 95, 99]) {
    assert.ok(Math.abs(tm.percentile(p) - to.percentile(p)) / to.percentile(p) < 0.01, `p(${p}) ${tm.percentile(p)} vs ${to.percentile(p)}`);
  }
  assert.is(merged.engine.seriesOf(m(merged, "k8s_req_duration")).length, 4);
  assert.is(m(merged, "k8s_req_duration").contains, "time");
});

test("engine.merge() rejects a metric redefined with another type", () => {
  const a = setup();
  a.metrics.register("x", "counter");
  const b = setup();
  b.metrics.register("x", "trend");
  assert.throws(() => a.engine.merge(b.engine.snapshot()), /already registered as a counter/);
});

test("engine buffers samples only once an output is attached, and flush() hands them over", () => {
  const { metrics, tags, engine } = setup();
  const c = metrics.register("c", "counter");
  engine.add(c, tags.empty, 1);
  const batches: (readonly SampleRecord[])[] = [];
  const output: SampleOutput = {
    describe: () => "test",
    start: async () => {},
    add: (samples) => void batches.push(samples),
    stop: async () => {},
  };
  engine.flush();
  engine.attachOutput(output);
  const before = Date.now();
  engine.add(c, tags.empty.with("k", "v"), 2);
  engine.add(c, tags.empty, 3);
  engine.flush();
  engine.flush();
  assert.is(batches.length, 1);
  assert.equal(batches[0]!.map((s) => [s.metric.name, s.tags.key, s.value]), [["c", "k=v", 2], ["c", "", 3]]);
  assert.ok(batches[0]![0]!.time >= before);
});

test.run();
