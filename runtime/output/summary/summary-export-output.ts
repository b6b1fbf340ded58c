/** `--summary-export FILE`: the end-of-test summary as JSON (the object handleSummary receives). */
import { endOfTestOutput } from "../end-of-test.ts";
import type { Output } from "../types.ts";
import { writeFileMakingDirs } from "../write-file.ts";

export function createSummaryExportOutput(file: string): Output {
  return endOfTestOutput(`summary export (${file})`, (report) => writeFileMakingDirs(file, JSON.stringify(report.summary, null, 2) + "\n"));
}
