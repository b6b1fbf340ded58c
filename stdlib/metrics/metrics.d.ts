/**
 * `loadgen/metrics`: custom metrics, as in k6. Create them in the init context (top level); add samples in
 * iterations. Every sample carries the VU's tags (scenario, group) plus the tags you pass. Use them in thresholds
 * by name, e.g. `thresholds: { vmi_ready_seconds: ["p(95)<60"] }`.
 * @module
 */

/** Tags for one sample: tag name → value. */
export type Tags = Record<string, string>;

/**
 * A sum (`count`) and its rate per second (`rate`).
 * @example Usage
 * ```ts
 * import { Counter } from "loadgen/metrics";
 * const created = new Counter("objects_created");
 * created.add(1, { kind: "VirtualMachineInstance" });
 * ```
 */
export class Counter {
  /** @param name Letters, digits and underscores. @param isTime Values are milliseconds (for display). */
  constructor(name: string, isTime?: boolean);
  readonly name: string;
  /**
   * Adds `value` (usually 1).
   * @example Usage
   * ```ts
   * import { Counter } from "loadgen/metrics";
   * const retries = new Counter("retries");
   * retries.add(3, { verb: "create" });
   * ```
   */
  add(value: number, tags?: Tags): void;
}

/**
 * The last value set (`value`), with `min` and `max`.
 * @example Usage
 * ```ts
 * import { Gauge } from "loadgen/metrics";
 * const running = new Gauge("vmis_running");
 * running.add(42);
 * ```
 */
export class Gauge {
  /** @param name Letters, digits and underscores. @param isTime Values are milliseconds (for display). */
  constructor(name: string, isTime?: boolean);
  readonly name: string;
  /**
   * Sets the gauge to `value`.
   * @example Usage
   * ```ts
   * import { Gauge } from "loadgen/metrics";
   * const pending = new Gauge("vmis_pending");
   * pending.add(7, { namespace: "density" });
   * ```
   */
  add(value: number, tags?: Tags): void;
}

/**
 * The share of non-zero samples (`rate`, with `passes` and `fails`).
 * @example Usage
 * ```ts
 * import { Rate } from "loadgen/metrics";
 * const ready = new Rate("vmi_ready_in_time");
 * ready.add(true);
 * ```
 */
export class Rate {
  /** @param name Letters, digits and underscores. */
  constructor(name: string);
  readonly name: string;
  /**
   * Records a pass (truthy) or a fail (falsy).
   * @example Usage
   * ```ts
   * import { Rate } from "loadgen/metrics";
   * const created = new Rate("created_first_try");
   * created.add(false, { reason: "conflict" });
   * ```
   */
  add(value: boolean | number, tags?: Tags): void;
}

/**
 * A distribution (`avg`, `min`, `med`, `max`, `p(N)`), kept in a mergeable t-digest so memory stays bounded.
 * @example Usage
 * ```ts
 * import { Trend } from "loadgen/metrics";
 * const toRunning = new Trend("vmi_to_running", true);
 * toRunning.add(1234);
 * ```
 */
export class Trend {
  /** @param name Letters, digits and underscores. @param isTime Values are milliseconds: the summary prints them as durations. */
  constructor(name: string, isTime?: boolean);
  readonly name: string;
  /**
   * Records one sample.
   * @example Usage
   * ```ts
   * import { Trend } from "loadgen/metrics";
   * const listMs = new Trend("list_ms", true);
   * listMs.add(12.5, { resource: "pods" });
   * ```
   */
  add(value: number, tags?: Tags): void;
}
