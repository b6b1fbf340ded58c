// Thresholds decide the exit code: 0 when all pass, 99 when one fails (and early with abortOnFail), never with
// --no-thresholds; sub-metrics `metric{tag:value}` judge only matching samples.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fixture, metric, runScenario } from "../fixtures/run-scenario.ts";

// thresholds.ts: 6 iterations, each with check "one is one" {kind:a} passing and "one is two" {kind:b} failing
// (in group g); counter flavours +1 {flavour:vanilla} and +2 {flavour:chocolate}.
const withThresholds = (t: Record<string, unknown>, noThresholds = false) =>
  runScenario(fixture("thresholds.ts"), { env: { THRESHOLDS: JSON.stringify(t) }, noThresholds });

test("thresholds that all pass exit 0 and are reported ok in the summary", async () => {
  const o = await withThresholds({ checks: ["rate<0.6", "rate>0.4"], iterations: ["count==6"] });
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.equal(o.summary!.metrics.checks!.thresholds, { "rate<0.6": { ok: true }, "rate>0.4": { ok: true } });
  assert.is(o.summary!.state.thresholdsFailed, false);
});

test("a failing threshold exits 99 and names the failed key", async () => {
  const o = await withThresholds({ checks: ["rate==1"], iterations: ["count==6"] });
  assert.is(o.exitCode, 99);
  assert.equal(o.result!.thresholds.failedKeys, ["checks"]);
  assert.equal(o.summary!.metrics.checks!.thresholds, { "rate==1": { ok: false } });
  assert.is(o.summary!.state.thresholdsFailed, true);
  assert.is(metric(o.summary, "iterations", "count"), 6, "a failed threshold without abortOnFail does not stop the run");
});

test("a sub-metric threshold judges only samples with the tag: checks{kind:a} passes while checks fails", async () => {
  const pass = await withThresholds({ "checks{kind:a}": ["rate==1"] });
  assert.is(pass.exitCode, 0, pass.logs.join("\n"));
  assert.equal(pass.summary!.metrics["checks{kind:a}"]!.values, { rate: 1, passes: 6, fails: 0 });
  const fail = await withThresholds({ "checks{kind:b}": ["rate>0"] });
  assert.is(fail.exitCode, 99);
  assert.equal(fail.summary!.metrics["checks{kind:b}"]!.values, { rate: 0, passes: 0, fails: 6 });
});

test("sub-metrics filter on custom metric tags and the group tag", async () => {
  const o = await withThresholds({
    "flavours{flavour:chocolate}": ["count==12"],
    "flavours{flavour:vanilla}": ["count==6"],
    "checks{group:::g}": ["rate==0"],
  });
  assert.is(o.exitCode, 0, JSON.stringify(o.result?.thresholds.failedKeys));
  assert.is(metric(o.summary, "flavours", "count"), 18);
});

test("--no-thresholds never exits 99, even when a threshold fails", async () => {
  const o = await withThresholds({ checks: ["rate==1"] }, true);
  assert.is(o.exitCode, 0);
  assert.is(o.summary!.metrics.checks!.thresholds, undefined, "thresholds are not judged in the summary either");
});

test("abortOnFail stops a failing run early with exit 99 and says why", async () => {
  const o = await runScenario(fixture("abort-on-fail.ts"));
  assert.is(o.exitCode, 99);
  assert.ok(o.elapsedMs < 5000, `took ${o.elapsedMs} ms of a 30 s test`);
  assert.ok(o.summary!.state.aborted, "the summary says the run was aborted");
  assert.match(o.result!.abortReason ?? "", "checks");
});

test("a threshold that does not parse is invalid options (exit 104) naming the key and the condition", async () => {
  const o = await withThresholds({ checks: ["rate>>1"] });
  assert.is(o.exitCode, 104);
  assert.match(o.error!, "checks");
  assert.match(o.error!, "rate>>1");
});

test("a threshold with an aggregation the metric lacks is invalid options (exit 104)", async () => {
  const o = await withThresholds({ iterations: ["p(95)<100"] });
  assert.is(o.exitCode, 104);
  assert.match(o.error!, "iterations");
});

test.run();
