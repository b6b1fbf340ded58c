/**
 * A format's own result document as JSON (`--result-format kperf [--result FILE]`: kperf's result), to a file or to
 * stdout. A run whose format makes no such report writes nothing.
 */
import { endOfTestOutput } from "./end-of-test.ts";
import type { Output, OutputStreams } from "./types.ts";
import { writeFileMakingDirs } from "./write-file.ts";

export function createReportOutput(name: string, file: string | undefined, streams: OutputStreams): Output {
  return endOfTestOutput(`${name} result (${file ?? "stdout"})`, (report) => {
    const doc = report.reports[name];
    if (doc === undefined) return;
    const json = JSON.stringify(doc, null, 2) + "\n";
    if (file === undefined) streams.stdout(json);
    else writeFileMakingDirs(file, json);
  });
}
