import type { ScenarioConfig } from "../config/scenario-config.ts";
import type { ScenarioRun } from "../execution/scenario-run.ts";
import type { ExecutionTuple } from "../segment/execution-tuple.ts";

/**
 * One executor type (k6's semantics): how many VUs it needs, how long it may take, and how it starts iterations. Each
 * takes its segment's share of the scenario (`segment`; the whole test unless an execution segment is set), so that
 * the instances of a sequence together do exactly what one instance would.
 */
export interface Executor<C extends ScenarioConfig = ScenarioConfig> {
  readonly type: C["executor"];
  /** VUs to initialise before the test starts (k6 pre-allocates them so no VU is initialised mid-measurement). */
  plannedVus(config: C, segment: ExecutionTuple): number;
  /** The longest the scenario can run, gracefulStop included; the scheduler uses it to plan overlapping scenarios. */
  maxDurationMs(config: C): number;
  /** Runs the segment's share of the scenario (`run.segment`) to its end; resolves when every iteration it started has ended. */
  run(config: C, run: ScenarioRun): Promise<void>;
}
