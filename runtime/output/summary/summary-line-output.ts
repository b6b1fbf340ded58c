/**
 * `--summary-line`: the end-of-test summary (the JSON `--summary-export` writes) as the last line of stdout, after a
 * marker, so that a run whose only lasting trace is its log (a Kubernetes Job's pod: `loadgen job`) leaves a result
 * that can be read back through the API server (`loadgen job result`), with no file to fetch and no write access to
 * the cluster for the pod. One line however long: the kubelet splits long lines in its log files and joins them again
 * when the log is read.
 */
import { endOfTestOutput } from "../end-of-test.ts";
import type { Output, OutputStreams } from "../types.ts";

export const SUMMARY_LINE_MARKER = "loadgen-summary-json ";

export function createSummaryLineOutput(streams: OutputStreams): Output {
  return endOfTestOutput("summary line (stdout)", (report) => {
    streams.stdout(`\n${SUMMARY_LINE_MARKER}${JSON.stringify(report.summary)}\n`);
  });
}

/**
 * The summary JSON text of the last summary line in `log`, undefined when there is none (a run that ended before its
 * summary, or a log without --summary-line).
 */
export function findSummaryLine(log: string): string | undefined {
  const at = log.lastIndexOf("\n" + SUMMARY_LINE_MARKER);
  const start = at >= 0 ? at + 1 : log.startsWith(SUMMARY_LINE_MARKER) ? 0 : -1;
  if (start < 0) return undefined;
  const end = log.indexOf("\n", start);
  return log.slice(start + SUMMARY_LINE_MARKER.length, end < 0 ? undefined : end);
}
