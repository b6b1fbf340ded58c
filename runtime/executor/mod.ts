import type { ExecutorType, ScenarioConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { sharedIterations } from "./shared-iterations.ts";
import { perVuIterations } from "./per-vu-iterations.ts";
import { constantVus } from "./constant-vus.ts";
import { rampingVus } from "./ramping-vus.ts";
import { constantArrivalRate } from "./constant-arrival-rate.ts";
import { rampingArrivalRate } from "./ramping-arrival-rate.ts";

/** Every executor by its `executor:` name (k6's names). */
export const executors: ReadonlyMap<ExecutorType, Executor> = new Map(
  ([sharedIterations, perVuIterations, constantVus, rampingVus, constantArrivalRate, rampingArrivalRate] as Executor[]).map((e) => [e.type, e]),
);

/** The executor of a scenario. */
export function executorFor(config: ScenarioConfig): Executor {
  return executors.get(config.executor)!;
}
