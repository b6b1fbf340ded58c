import { test } from "uvu";
import * as assert from "uvu/assert";
import { MetricsEngine } from "./engine.ts";
import { MetricRegistry } from "./metric.ts";
import { TagRegistry } from "./tags.ts";
import { ThresholdConfigError, ThresholdSet } from "./thresholds.ts";

function setup() {
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(metrics, tags);
  const dur = metrics.register("http_req_duration", "trend", "time");
  const reqs = metrics.register("http_reqs", "counter");
  const checks = metrics.register("checks", "rate");
  const vus = metrics.register("vus", "gauge");
  return { metrics, tags, engine, dur, reqs, checks, vus };
}

function problemsOf(raw: unknown, metrics = setup().metrics): string[] {
  try {
    ThresholdSet.fromOptions(raw, metrics);
  } catch (err) {
    assert.instance(err, ThresholdConfigError);
    return [...(err as ThresholdConfigError).problems];
  }
  return [];
}

test("ThresholdSet.fromOptions() accepts strings and objects", () => {
  const { metrics } = setup();
  const set = ThresholdSet.fromOptions(
    {
      http_req_duration: ["p(95)<250", { threshold: "avg<100", abortOnFail: true, delayAbortEval: "10s" }],
      "checks{scenario:burst}": ["rate>0.99"],
    },
    metrics,
  );
  assert.is(set.definitions.length, 2);
  assert.equal(set.definitions[0]!.conditions[1], {
    condition: { aggregation: "avg", op: "<", value: 100, source: "avg<100" },
    abortOnFail: true,
    delayAbortEvalMs: 10_000,
  });
  assert.equal(set.definitions[1]!.filter, { scenario: "burst" });
  assert.is(set.definitions[1]!.metric, "checks");
});

test("ThresholdSet.fromOptions() of undefined is empty", () => {
  assert.is(ThresholdSet.fromOptions(undefined, new MetricRegistry()).definitions.length, 0);
});

test("ThresholdSet.fromOptions() collects every problem with its key", () => {
  const problems = problemsOf({
    http_req_duration: ["p(101)<250", "rate<0.1", { threshold: "avg<1", delayAbortEval: "5x" }, 42],
    "checks{}": ["rate>0.9"],
    http_reqs: "count>0",
    vus: [{ abortOnFailure: true, threshold: "value>0" }, {}],
  });
  assert.equal(problems.length, 8, problems.join("\n"));
  const text = problems.join("\n");
  assert.match(text, /thresholds\["http_req_duration"\]\[0\]: invalid threshold "p\(101\)<250": percentile 101/);
  assert.match(text, /thresholds\["http_req_duration"\]\[2\]\.delayAbortEval: invalid duration "5x"/);
  assert.match(text, /thresholds\["http_req_duration"\]\[3\]: expected a condition string .* got 42/);
  assert.match(text, /thresholds\["checks\{\}"\]: invalid threshold "checks\{\}": empty tag filter/);
  assert.match(text, /thresholds\["http_reqs"\]: expected an array of conditions .* got "count>0"/);
  assert.match(text, /thresholds\["vus"\]\[0\]: unknown field "abortOnFailure"/);
  assert.match(text, /thresholds\["vus"\]\[1\]: missing "threshold"/);
  assert.match(text, /thresholds\["http_req_duration"\]: "rate<0.1": http_req_duration is a trend, which has no rate; use avg, min, med, max, p\(N\), count/);
});

test("ThresholdSet.fromOptions() rejects p(95) on a counter and rate on a gauge", () => {
  const problems = problemsOf({ http_reqs: ["p(95)<1", "rate>1"], vus: ["rate>1", "max<10"] });
  assert.equal(problems, [
    'thresholds["http_reqs"]: "p(95)<1": http_reqs is a counter, which has no p(95); use count, rate',
    'thresholds["vus"]: "rate>1": vus is a gauge, which has no rate; use value, min, max',
  ]);
});

test("ThresholdSet.fromOptions() rejects a non-object", () => {
  assert.match(problemsOf(["p(95)<1"])[0]!, /^thresholds: expected an object/);
});

test("thresholds on unregistered metrics are deferred: unknownMetrics() and typeProblems() after init", () => {
  const metrics = new MetricRegistry();
  const set = ThresholdSet.fromOptions({ "vmi_ready{phase:Running}": ["rate>0.5"], other: ["count>0"] }, metrics);
  assert.equal(set.unknownMetrics(metrics), ["vmi_ready", "other"]);
  metrics.register("vmi_ready", "trend");
  assert.equal(set.unknownMetrics(metrics), ["other"]);
  assert.equal(set.typeProblems(metrics), ['thresholds["vmi_ready{phase:Running}"]: "rate>0.5": vmi_ready is a trend, which has no rate; use avg, min, med, max, p(N), count']);
});

test("evaluate() passes and fails per condition with the observed value", () => {
  const { metrics, tags, engine, dur } = setup();
  for (let i = 1; i <= 100; i++) engine.add(dur, tags.empty, i);
  const set = ThresholdSet.fromOptions({ http_req_duration: ["p(95)<200", "avg<50", "max<=100", "med==50.5"] }, metrics);
  const r = set.evaluate(engine, 1000);
  assert.equal(r.keys[0]!.conditions.map((c) => [c.source, c.ok, c.observed]), [
    ["p(95)<200", true, 95.05],
    ["avg<50", false, 50.5],
    ["max<=100", true, 100],
    ["med==50.5", true, 50.5],
  ]);
  assert.ok(r.failed);
  assert.equal(r.failedKeys, ["http_req_duration"]);
  assert.not.ok(r.abort);
});

test("evaluate() of a sub-metric only sees matching tag sets", () => {
  const { metrics, tags, engine, checks } = setup();
  engine.add(checks, tags.empty.with("scenario", "burst"), 1);
  engine.add(checks, tags.empty.with("scenario", "steady"), 0);
  const set = ThresholdSet.fromOptions({ "checks{scenario:burst}": ["rate==1"], checks: ["rate==1"] }, metrics);
  const r = set.evaluate(engine, 1000);
  assert.equal(r.keys.map((k) => [k.key, k.ok, k.conditions[0]!.observed]), [
    ["checks{scenario:burst}", true, 1],
    ["checks", false, 0.5],
  ]);
});

test("evaluate() counter rate divides by elapsed seconds", () => {
  const { metrics, tags, engine, reqs } = setup();
  for (let i = 0; i < 50; i++) engine.add(reqs, tags.empty, 1);
  const set = ThresholdSet.fromOptions({ http_reqs: ["rate>=10", "count==50"] }, metrics);
  assert.equal(set.evaluate(engine, 5000).keys[0]!.conditions.map((c) => [c.ok, c.observed]), [[true, 10], [true, 50]]);
  assert.equal(set.evaluate(engine, 10_000).keys[0]!.conditions.map((c) => c.ok), [false, true]);
});

test("evaluate() during the run skips metrics without samples", () => {
  const { metrics, engine } = setup();
  const set = ThresholdSet.fromOptions({ http_reqs: ["count>0"], http_req_duration: ["avg>1"] }, metrics);
  const r = set.evaluate(engine, 1000);
  assert.not.ok(r.failed);
  assert.ok(r.keys.every((k) => k.conditions.every((c) => c.noData && c.ok && c.observed === undefined)));
});

test("evaluate({final}) reads a counter or trend without samples as zero, like k6", () => {
  const { metrics, engine } = setup();
  const set = ThresholdSet.fromOptions({ http_reqs: ["count>0"], http_req_duration: ["p(95)<250", "avg>1"], vus: ["value==0"] }, metrics);
  const r = set.evaluate(engine, 1000, { final: true });
  assert.equal(r.keys.map((k) => k.conditions.map((c) => [c.ok, c.observed])), [
    [[false, 0]],
    [[true, 0], [false, 0]],
    [[true, 0]],
  ]);
  assert.equal(r.failedKeys, ["http_req_duration", "http_reqs"]);
});

test("evaluate({final}) does not fail a rate without samples (k6 skips the division by zero)", () => {
  const { metrics, engine } = setup();
  const set = ThresholdSet.fromOptions({ "checks{scenario:none}": ["rate>0.99"] }, metrics);
  const r = set.evaluate(engine, 1000, { final: true });
  assert.not.ok(r.failed);
  assert.ok(r.keys[0]!.conditions[0]!.noData);
});

test("evaluate() treats a metric nobody registered as no data", () => {
  const { metrics, engine } = setup();
  const set = ThresholdSet.fromOptions({ ghost: ["count>0"] }, metrics);
  assert.not.ok(set.evaluate(engine, 1000, { final: true }).failed);
});

test("evaluate() fails a condition whose aggregation does not fit a metric registered after validation", () => {
  const metrics = new MetricRegistry();
  const engine = new MetricsEngine(metrics, new TagRegistry());
  const set = ThresholdSet.fromOptions({ late: ["p(95)<1"] }, metrics);
  engine.add(metrics.register("late", "counter"), engine.tags.empty, 1);
  const c = set.evaluate(engine, 1000).keys[0]!.conditions[0]!;
  assert.not.ok(c.ok);
  assert.match(c.error!, /late is a counter, which has no p\(95\)/);
});

test("evaluate() aborts on a failing abortOnFail condition only after delayAbortEval", () => {
  const { metrics, tags, engine, checks } = setup();
  engine.add(checks, tags.empty, 0);
  const set = ThresholdSet.fromOptions(
    { checks: [{ threshold: "rate>0.9", abortOnFail: true, delayAbortEval: "10s" }], http_reqs: [{ threshold: "count>1", abortOnFail: false }] },
    metrics,
  );
  assert.not.ok(set.evaluate(engine, 5000).abort);
  assert.not.ok(set.evaluate(engine, 10_000).abort);
  const r = set.evaluate(engine, 10_001);
  assert.ok(r.abort);
  assert.match(r.abortReason!, /thresholds on metrics 'checks' were breached; at least one has abortOnFail enabled/);
});

test("evaluate() aborts at once when abortOnFail has no delay, and never when the condition passes", () => {
  const { metrics, tags, engine, checks } = setup();
  engine.add(checks, tags.empty, 1);
  const failing = ThresholdSet.fromOptions({ checks: [{ threshold: "rate<0.5", abortOnFail: true }] }, metrics);
  const passing = ThresholdSet.fromOptions({ checks: [{ threshold: "rate>0.5", abortOnFail: true }] }, metrics);
  assert.ok(failing.evaluate(engine, 1).abort);
  assert.not.ok(passing.evaluate(engine, 1).abort);
});

test.run();
