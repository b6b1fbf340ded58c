// The k6 lifecycle: init once per VU, setup once with its JSON result given to every VU and to teardown,
// handleSummary last with the summary data, and test.abort().
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fixture, metric, runScenario } from "../fixtures/run-scenario.ts";

const messages = (logs: string[]) => logs.map((l) => l.replace(/^\w+\s+/, ""));
/** The VU a console line came from ("" for the init VU, which runs options, setup, teardown and handleSummary). */
const vuOf = (line: string) => /\(vu[ =](\d+)\)/.exec(line)?.[1] ?? "";

test("lifecycle runs init, setup, iterations, teardown and handleSummary in that order", async () => {
  const o = await runScenario(fixture("lifecycle.ts"));
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const steps = messages(o.logs).map((m) => m.split(/[ {]/)[0]);
  const first = (s: string) => steps.indexOf(s);
  const last = (s: string) => steps.lastIndexOf(s);
  assert.ok(last("init") < first("setup"), "every VU is initialised before setup");
  assert.ok(last("setup") < first("iteration"), "setup runs before any iteration");
  assert.ok(last("iteration") < first("teardown"), "teardown runs after the last iteration");
  assert.ok(first("teardown") < first("handleSummary"), "handleSummary runs last");
  assert.is(steps.filter((s) => s === "setup").length, 1);
  assert.is(steps.filter((s) => s === "teardown").length, 1);
  assert.is(steps.filter((s) => s === "iteration").length, 9);
});

test("init code runs exactly once per VU (plus once in the init VU), not once per iteration", async () => {
  const o = await runScenario(fixture("lifecycle.ts"));
  const inits = messages(o.logs).filter((m) => m.startsWith("init"));
  assert.equal(inits.map(vuOf).sort(), ["", "1", "2", "3"]);
});

test("setup's JSON result reaches every VU's iterations and teardown", async () => {
  const o = await runScenario(fixture("lifecycle.ts"));
  const data = '{"token":"t-1","list":[1,2,3],"nested":{"ok":true}}';
  const iterations = messages(o.logs).filter((m) => m.startsWith("iteration"));
  assert.is(iterations.length, 9);
  for (const line of iterations) assert.ok(line.startsWith(`iteration ${data}`), line);
  const vus = new Set(iterations.map(vuOf));
  assert.ok(vus.size >= 2, `setup data seen by VUs ${[...vus]}`);
  assert.ok(messages(o.logs).includes(`teardown ${data}`), "teardown gets setup's data");
  assert.is(metric(o.summary, "checks", "rate"), 1);
});

test("handleSummary receives the summary data and its returned map is the run's output", async () => {
  const o = await runScenario(fixture("lifecycle.ts"));
  const files = o.result!.handleSummary!;
  assert.equal(Object.keys(files).sort(), ["stdout", "summary-copy.json"]);
  assert.is(files.stdout, "iterations=9\n");
  const copy = JSON.parse(files["summary-copy.json"]!);
  assert.is(copy.metrics.iterations.values.count, 9, "non-string values are written as JSON");
  assert.ok(copy.root_group.checks.some((c: { name: string }) => c.name === "setup data reached the VU"));
});

test("setup() that throws fails the run with exit 107 before any iteration, and skips teardown", async () => {
  const o = await runScenario(fixture("setup-throws.ts"));
  assert.is(o.exitCode, 107);
  const text = o.logs.join("\n");
  assert.match(text, "no cluster to set up");
  assert.match(text, /setup-throws\.ts:4:\d+/, "the error points at the TypeScript line");
  assert.not.match(text, "iteration");
  assert.not.match(text, "teardown");
});

test("test.abort() stops the run at once with exit 108 and its reason", async () => {
  const o = await runScenario(fixture("test-abort.ts"));
  assert.is(o.exitCode, 108);
  assert.is(o.result!.abortReason, "enough");
  assert.ok(o.summary!.state.aborted);
  // The third iteration aborts a 30 s test: nothing after it may complete.
  assert.is(metric(o.summary, "iterations", "count"), 2);
  assert.ok(o.elapsedMs < 3000, `took ${o.elapsedMs} ms`);
});

test.run();
