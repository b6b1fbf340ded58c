/**
 * The end-of-test summary on stdout (`--no-summary` leaves it out): k6's text layout (render-text.ts), then the
 * distinct iteration errors. A script whose handleSummary returned something replaces it, as in k6.
 */
import { endOfTestOutput } from "../end-of-test.ts";
import type { Output, OutputStreams } from "../types.ts";
import { renderTextSummary } from "./render-text.ts";

/** Iteration errors listed under the summary; the rest are counted in it. */
const ERRORS_SHOWN = 10;

export interface TextSummaryOptions {
  readonly color: boolean;
  /** Not printed when the run has this report, which goes to stdout instead (`--result-format kperf` without `--result`). */
  readonly unlessReport?: string;
}

export function createTextSummaryOutput(streams: OutputStreams, o: TextSummaryOptions): Output {
  return endOfTestOutput("text summary (stdout)", (report) => {
    if (report.handleSummary !== undefined) return;
    if (o.unlessReport !== undefined && report.reports[o.unlessReport] !== undefined) return;
    let text = renderTextSummary(report.summary, { color: o.color }) + "\n";
    if (report.errors.length) {
      text += "\n  iteration errors:\n";
      for (const e of report.errors.slice(0, ERRORS_SHOWN)) {
        text += `    ${String(e.count).padStart(6)} × ${e.name}: ${e.message}${e.location ? ` (${e.location})` : ""}\n`;
      }
    }
    streams.stdout(text);
  });
}
