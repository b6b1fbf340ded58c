/** What the script's handleSummary returned: each key a file to write, or `stdout`/`stderr` (k6's semantics). */
import { endOfTestOutput } from "../end-of-test.ts";
import type { Output, OutputStreams } from "../types.ts";
import { writeFileMakingDirs } from "../write-file.ts";

export function createHandleSummaryOutput(streams: OutputStreams): Output {
  return endOfTestOutput("handleSummary files", (report) => {
    for (const [target, content] of Object.entries(report.handleSummary ?? {})) {
      if (target === "stdout") streams.stdout(content);
      else if (target === "stderr") streams.stderr(content);
      else writeFileMakingDirs(target, content);
    }
  });
}
