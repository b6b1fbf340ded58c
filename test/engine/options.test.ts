// Options: the vus/duration/iterations/stages shortcuts, CLI -u/-d/-i overrides, and bad input rejected with exit
// 104 and a message naming the field.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CliOverrides } from "../../runtime/config/options.ts";
import { fixture, metric, runScenario, seriesOf } from "../fixtures/run-scenario.ts";

const run = (options: unknown, cli: CliOverrides = {}, env: Record<string, string> = {}) =>
  runScenario(fixture("options-from-env.ts"), { env: { OPTIONS: JSON.stringify(options), ...env }, cli });
const executors = (o: Awaited<ReturnType<typeof run>>) => [...new Set(seriesOf(o, "ran").map((s) => s.tags.executor))];
const vus = (o: Awaited<ReturnType<typeof run>>) => new Set(seriesOf(o, "ran").map((s) => s.tags.vu)).size;

test("no options: one VU runs one iteration", async () => {
  const o = await run({});
  assert.is(o.exitCode, 0, o.error);
  assert.is(metric(o.summary, "iterations", "count"), 1);
});

test("vus + iterations is shared-iterations over those VUs", async () => {
  const o = await run({ vus: 2, iterations: 6 });
  assert.is(o.exitCode, 0, o.error);
  assert.equal(executors(o), ["shared-iterations"]);
  assert.is(metric(o.summary, "iterations", "count"), 6);
  assert.is(vus(o), 2);
});

test("vus + duration is constant-vus for that duration", async () => {
  const o = await run({ vus: 2, duration: "0.5s" });
  assert.is(o.exitCode, 0, o.error);
  assert.equal(executors(o), ["constant-vus"]);
  const n = metric(o.summary, "iterations", "count")!;
  assert.ok(n >= 10 && n <= 22, `iterations: ${n}, want about 20 (2 VUs × 0.5 s / 50 ms)`);
});

test("stages is ramping-vus", async () => {
  const o = await run({ stages: [{ duration: "0.3s", target: 2 }, { duration: "0.3s", target: 0 }] });
  assert.is(o.exitCode, 0, o.error);
  assert.equal(executors(o), ["ramping-vus"]);
  assert.ok(metric(o.summary, "iterations", "count")! > 0);
});

test("CLI -i replaces the script's iterations; -u its VUs", async () => {
  const o = await run({ vus: 1, iterations: 10 }, { vus: 3, iterations: 3 });
  assert.is(o.exitCode, 0, o.error);
  assert.is(metric(o.summary, "iterations", "count"), 3);
  assert.is(vus(o), 3);
});

test("CLI -d replaces the script's scenarios with constant-vus for that duration", async () => {
  const o = await run({ scenarios: { s: { executor: "per-vu-iterations", vus: 1, iterations: 100 } } }, { duration: "0.4s", vus: 2 });
  assert.is(o.exitCode, 0, o.error);
  assert.equal(executors(o), ["constant-vus"]);
  assert.ok(o.elapsedMs < 3000);
  const n = metric(o.summary, "iterations", "count")!;
  assert.ok(n >= 6 && n <= 18, `iterations: ${n}, want about 16`);
});

const invalid: Array<[string, unknown, RegExp | string]> = [
  ["an unknown executor", { scenarios: { s: { executor: "constant-rate" } } }, /scenarios\.s\.executor: unknown executor "constant-rate"/],
  ["an unknown top-level option", { vus: 1, iteratons: 5 }, /iteratons: unknown option/],
  ["an unknown scenario field", { scenarios: { s: { executor: "constant-vus", vus: 1, duration: "1s", rate: 5 } } }, /scenarios\.s\.rate: unknown option/],
  ["negative vus", { vus: -1, iterations: 1 }, /- vus: must be an integer ≥ 1, got -1/],
  ["negative scenario vus", { scenarios: { s: { executor: "per-vu-iterations", vus: -2 } } }, /scenarios\.s\.vus: must be an integer/],
  ["a bad duration \"5x\"", { vus: 1, duration: "5x" }, /duration/],
  ["a bad scenario duration \"5x\"", { scenarios: { s: { executor: "constant-vus", duration: "5x" } } }, /scenarios\.s\.duration/],
  ["a bad startTime", { scenarios: { s: { executor: "per-vu-iterations", startTime: "soon" } } }, /scenarios\.s\.startTime/],
  ["a missing arrival rate", { scenarios: { s: { executor: "constant-arrival-rate", duration: "1s", preAllocatedVUs: 1 } } }, /scenarios\.s\.rate: required/],
  ["maxVUs below preAllocatedVUs", { scenarios: { s: { executor: "constant-arrival-rate", rate: 1, duration: "1s", preAllocatedVUs: 3, maxVUs: 1 } } }, /scenarios\.s\.maxVUs/],
  ["scenarios combined with shortcuts", { vus: 2, scenarios: { s: { executor: "per-vu-iterations" } } }, /cannot be combined with scenarios/],
  ["an exec function the script lacks", { scenarios: { s: { executor: "per-vu-iterations", exec: "nope" } } }, /scenarios\.s\.exec: the script exports no function "nope"/],
  ["a bad blockingTimeout", { iterations: 1, blockingTimeout: "fast" }, /blockingTimeout/],
  ["a vuMemoryLimitMiB of 0", { iterations: 1, vuMemoryLimitMiB: 0 }, /vuMemoryLimitMiB/],
  ["an empty stages list", { stages: [] }, /stages/],
  ["a threshold that does not parse", { iterations: 1, thresholds: { iterations: ["count >> 1"] } }, /iterations/],
];
for (const [what, options, message] of invalid) {
  test(`${what} is invalid options (exit 104) naming the field`, async () => {
    const o = await run(options);
    assert.is(o.exitCode, 104, o.error ?? `exit ${o.exitCode}`);
    assert.match(o.error!, message);
  });
}

test("every problem is reported at once, not only the first", async () => {
  const o = await run({ scenarios: { a: { executor: "nope" }, b: { executor: "constant-vus", vus: 0, duration: "5x" } } });
  assert.is(o.exitCode, 104);
  assert.match(o.error!, "scenarios.a.executor");
  assert.match(o.error!, "scenarios.b.vus");
  assert.match(o.error!, "scenarios.b.duration");
});

test("a scenario with an unknown executor still has its other fields checked, with a hint for a near miss", async () => {
  const o = await run({ scenarios: { s: { executor: "constant-vuz", vus: -1, duration: "5x" } } });
  assert.is(o.exitCode, 104);
  assert.match(o.error!, 'scenarios.s.executor: unknown executor "constant-vuz" (did you mean "constant-vus"?)');
  assert.match(o.error!, "scenarios.s.vus: must be an integer ≥ 1, got -1");
  assert.match(o.error!, 'scenarios.s.duration: invalid duration "5x"');
});

test.run();
