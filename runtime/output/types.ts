/**
 * The output contract (k6's output.Output): the engine hands each output batches of samples about once a second, and
 * at the end of the test every output may receive the end-of-test summary with the run's metadata (k6's summary is an
 * output too). An output takes either or both: the text summary and `--summary-export` take only the summary, `--out
 * json` only samples. Outputs buffer and write in the background; `add` must never block or await I/O.
 *
 * Layer: runtime/output may import runtime/metrics (types), runtime/bundle/display-path and Node; never the CLI,
 * the execution layer, the input formats or stdlib/.
 */
import type { Metric } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { Summary } from "./summary/build-summary.ts";

/** One sample as outputs see it. `time` is milliseconds since the epoch (Date.now() when the engine took it). */
export interface SampleRecord {
  readonly metric: Metric;
  readonly tags: TagSet;
  readonly value: number;
  readonly time: number;
}

/** Who ran what, for an output that reports on the run (a JUnit file's suite, an HTML report's header). */
export interface RunMetadata {
  readonly runId: string;
  /** The input format's name (runtime/formats), e.g. `typescript-scenario`, `kperf-profile`. */
  readonly format: string;
  /** The file the user gave, as displayed. */
  readonly source: string;
  /** ISO 8601 times of the run's start (before setup) and end (after the final threshold judgement). */
  readonly startTime: string;
  readonly endTime: string;
  /** The exit code the run ends with (before any output fails). */
  readonly exitCode: number;
}

/** One distinct iteration error and how often it happened. */
export interface IterationError {
  readonly name: string;
  readonly message: string;
  readonly location: string | undefined;
  readonly count: number;
}

/** What an output receives once at the end of the test. */
export interface EndOfTest {
  readonly summary: Summary;
  readonly metadata: RunMetadata;
  /** Files (or `stdout`/`stderr`) the script's handleSummary returned; undefined when it has none (or it failed). */
  readonly handleSummary: Readonly<Record<string, string>> | undefined;
  readonly errors: readonly IterationError[];
  /** Result documents in a format's own shape, by name: kperf's result JSON under `kperf`. */
  readonly reports: Readonly<Record<string, unknown>>;
}

/** A destination for samples (`--out json=FILE`), for the end-of-test summary (`--summary-export FILE`), or both. */
export interface Output {
  /** Shown in messages about it, e.g. `json (results.ndjson)`. */
  describe(): string;
  /** Opens files or connections before the first sample. */
  start(): Promise<void>;
  /**
   * Hot path: buffer the batch, never await I/O here. The array is shared with other outputs: do not modify it. An
   * output without `add` gets no samples, and the engine buffers none for it.
   */
  add?(samples: readonly SampleRecord[]): void;
  /** The end-of-test summary, once, after the final threshold judgement and before `stop`. */
  endOfTest?(report: EndOfTest): Promise<void>;
  /** Flushes and closes; `error` is the run's error, undefined after a clean run. */
  stop(error?: Error): Promise<void>;
}

/** An output that takes samples. */
export type SampleOutput = Output & Required<Pick<Output, "add">>;

/** Where outputs that print write: the process's streams in the CLI (behind its progress display), buffers in tests. */
export interface OutputStreams {
  stdout(text: string): void;
  stderr(text: string): void;
}
