import { test } from "uvu";
import * as assert from "uvu/assert";
import { CounterSink, createSink, EXACT_LIMIT, GaugeSink, RateSink, sinkFromJSON, TrendSink } from "./sink.ts";
import { exactPercentile, latencySamples as skewed } from "./test-samples.ts";

test("CounterSink sums values and reports rate per elapsed second", () => {
  const s = new CounterSink();
  s.add(1);
  s.add(2);
  s.add(3);
  assert.is(s.aggregate("count", 2000), 6);
  assert.is(s.aggregate("rate", 2000), 3);
  assert.equal(s.summaryValues(3000), { count: 6, rate: 2 });
});

test("CounterSink rate is 0 before any time has elapsed", () => {
  const s = new CounterSink();
  s.add(5);
  assert.is(s.aggregate("rate", 0), 0);
});

test("CounterSink with only zero adds is not empty", () => {
  const s = new CounterSink();
  assert.ok(s.isEmpty());
  s.add(0);
  assert.not.ok(s.isEmpty());
});

test("GaugeSink keeps last value, min and max", () => {
  const s = new GaugeSink();
  s.add(5, 1);
  s.add(-2, 2);
  s.add(3, 3);
  assert.equal(s.summaryValues(), { value: 3, min: -2, max: 5 });
  assert.is(s.aggregate("value", 0), 3);
});

test("GaugeSink merge keeps the later-updated value", () => {
  const a = new GaugeSink();
  const b = new GaugeSink();
  a.add(10, 200);
  b.add(99, 100);
  a.merge(b);
  assert.is(a.value, 10);
  assert.is(a.max, 99);
  const c = new GaugeSink();
  c.add(1, 300);
  a.merge(c);
  assert.is(a.value, 1);
  assert.is(a.min, 1);
});

test("GaugeSink merge into an empty gauge takes the other's value", () => {
  const a = new GaugeSink();
  const b = new GaugeSink();
  b.add(7, 1);
  a.merge(b);
  assert.equal(a.summaryValues(), { value: 7, min: 7, max: 7 });
});

test("empty GaugeSink reports zeros, not infinities", () => {
  assert.equal(new GaugeSink().summaryValues(), { value: 0, min: 0, max: 0 });
});

test("RateSink counts non-zero adds as passes", () => {
  const s = new RateSink();
  for (const v of [1, 0, 1, 1, 0.5, 0]) s.add(v);
  assert.equal(s.summaryValues(), { rate: 4 / 6, passes: 4, fails: 2 });
});

test("RateSink without samples has no rate aggregate", () => {
  assert.is(new RateSink().aggregate("rate", 1000), undefined);
  assert.equal(new RateSink().summaryValues(), { rate: 0, passes: 0, fails: 0 });
});

test("TrendSink percentiles match k6's interpolation exactly for small samples", () => {
  const values = [5, 1, 4, 2, 3, 10, 7];
  const s = new TrendSink();
  for (const v of values) s.add(v);
  for (const p of [0, 10, 50, 90, 95, 99, 100]) assert.is(s.percentile(p), exactPercentile(values, p), `p(${p})`);
  assert.equal(s.summaryValues(0), { avg: 32 / 7, min: 1, med: 4, max: 10, "p(90)": exactPercentile(values, 90), "p(95)": exactPercentile(values, 95) });
});

test("TrendSink summaryValues honours summaryTrendStats including count and p(99.9)", () => {
  const s = new TrendSink();
  for (let i = 1; i <= 1000; i++) s.add(i);
  const v = s.summaryValues(0, ["count", "p(99.9)", "sum", "bogus"]);
  assert.equal(Object.keys(v), ["count", "p(99.9)", "sum"]);
  assert.is(v.count, 1000);
  assert.is(v.sum, 500500);
  assert.ok(Math.abs(v["p(99.9)"]! - exactPercentile(Array.from({ length: 1000 }, (_, i) => i + 1), 99.9)) < 1e-9);
});

test("TrendSink with one sample reports it for every percentile", () => {
  const s = new TrendSink();
  s.add(42);
  assert.is(s.percentile(1), 42);
  assert.is(s.percentile(99), 42);
});

test("empty TrendSink reports zeros like k6", () => {
  const s = new TrendSink();
  assert.equal(s.summaryValues(0), { avg: 0, min: 0, med: 0, max: 0, "p(90)": 0, "p(95)": 0 });
});

test("TrendSink past EXACT_LIMIT keeps exact count/min/max and close percentiles", () => {
  const values = skewed(100_000, 7);
  const s = new TrendSink();
  for (const v of values) s.add(v);
  assert.is(s.count, values.length);
  assert.is(s.min, Math.min(...values));
  assert.is(s.max, Math.max(...values));
  for (const p of [50, 90, 95, 99]) {
    const exact = exactPercentile(values, p);
    const got = s.percentile(p);
    assert.ok(Math.abs(got - exact) / exact < 0.01, `p(${p}): ${got} vs ${exact}`);
  }
});

test("TrendSink merge of two small trends stays exact", () => {
  const a = new TrendSink();
  const b = new TrendSink();
  [1, 2, 3].forEach((v) => a.add(v));
  [10, 20].forEach((v) => b.add(v));
  a.merge(b);
  assert.is(a.count, 5);
  assert.is(a.percentile(50), 3);
  assert.is(a.percentile(75), 10);
  assert.is(a.max, 20);
});

test("TrendSink merge crossing EXACT_LIMIT switches to a digest with exact totals", () => {
  const a = new TrendSink();
  const b = new TrendSink();
  const va = skewed(EXACT_LIMIT - 10, 1);
  const vb = skewed(EXACT_LIMIT - 10, 2);
  va.forEach((v) => a.add(v));
  vb.forEach((v) => b.add(v));
  a.merge(b);
  const all = [...va, ...vb];
  assert.is(a.count, all.length);
  assert.ok(Math.abs(a.avg() - all.reduce((x, y) => x + y, 0) / all.length) < 1e-9);
  const exact = exactPercentile(all, 90);
  assert.ok(Math.abs(a.percentile(90) - exact) / exact < 0.02);
});

test("sinkFromJSON(toJSON()) round-trips every sink type", () => {
  const t = new TrendSink();
  skewed(5000, 3).forEach((v) => t.add(v));
  const small = new TrendSink();
  [3, 1, 2].forEach((v) => small.add(v));
  const g = new GaugeSink();
  g.add(4, 10);
  const c = new CounterSink();
  c.add(3);
  const r = new RateSink();
  r.add(1);
  r.add(0);
  for (const sink of [t, small, g, c, r, new TrendSink(), new GaugeSink()]) {
    const copy = sinkFromJSON(JSON.parse(JSON.stringify(sink.toJSON())));
    assert.equal(copy.toJSON(), sink.toJSON(), sink.type);
    assert.equal(copy.summaryValues(1000), sink.summaryValues(1000), sink.type);
  }
});

test("merging sinks of different types throws", () => {
  assert.throws(() => createSink("counter").merge(createSink("trend")), /cannot merge a trend sink into a counter sink/);
});

test.run();
