// One tick of a run while it goes on, whatever its format (a scenario's execute-run.ts, a kperf profile's
// kperf-run.ts): its thresholds judged on the merged engine, a failing abortOnFail threshold stopping the run, and the
// outputs flushed.
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { ThresholdResults, ThresholdSet } from "../metrics/thresholds.ts";

/** How often a run judges its thresholds and flushes its outputs (and samples gauges, reports progress). */
export const TICK_MS = 500;

/**
 * Judges `thresholds` at `elapsedMs` when `judge` (thresholds are on and there are some), calls `abort` when one with
 * abortOnFail fails, and flushes the engine's outputs.
 * @returns the results judged now, or undefined when not judging.
 */
export function judgeTick(
  engine: MetricsEngine,
  thresholds: ThresholdSet,
  judge: boolean,
  elapsedMs: number,
  abort: (reason: string, exitCode: ExitCodeValue) => void,
): ThresholdResults | undefined {
  let judged: ThresholdResults | undefined;
  if (judge) {
    judged = thresholds.evaluate(engine, elapsedMs);
    if (judged.abort) abort(judged.abortReason ?? "a threshold with abortOnFail failed", ExitCode.thresholdsFailed);
  }
  engine.flush();
  return judged;
}
