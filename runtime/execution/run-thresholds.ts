import { InvalidOptionsError } from "../errors.ts";
import type { MetricRegistry } from "../metrics/metric.ts";
import { ThresholdConfigError, ThresholdSet } from "../metrics/thresholds.ts";

/**
 * A run's thresholds: the scenario's `options.thresholds` (none for a format without options) with `--threshold`'s
 * conditions added to their keys, checked against the run's metrics.
 * @throws {InvalidOptionsError} naming `source` and every condition that does not parse or does not fit its metric's type.
 */
export function runThresholds(
  fromOptions: Readonly<Record<string, unknown>>,
  fromFlags: Readonly<Record<string, readonly string[]>> | undefined,
  metrics: MetricRegistry,
  source: string,
): ThresholdSet {
  const raw: Record<string, unknown> = { ...fromOptions };
  for (const [key, conditions] of Object.entries(fromFlags ?? {})) {
    const written = raw[key];
    // A malformed key in the options stays as written, so that its own error is reported.
    raw[key] = written === undefined ? [...conditions] : Array.isArray(written) ? [...written, ...conditions] : written;
  }
  let thresholds: ThresholdSet;
  try {
    thresholds = ThresholdSet.fromOptions(raw, metrics);
  } catch (e) {
    if (e instanceof ThresholdConfigError) throw new InvalidOptionsError(e.problems, source);
    throw e;
  }
  const typeProblems = thresholds.typeProblems(metrics);
  if (typeProblems.length) throw new InvalidOptionsError(typeProblems, source);
  return thresholds;
}
