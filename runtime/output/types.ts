/**
 * The output contract (k6's output.Output): the engine hands each output batches of samples about once a second.
 * Outputs buffer and write in the background; `add` must never block or await I/O.
 */
import type { Metric } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";

/** One sample as outputs see it. `time` is milliseconds since the epoch (Date.now() when the engine took it). */
export interface SampleRecord {
  readonly metric: Metric;
  readonly tags: TagSet;
  readonly value: number;
  readonly time: number;
}

/** A destination for samples, such as `--out json=FILE`. */
export interface Output {
  /** Shown in the run banner, e.g. `json (results.ndjson)`. */
  describe(): string;
  /** Opens files or connections before the first sample. */
  start(): Promise<void>;
  /** Hot path: buffer the batch, never await I/O here. The array is shared with other outputs: do not modify it. */
  add(samples: readonly SampleRecord[]): void;
  /** Flushes and closes; `error` is the run's error, undefined after a clean run. */
  stop(error?: Error): Promise<void>;
}
