// Builtin and custom metrics, and the tags on their samples: scenario, run and scenario tags, group paths and
// per-call custom tags.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fixture, metric, runScenario, seriesOf } from "../fixtures/run-scenario.ts";

// metrics-tags.ts: 2 VUs × 3 iterations; each adds counter +2 {route:/x}, gauge 7, rate true/false/1, trend 10 and 30,
// checks at the root, in group "outer" {custom:yes} and in "outer::inner" (failing), and sleeps 10 ms in "outer".
const outcome = runScenario(fixture("metrics-tags.ts"));

test("the builtin metrics iterations, iteration_duration, vus, vus_max and checks are in the summary", async () => {
  const o = await outcome;
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.is(metric(o.summary, "iterations", "count"), 6);
  assert.is(o.summary!.metrics.iteration_duration!.type, "trend");
  assert.is(o.summary!.metrics.iteration_duration!.contains, "time");
  assert.ok(metric(o.summary, "iteration_duration", "min")! >= 9, "an iteration that sleeps 10 ms lasts at least that");
  assert.is(metric(o.summary, "vus", "max"), 2);
  assert.is(metric(o.summary, "vus_max", "value"), 2);
  assert.equal(o.summary!.metrics.checks!.values, { rate: 12 / 18, passes: 12, fails: 6 });
  assert.ok(metric(o.summary, "group_duration", "min")! >= 0);
});

test("custom Counter, Gauge, Rate and Trend aggregate as k6's do", async () => {
  const o = await outcome;
  assert.is(metric(o.summary, "m_counter", "count"), 12);
  assert.is(metric(o.summary, "m_gauge", "value"), 7);
  assert.equal(o.summary!.metrics.m_rate!.values, { rate: 12 / 18, passes: 12, fails: 6 });
  const t = o.summary!.metrics.m_trend!;
  assert.is(t.contains, "time");
  assert.is(t.values.min, 10);
  assert.is(t.values.max, 30);
  assert.is(t.values.avg, 20);
});

test("every sample carries the scenario name, the run's tags and the scenario's tags", async () => {
  const o = await outcome;
  for (const name of ["iterations", "m_counter", "m_trend", "checks"]) {
    for (const { tags } of seriesOf(o, name)) {
      assert.is(tags.scenario, "main", `${name} ${JSON.stringify(tags)}`);
      assert.is(tags.env, "ci", `${name} ${JSON.stringify(tags)}`);
      assert.is(tags.team, "a", `${name} ${JSON.stringify(tags)}`);
    }
  }
  assert.equal(seriesOf(o, "m_counter").map((s) => s.tags.route), ["/x"], "per-call tags are added");
});

test("checks carry their group path and custom tags; the summary nests them in root_group", async () => {
  const o = await outcome;
  const checks = seriesOf(o, "checks").map((s) => [s.tags.check, s.tags.group ?? "", s.tags.custom ?? "", s.values.passes, s.values.fails]);
  assert.equal(checks.sort(), [
    ["inner check", "::outer::inner", "", 0, 6],
    ["outer check", "::outer", "yes", 6, 0],
    ["root check", "", "", 6, 0],
  ]);
  const root = o.summary!.root_group;
  assert.equal(root.checks.map((c) => c.name), ["root check"]);
  assert.equal(root.groups.map((g) => g.name), ["outer"]);
  assert.equal(root.groups[0]!.groups[0]!.checks.map((c) => [c.path, c.passes, c.fails]), [["::outer::inner::inner check", 0, 6]]);
});

test("group_duration samples are tagged with the group they time", async () => {
  const o = await outcome;
  const groups = seriesOf(o, "group_duration").map((s) => s.tags.group).sort();
  assert.equal(groups, ["::outer", "::outer::inner"]);
});

test("samples outside any group carry no group tag, and group tags do not leak into the next iteration", async () => {
  const o = await outcome;
  for (const { tags } of seriesOf(o, "iterations")) assert.is(tags.group, undefined, JSON.stringify(tags));
  for (const { tags } of seriesOf(o, "m_counter")) assert.is(tags.group, undefined, JSON.stringify(tags));
});

test.run();
