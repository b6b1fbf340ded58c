/**
 * Every output a run has, registered here and nowhere else: the sample outputs by `--out` name (k6's
 * internal/cmd/outputs.go map; the part after the first `=` is the output's argument, e.g. `json=results.ndjson`),
 * and the end-of-test ones the run flags ask for: `--summary-export`, handleSummary's files, a format's own result
 * (`--result-format kperf`), and the text summary. An HTML report or a JUnit file is one more entry.
 */
import { InvalidOptionsError } from "../errors.ts";
import { createJsonOutput } from "./json-output.ts";
import { createReportOutput } from "./report-output.ts";
import { createHandleSummaryOutput } from "./summary/handle-summary-output.ts";
import { createSummaryExportOutput } from "./summary/summary-export-output.ts";
import { createSummaryLineOutput } from "./summary/summary-line-output.ts";
import { createTextSummaryOutput } from "./summary/text-summary-output.ts";
import type { Output, OutputStreams } from "./types.ts";

/** Output factories by `--out` name. */
const OUTPUTS: ReadonlyMap<string, (arg: string) => Output> = new Map([["json", (arg: string) => createJsonOutput(arg)]]);

/** `--result-format` values: a format's report by name, or `text` (the text summary only). */
const RESULT_FORMATS = ["kperf", "text"] as const;

/** The `--out` names this build supports. */
export function supportedOutputs(): string[] {
  return [...OUTPUTS.keys()];
}

/**
 * Creates the output an `--out` value names: `json=FILE` (`.gz` compresses; `json` or `json=-` writes to stdout).
 * @throws {Error} quoting the value and listing the supported names when the name is unknown.
 */
export function createOutput(spec: string): Output {
  const eq = spec.indexOf("=");
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  const arg = eq < 0 ? "" : spec.slice(eq + 1).trim();
  const factory = OUTPUTS.get(name);
  if (factory === undefined) {
    const why = name === "" ? "missing output name" : `unknown output "${name}"`;
    throw new Error(`--out ${JSON.stringify(spec)}: ${why}; supported: ${supportedOutputs().join(", ")} (e.g. --out json=results.ndjson)`);
  }
  return factory(arg);
}

/** The flags of `loadgen run` that choose outputs. */
export interface OutputFlags {
  /** `--out` values. */
  readonly out: readonly string[];
  readonly summaryExport?: string;
  /** False for `--no-summary`. */
  readonly summary: boolean;
  readonly color: boolean;
  readonly resultFormat?: string;
  readonly result?: string;
  /** `--summary-line`: the summary JSON as stdout's last line (what `loadgen job` pods leave). */
  readonly summaryLine?: boolean;
}

/**
 * A run's outputs, in the order they receive the end-of-test report.
 * @throws {InvalidOptionsError} listing every flag that names no output.
 */
export function createRunOutputs(flags: OutputFlags, streams: OutputStreams): Output[] {
  const problems: string[] = [];
  const outputs: Output[] = [];
  if (flags.summaryExport) outputs.push(createSummaryExportOutput(flags.summaryExport));
  outputs.push(createHandleSummaryOutput(streams));
  const format = flags.resultFormat;
  if (format !== undefined && !(RESULT_FORMATS as readonly string[]).includes(format)) {
    problems.push(`--result-format: ${RESULT_FORMATS.map((f) => JSON.stringify(f)).join(" or ")}, got ${JSON.stringify(format)}`);
  }
  const report = format !== undefined && format !== "text" ? format : undefined;
  if (report !== undefined) outputs.push(createReportOutput(report, flags.result, streams));
  // A report on stdout replaces the text summary there; written to a file, it leaves the summary in place.
  if (flags.summary) outputs.push(createTextSummaryOutput(streams, { color: flags.color, unlessReport: report !== undefined && flags.result === undefined ? report : undefined }));
  // Last on stdout: a reader takes the last marked line of the log.
  if (flags.summaryLine) outputs.push(createSummaryLineOutput(streams));
  for (const spec of flags.out) {
    try {
      outputs.push(createOutput(spec));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new InvalidOptionsError(problems);
  return outputs;
}
