import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidOptionsError } from "../errors.ts";
import { createOutput, createRunOutputs, supportedOutputs } from "./registry.ts";

const streams = { stdout: () => {}, stderr: () => {} };

test("createOutput() makes a json output from json=FILE", () => {
  assert.is(createOutput("json=results.ndjson").describe(), "json (results.ndjson)");
  assert.is(createOutput("json").describe(), "json (stdout)");
});

test("createOutput() rejects an unknown output listing the supported ones", () => {
  assert.throws(() => createOutput("influxdb=http://x"), (err: Error) => {
    return err.message === '--out "influxdb=http://x": unknown output "influxdb"; supported: json (e.g. --out json=results.ndjson)';
  });
  assert.throws(() => createOutput("=x"), /missing output name; supported: json/);
});

test("supportedOutputs() lists json", () => {
  assert.equal(supportedOutputs(), ["json"]);
});

test("createRunOutputs() makes the end-of-test outputs the flags ask for, in the order they write", () => {
  const all = createRunOutputs({ out: ["json=s.ndjson"], summaryExport: "summary.json", summary: true, color: false, resultFormat: "kperf", result: "r.json" }, streams);
  assert.equal(all.map((o) => o.describe()), ["summary export (summary.json)", "handleSummary files", "kperf result (r.json)", "text summary (stdout)", "json (s.ndjson)"]);
  const quiet = createRunOutputs({ out: [], summary: false, color: false }, streams);
  assert.equal(quiet.map((o) => o.describe()), ["handleSummary files"]);
  assert.equal(createRunOutputs({ out: [], summary: true, color: false, resultFormat: "text" }, streams).map((o) => o.describe()), ["handleSummary files", "text summary (stdout)"]);
});

test("createRunOutputs() lists every flag that names no output", () => {
  try {
    createRunOutputs({ out: ["influx=x", "json=ok"], summary: true, color: false, resultFormat: "junit" }, streams);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InvalidOptionsError);
    assert.equal((e as InvalidOptionsError).problems, ['--result-format: "kperf" or "text", got "junit"', '--out "influx=x": unknown output "influx"; supported: json (e.g. --out json=results.ndjson)']);
    assert.is((e as InvalidOptionsError).exitCode, 104);
  }
});

test.run();
