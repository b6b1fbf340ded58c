// The six executors, run end to end through prepareRun/executeRun: exact counts where k6's semantics are exact,
// timing shapes with generous tolerances (the machine is small and loaded).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fixture, metric, runScenario, seriesOf } from "../fixtures/run-scenario.ts";

const perVu = (o: Awaited<ReturnType<typeof runScenario>>) =>
  Object.fromEntries(seriesOf(o, "ran_by_vu").map((s) => [s.tags.vu!, s.values.count!]));

test("shared-iterations runs exactly the shared total, spread over its VUs", async () => {
  const o = await runScenario(fixture("shared-iterations.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.is(metric(o.summary, "iterations", "count"), 10);
  const counts = perVu(o);
  assert.equal(Object.keys(counts).sort(), ["1", "2", "3"], "every VU took iterations from the shared pool");
  assert.is(Object.values(counts).reduce((a, b) => a + b, 0), 10);
  assert.is(metric(o.summary, "vus_max", "max"), 3);
});

test("per-vu-iterations runs exactly `iterations` on each VU, slow ones included", async () => {
  const o = await runScenario(fixture("per-vu-iterations.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.is(metric(o.summary, "iterations", "count"), 12);
  assert.equal(perVu(o), { "1": 4, "2": 4, "3": 4 });
});

test("constant-vus keeps its VUs iterating back to back for the duration", async () => {
  const o = await runScenario(fixture("constant-vus.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  // 2 VUs × 1 s / 100 ms per iteration = 20.
  const n = metric(o.summary, "iterations", "count")!;
  assert.ok(n >= 12 && n <= 22, `iterations: ${n}, want 12..22`);
  const counts = perVu(o);
  assert.equal(Object.keys(counts).sort(), ["1", "2"]);
  assert.ok(Math.abs(counts["1"]! - counts["2"]!) <= 2, `VUs should iterate alike: ${JSON.stringify(counts)}`);
  assert.ok(o.elapsedMs < 4000, `took ${o.elapsedMs} ms`);
  assert.is(metric(o.summary, "vus", "max"), 2);
});

test("ramping-vus starts VUs as the target rises, none while it is 0", async () => {
  const o = await runScenario(fixture("ramping-vus-up.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  // 0 → 3 over 600 ms: VUs join at about 200, 400 and 600 ms.
  const first = o.summary!.metrics["first_iteration_at"]!.values;
  assert.ok(first.min! >= 120, `first VU began at ${first.min} ms, before the ramp reached 1`);
  assert.ok(first.max! >= 450 && first.max! <= 1000, `last VU began at ${first.max} ms, want about 600`);
  const counts = Object.values(perVu(o)).sort((a, b) => a - b);
  assert.is(counts.length, 3, "all three VUs iterate once the target is 3");
  assert.ok(counts[2]! - counts[0]! >= 3, `the VU that joined first should have run more iterations: ${counts}`);
  assert.is(metric(o.summary, "vus_max", "max"), 3);
});

test("ramping-vus stops starting iterations once the target drops to 0", async () => {
  const o = await runScenario(fixture("ramping-vus-down.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const started = o.summary!.metrics["iteration_started_at"]!.values;
  assert.ok(started.min! < 100, "startVUs begin at once");
  // Target 2 until 500 ms, 0 from 600 ms; the stages last 1.2 s.
  assert.ok(started.max! < 650, `an iteration started at ${started.max} ms, after the target fell to 0`);
  assert.ok(o.elapsedMs >= 1000, "the scenario still lasts its full stages");
});

test("constant-arrival-rate starts rate × duration iterations when VUs are free", async () => {
  const o = await runScenario(fixture("constant-arrival-rate.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const n = metric(o.summary, "iterations", "count")!;
  assert.ok(n >= 38 && n <= 42, `iterations: ${n}, want 38..42 (20/s × 2 s)`);
  assert.is(metric(o.summary, "dropped_iterations", "count") ?? 0, 0);
  assert.ok(o.elapsedMs < 4000, `took ${o.elapsedMs} ms`);
});

test("constant-arrival-rate drops iterations when no VU is free, never queues them", async () => {
  const o = await runScenario(fixture("arrival-rate-dropped.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const ran = metric(o.summary, "iterations", "count")!;
  const dropped = metric(o.summary, "dropped_iterations", "count")!;
  // One VU, 200 ms iterations, 20/s for 1 s: about 5 run and 15 are dropped.
  assert.ok(ran >= 3 && ran <= 6, `iterations: ${ran}, want 3..6`);
  assert.ok(dropped >= 12, `dropped_iterations: ${dropped}, want ≥ 12`);
  assert.ok(ran + dropped >= 18 && ran + dropped <= 21, `started + dropped = ${ran + dropped}, want about 20`);
  // A queue would run the backlog after the scenario's second: 15 × 200 ms more.
  assert.ok(o.elapsedMs < 2500, `took ${o.elapsedMs} ms: were dropped iterations queued?`);
  assert.is(metric(o.summary, "vus_max", "max"), 1, "maxVUs caps the VUs");
});

test("ramping-arrival-rate follows the rate's ramp: 10 iterations in the ramp-up second, 20 in the steady one", async () => {
  const o = await runScenario(fixture("ramping-arrival-rate.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const n = metric(o.summary, "iterations", "count")!;
  assert.ok(n >= 28 && n <= 32, `iterations: ${n}, want 28..32`);
  const by = Object.fromEntries(seriesOf(o, "started_in").map((s) => [s.tags.second!, s.values.count!]));
  assert.ok(by.first! >= 8 && by.first! <= 12, `first second: ${by.first}, want about 10`);
  assert.ok(by.second! >= 18 && by.second! <= 22, `second second: ${by.second}, want about 20`);
});

test("startTime delays a scenario; each scenario calls its exec function", async () => {
  const o = await runScenario(fixture("start-time.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const by = Object.fromEntries(seriesOf(o, "iterations").map((s) => [s.tags.scenario!, s.values.count!]));
  assert.equal(by, { early: 1, late: 1 });
  const at = o.summary!.metrics["started_at"]!.values;
  assert.ok(at.min! < 300, `early began at ${at.min} ms`);
  assert.ok(at.max! >= 550, `late began at ${at.max} ms, before its startTime of 600 ms`);
});

test("gracefulStop ends iterations still running after it and does not count them", async () => {
  // 2 s iterations, 0.3 s scenario, 0.2 s gracefulStop: the run ends at about 0.5 s.
  const o = await runScenario(fixture("graceful-stop.ts"), { env: { GRACE: "0.2s", ITER_S: "2" } });
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.ok(o.elapsedMs < 1500, `took ${o.elapsedMs} ms; gracefulStop did not interrupt`);
  assert.is(metric(o.summary, "iterations", "count") ?? 0, 0, "interrupted iterations are not completed iterations");
});

test("gracefulStop lets iterations in flight at the end of the duration finish", async () => {
  // 0.5 s iterations, 0.3 s scenario, 2 s gracefulStop: each VU's first iteration completes.
  const o = await runScenario(fixture("graceful-stop.ts"), { env: { GRACE: "2s", ITER_S: "0.5" } });
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.is(metric(o.summary, "iterations", "count"), 2);
  assert.ok(o.elapsedMs < 1800, `took ${o.elapsedMs} ms; it should not wait the whole gracefulStop`);
});

test("scenarios call their exec function and tag samples with scenario, scenario tags and run tags", async () => {
  const o = await runScenario(fixture("exec-env-tags.ts"));
  const calls: Array<Record<string, string | number | undefined>> = seriesOf(o, "calls").map((s) => ({ ...s.tags, count: s.values.count }));
  assert.equal(
    calls.sort((a, b) => String(a.fn).localeCompare(String(b.fn))),
    [
      { team: "infra", kind: "r", scenario: "reads", fn: "reads", count: 3 },
      { team: "infra", kind: "w", scenario: "writes", fn: "writes", count: 2 },
    ],
    "default is never called when every scenario names its exec",
  );
  const iterations: Array<Record<string, string | number | undefined>> = seriesOf(o, "iterations").map((s) => ({ ...s.tags, count: s.values.count }));
  assert.equal(iterations.sort((a, b) => String(a.scenario).localeCompare(String(b.scenario))), [
    { team: "infra", kind: "r", scenario: "reads", count: 3 },
    { team: "infra", kind: "w", scenario: "writes", count: 2 },
  ]);
});

test("a scenario's env is merged into __ENV for that scenario's iterations", async () => {
  const o = await runScenario(fixture("exec-env-tags.ts"));
  const checks = seriesOf(o, "checks").map((s) => [s.tags.check, s.values.fails]);
  assert.equal(checks.sort(), [["reads sees MODE=read", 0], ["writes sees MODE=write", 0]]);
  assert.is(o.exitCode, 0);
});

test("ramping-vus counts only the VUs the ramp has activated as active (the vus metric follows the stages)", async () => {
  const o = await runScenario(fixture("ramping-vus-active.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const active = o.summary!.metrics["active_at_start"]!.values;
  assert.is(active.min, 1, `the first VU began with ${active.min} VUs active`);
  assert.is(active.max, 3);
});

test.run();
