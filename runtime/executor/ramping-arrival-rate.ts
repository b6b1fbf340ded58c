import type { RampingArrivalRateConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { arrivalTimes, runArrivals } from "./arrivals.ts";
import { stagesDuration } from "./stages.ts";

/** Starts iterations at a rate that ramps linearly through the stages (per `timeUnit`), from `startRate`. */
export const rampingArrivalRate: Executor<RampingArrivalRateConfig> = {
  type: "ramping-arrival-rate",
  plannedVus: (c) => c.preAllocatedVUs,
  maxDurationMs: (c) => stagesDuration(c.stages) + c.gracefulStopMs,
  async run(c, run) {
    const total = stagesDuration(c.stages);
    run.progress = () => Math.min(1, run.elapsed() / total);
    await runArrivals(run, arrivalTimes(c.startRate, c.stages, c.timeUnitMs), c.preAllocatedVUs, c.maxVUs, c.gracefulStopMs);
  },
};
