import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildSummary } from "./build-summary.ts";
import { sampleRun } from "./test-fixture.ts";

test("buildSummary() lists observed metrics with k6's summary values", () => {
  const { metrics, engine, results } = sampleRun();
  const s = buildSummary({ engine, metrics, thresholds: results, elapsedMs: 2000, options: {} });
  assert.equal(s.metrics.http_req_duration!.values, { avg: 55, min: 10, med: 55, max: 100, "p(90)": 91, "p(95)": 90 + 10 * (0.95 * 9 - 8) });
  assert.equal(s.metrics.data_received, { type: "counter", contains: "data", values: { count: 12_345, rate: 6172.5 } });
  assert.equal(s.metrics.vus!.values, { value: 5, min: 5, max: 5 });
  assert.equal(s.metrics.checks!.values, { rate: 4 / 5, passes: 4, fails: 1 });
  assert.is(s.metrics.never_used, undefined);
});

test("buildSummary() adds sub-metrics named in thresholds as their own entries, even without samples", () => {
  const { metrics, engine, results } = sampleRun();
  const s = buildSummary({ engine, metrics, thresholds: results, elapsedMs: 2000, options: {} });
  assert.equal(s.metrics["checks{scenario:burst}"], {
    type: "rate",
    contains: "default",
    values: { rate: 2 / 3, passes: 2, fails: 1 },
    thresholds: { "rate>0.9": { ok: false } },
  });
  assert.equal(s.metrics["http_req_duration{scenario:none}"]!.values.max, 0);
  // Judged as k6 does (an empty trend reads 0, so max<1 holds), but marked as not measured rather than passed.
  assert.equal(s.metrics["http_req_duration{scenario:none}"]!.thresholds, { "max<1": { ok: true, notEvaluated: "http_req_duration has no samples" } });
  assert.equal(s.metrics.http_req_duration!.thresholds, { "p(95)<1000": { ok: true } });
  assert.is(s.metrics.checks!.thresholds, undefined);
  assert.ok(s.state.thresholdsFailed);
});

test("buildSummary() sorts metrics by name with sub-metrics after their parent", () => {
  const { metrics, engine, results } = sampleRun();
  const s = buildSummary({ engine, metrics, thresholds: results, elapsedMs: 2000, options: {} });
  assert.equal(Object.keys(s.metrics), [
    "checks",
    "checks{scenario:burst}",
    "data_received",
    "group_duration",
    "http_req_duration",
    "http_req_duration{scenario:none}",
    "vus",
  ]);
});

test("buildSummary() builds root_group from the checks' group and check tags, k6 style", () => {
  const { metrics, engine } = sampleRun();
  const root = buildSummary({ engine, metrics, elapsedMs: 1000, options: {} }).root_group;
  assert.is(root.name, "");
  assert.is(root.path, "");
  assert.is(root.id, "d41d8cd98f00b204e9800998ecf8427e");
  assert.equal(root.checks.map((c) => [c.name, c.path, c.passes, c.fails]), [["status is 200", "::status is 200", 2, 0]]);
  assert.equal(root.groups.map((g) => [g.name, g.path]), [["create", "::create"], ["empty", "::empty"]]);
  const create = root.groups[0]!;
  assert.equal(create.checks.map((c) => [c.name, c.path, c.passes, c.fails]), [["vmi running", "::create::vmi running", 1, 1]]);
  assert.equal(create.groups.map((g) => [g.name, g.path, g.checks.length]), [["nested", "::create::nested", 1]]);
});

test("buildSummary() honours summaryTrendStats and records state", () => {
  const { metrics, engine } = sampleRun();
  const s = buildSummary({
    engine,
    metrics,
    elapsedMs: 1234,
    options: { summaryTrendStats: ["count", "p(99)"], summaryTimeUnit: "ms" },
    aborted: { reason: "interrupted" },
    scenarios: { burst: {} },
  });
  assert.equal(s.metrics.http_req_duration!.values, { count: 10, "p(99)": 99.1 });
  assert.equal(s.options.summaryTrendStats, ["count", "p(99)"]);
  assert.is(s.options.summaryTimeUnit, "ms");
  assert.is(s.state.testRunDurationMs, 1234);
  assert.ok(s.state.aborted);
  assert.is(s.state.abortReason, "interrupted");
  assert.equal(s.scenarios, { burst: {} });
  assert.not.ok(s.state.thresholdsFailed);
});

test("buildSummary() output survives JSON.stringify unchanged", () => {
  const { metrics, engine, results } = sampleRun();
  const s = buildSummary({ engine, metrics, thresholds: results, elapsedMs: 2000, options: {} });
  assert.equal(JSON.parse(JSON.stringify(s)), s);
});

test.run();
