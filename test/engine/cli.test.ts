// `loadgen run` as a user runs it (the built CLI in a child process; `npm test` builds dist first): exit codes,
// --summary-export, --out json=FILE, -e, --no-thresholds, handleSummary's stdout, and clear errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fixture, runCli, tempScenario } from "../fixtures/run-scenario.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-cli-"));
const thresholds = (t: Record<string, unknown>) => ["-e", `THRESHOLDS=${JSON.stringify(t)}`];

test("a passing run exits 0 and --summary-export writes the summary as JSON", async () => {
  const file = path.join(tmp, "summary.json");
  const r = await runCli(["run", "--quiet", "--summary-export", file, ...thresholds({ iterations: ["count==6"] }), fixture("thresholds.ts")]);
  assert.is(r.exitCode, 0, r.stderr);
  const summary = JSON.parse(readFileSync(file, "utf8"));
  assert.is(summary.metrics.iterations.values.count, 6);
  assert.equal(summary.metrics.iterations.thresholds, { "count==6": { ok: true } });
  assert.match(r.stdout, "iterations", "the text summary is printed on stdout");
});

test("a failing threshold exits 99 and names it on stderr; --no-thresholds exits 0", async () => {
  const args = [...thresholds({ checks: ["rate==1"] }), fixture("thresholds.ts")];
  const failed = await runCli(["run", "--quiet", ...args]);
  assert.is(failed.exitCode, 99, failed.stderr);
  assert.match(failed.stderr, /thresholds failed: checks/);
  const ignored = await runCli(["run", "--quiet", "--no-thresholds", ...args]);
  assert.is(ignored.exitCode, 0, ignored.stderr);
});

test("--out json=FILE streams every sample as NDJSON with its tags", async () => {
  const file = path.join(tmp, "samples.ndjson");
  const r = await runCli(["run", "--quiet", "--out", `json=${file}`, ...thresholds({}), fixture("thresholds.ts")]);
  assert.is(r.exitCode, 0, r.stderr);
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const points = lines.filter((l) => l.type === "Point");
  assert.is(points.filter((p) => p.metric === "iterations").length, 6);
  const check = points.find((p) => p.metric === "checks" && p.data.tags.check === "one is two");
  assert.equal(check.data.tags, { scenario: "default", group: "::g", check: "one is two", kind: "b" });
  assert.ok(lines.some((l) => l.type === "Metric" && l.data.name === "flavours" && l.data.type === "counter"));
});

test("-e KEY=VALUE reaches __ENV", async () => {
  const script = tempScenario(`import { check } from "loadgen";\nexport const options = { thresholds: { checks: ["rate==1"] } };\nexport default async function () { check(__ENV.GREETING, { "-e reached __ENV": (v) => v === "hello=world" }); }\n`);
  const r = await runCli(["run", "--quiet", "-e", "GREETING=hello=world", script]);
  assert.is(r.exitCode, 0, r.stderr + r.stdout);
});

test("handleSummary's stdout key is printed instead of the text summary, and its file keys are written", async () => {
  const r = await runCli(["run", "--quiet", fixture("lifecycle.ts")], { cwd: tmp });
  assert.is(r.exitCode, 0, r.stderr);
  assert.is(r.stdout, "iterations=9\n");
  const copy = JSON.parse(readFileSync(path.join(tmp, "summary-copy.json"), "utf8"));
  assert.is(copy.metrics.iterations.values.count, 9);
});

test("-u/-i on the command line replace the script's execution options", async () => {
  const file = path.join(tmp, "override.json");
  const r = await runCli(["run", "--quiet", "-u", "2", "-i", "4", "--summary-export", file, ...thresholds({}), fixture("thresholds.ts")]);
  assert.is(r.exitCode, 0, r.stderr);
  assert.is(JSON.parse(readFileSync(file, "utf8")).metrics.iterations.values.count, 4);
});

test("test.abort() exits 108", async () => {
  const r = await runCli(["run", "--quiet", fixture("test-abort.ts")]);
  assert.is(r.exitCode, 108, r.stderr);
  assert.match(r.stderr, "enough");
});

test("invalid options exit 104 with the field named, and no stack trace of ours", async () => {
  const r = await runCli(["run", "--quiet", "-e", `OPTIONS=${JSON.stringify({ scenarios: { s: { executor: "warp" } } })}`, fixture("options-from-env.ts")]);
  assert.is(r.exitCode, 104);
  assert.match(r.stderr, 'scenarios.s.executor: unknown executor "warp"');
  assert.not.match(r.stderr, "    at ");
});

test("a bundling error exits 107 with file:LINE:COL", async () => {
  const script = tempScenario(`export default async function () {\n  let x = ;\n}\n`);
  const r = await runCli(["run", "--quiet", script]);
  assert.is(r.exitCode, 107);
  assert.match(r.stderr, /scenario\.ts:2:\d+/);
});

test("a missing script exits non-zero with a clear message", async () => {
  const r = await runCli(["run", "--quiet", path.join(tmp, "nope.ts")]);
  assert.ok(r.exitCode !== 0 && r.exitCode !== null);
  assert.match(r.stderr, "script not found");
});

test("bad flags (-u 0, -e without =, an unknown --out) are rejected with a message naming the flag", async () => {
  const vus = await runCli(["run", "--quiet", "-u", "0", fixture("lifecycle.ts")]);
  assert.ok(vus.exitCode !== 0);
  assert.match(vus.stderr, "--vus");
  const env = await runCli(["run", "--quiet", "-e", "NOEQUALS", fixture("lifecycle.ts")]);
  assert.ok(env.exitCode !== 0);
  assert.match(env.stderr, "KEY=VALUE");
  const out = await runCli(["run", "--quiet", "--out", "influx=x", fixture("lifecycle.ts")], { cwd: tmp });
  assert.is(out.exitCode, 104);
  assert.match(out.stderr, "influx");
  assert.ok(!existsSync(path.join(tmp, "x")));
});

test.run();
