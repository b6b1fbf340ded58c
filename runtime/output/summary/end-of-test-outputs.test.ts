import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReportOutput } from "../report-output.ts";
import type { OutputStreams } from "../types.ts";
import { createHandleSummaryOutput } from "./handle-summary-output.ts";
import { createSummaryExportOutput } from "./summary-export-output.ts";
import { createTextSummaryOutput } from "./text-summary-output.ts";
import { renderTextSummary } from "./render-text.ts";
import { endOfTestReport } from "./test-fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "loadgen-eot-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function captured(): OutputStreams & { out: string; err: string } {
  const s = { out: "", err: "", stdout: (t: string) => void (s.out += t), stderr: (t: string) => void (s.err += t) };
  return s;
}

test("the text summary output prints the summary and the iteration errors on stdout", async () => {
  const s = captured();
  const report = endOfTestReport({ errors: [{ name: "Error", message: "boom", location: "scenario.ts:3:9", count: 4 }] });
  await createTextSummaryOutput(s, { color: false }).endOfTest!(report);
  assert.is(s.out, renderTextSummary(report.summary, { color: false }) + "\n\n  iteration errors:\n         4 × Error: boom (scenario.ts:3:9)\n");
  assert.is(s.err, "");
});

test("the text summary gives way to what handleSummary returned, and to a report going to stdout", async () => {
  const s = captured();
  await createTextSummaryOutput(s, { color: false }).endOfTest!(endOfTestReport({ handleSummary: { stdout: "mine\n" } }));
  await createTextSummaryOutput(s, { color: false, unlessReport: "kperf" }).endOfTest!(endOfTestReport({ reports: { kperf: { total: 1 } } }));
  assert.is(s.out, "");
  await createTextSummaryOutput(s, { color: false, unlessReport: "kperf" }).endOfTest!(endOfTestReport());
  assert.ok(s.out.includes("http_req_duration"), "a run without that report still prints its summary");
});

test("--summary-export writes the summary as JSON, creating the folder", async () => {
  const file = join(dir, "sub", "summary.json");
  const report = endOfTestReport();
  await createSummaryExportOutput(file).endOfTest!(report);
  assert.equal(JSON.parse(readFileSync(file, "utf8")), JSON.parse(JSON.stringify(report.summary)));
});

test("handleSummary's files are written, its stdout and stderr printed", async () => {
  const s = captured();
  const file = join(dir, "hs.txt");
  await createHandleSummaryOutput(s).endOfTest!(endOfTestReport({ handleSummary: { stdout: "o", stderr: "e", [file]: "f" } }));
  assert.equal([s.out, s.err, readFileSync(file, "utf8")], ["o", "e", "f"]);
  await createHandleSummaryOutput(s).endOfTest!(endOfTestReport());
  assert.equal([s.out, s.err], ["o", "e"], "nothing without handleSummary");
});

test("a report output writes its format's document to a file or stdout, and nothing for a run without it", async () => {
  const s = captured();
  const file = join(dir, "kperf.json");
  await createReportOutput("kperf", file, s).endOfTest!(endOfTestReport({ reports: { kperf: { total: 3 } } }));
  assert.equal(JSON.parse(readFileSync(file, "utf8")), { total: 3 });
  await createReportOutput("kperf", undefined, s).endOfTest!(endOfTestReport({ reports: { kperf: { total: 3 } } }));
  await createReportOutput("kperf", undefined, s).endOfTest!(endOfTestReport());
  assert.is(s.out, '{\n  "total": 3\n}\n');
});

test.run();
