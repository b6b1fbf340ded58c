// Script errors: bundling failures as `file:LINE:COL` of the TypeScript source with exit 107, runtime errors mapped
// to their TypeScript lines (local modules included), and the run going on past failing iterations.
import { test } from "uvu";
import * as assert from "uvu/assert";
import path from "node:path";
import { fixture, metric, runScenario, tempScenario } from "../fixtures/run-scenario.ts";

test("a syntax error is a script error (exit 107) at file:LINE:COL of the TypeScript source", async () => {
  const script = tempScenario(`export const options = { vus: 1 };\n\nexport default async function () {\n  const x: number = ;\n}\n`);
  const o = await runScenario(script);
  assert.is(o.exitCode, 107);
  assert.match(o.error!, /scenario\.ts:4:\d+: /);
});

test("a type-only TypeScript feature bundles fine (types are stripped, not checked)", async () => {
  const script = tempScenario(`interface P { n: number }\nexport const options = { iterations: 1 };\nexport default async function (): Promise<void> { const p: P = { n: 1 }; void p; }\n`);
  const o = await runScenario(script);
  assert.is(o.exitCode, 0, o.error);
});

test("local imports between scenario files are bundled, their errors mapped to their own file", async () => {
  const o = await runScenario(fixture("iteration-error.ts"));
  assert.is(o.exitCode, 0, "failing iterations do not fail the run");
  assert.is(metric(o.summary, "iterations", "count"), 4, "the run goes on past failing iterations");
  const [e] = o.result!.errors;
  assert.is(e!.name, "RangeError");
  assert.is(e!.message, "a shape needs 3 sides, got 1");
  assert.is(e!.count, 2);
  assert.match(e!.location!, new RegExp(`^${path.relative(process.cwd(), fixture("lib/geometry.ts"))}:8:\\d+$`), "the throw's line in the imported file");
  const logged = o.logs.join("\n");
  assert.match(logged, /iteration-error\.ts:9:\d+/, "the caller's frame is mapped too");
  assert.not.match(logged, "scenario.bundle.js", "no bundle positions leak to the user");
});

test("an error raised inside the stdlib (fail()) is located at the scenario line that called it", async () => {
  const script = tempScenario(`import { fail } from "loadgen";\nexport const options = { iterations: 1 };\nexport default async function () {\n  fail("no luck");\n}\n`);
  const o = await runScenario(script);
  assert.is(o.exitCode, 0, o.error);
  const [e] = o.result!.errors;
  assert.is(e!.message, "no luck");
  assert.match(e!.location!, /scenario\.ts:4:\d+$/, "the caller's line, not the shim's");
});

test("an import that does not resolve fails at bundle time naming the importing line", async () => {
  const script = tempScenario(`import { helper } from "./missing-helper.ts";\nexport default async function () { helper(); }\n`);
  const o = await runScenario(script);
  assert.is(o.exitCode, 107);
  assert.match(o.error!, /scenario\.ts:1:\d+: /);
  assert.match(o.error!, "missing-helper");
});

test("an unknown loadgen/x module fails at bundle time, listing the modules there are", async () => {
  const script = tempScenario(`import { get } from "loadgen/http2";\nexport default async function () { get(); }\n`);
  const o = await runScenario(script);
  assert.is(o.exitCode, 107);
  assert.match(o.error!, /scenario\.ts:1:\d+: /);
  assert.match(o.error!, 'unknown stdlib module "loadgen/http2"');
  assert.match(o.error!, "loadgen/metrics");
});

test("an error thrown by init code is a script error (exit 107) at its TypeScript line", async () => {
  const o = await runScenario(fixture("init-error.ts"));
  assert.is(o.exitCode, 107);
  assert.match(o.error!, "init code failed");
  assert.match(o.error!, "toUpperCase");
  assert.match(o.error!, /init-error\.ts:5:\d+/);
});

test("a missing script is a clear error with a non-zero exit", async () => {
  const o = await runScenario("/nonexistent/dir/nothing-here.ts");
  assert.ok(o.exitCode !== 0);
  assert.match(o.error!, "script not found");
  assert.match(o.error!, "nothing-here.ts");
});

test("a script without a default export (and no exec) is invalid options naming scenarios.default.exec", async () => {
  const script = tempScenario(`export const options = { iterations: 1 };\nexport function helper() {}\n`);
  const o = await runScenario(script);
  assert.is(o.exitCode, 104);
  assert.match(o.error!, "scenarios.default.exec");
});

test("errors in iterations are counted per distinct error and printed only a few times", async () => {
  const script = tempScenario(`export const options = { iterations: 10 };\nexport default async function () {\n  throw new Error("always");\n}\n`);
  const o = await runScenario(script);
  assert.is(o.exitCode, 0);
  assert.equal(o.result!.errors.map((e) => [e.message, e.count]), [["always", 10]]);
  assert.ok(o.logs.filter((l) => l.includes("always")).length <= 3, "the terminal is not flooded");
});

test.run();
