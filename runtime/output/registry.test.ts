import { test } from "uvu";
import * as assert from "uvu/assert";
import { createOutput, supportedOutputs } from "./registry.ts";

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

test.run();
