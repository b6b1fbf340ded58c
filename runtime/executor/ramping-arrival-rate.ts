import type { RampingArrivalRateConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { arrivalShare, arrivalTimes, runArrivals } from "./arrivals.ts";
import { stagesDuration } from "./stages.ts";

/** Starts iterations at a rate that ramps linearly through the stages (per `timeUnit`), from `startRate`. */
export const rampingArrivalRate: Executor<RampingArrivalRateConfig> = {
  type: "ramping-arrival-rate",
  plannedVus: (c, segment) => segment.scale(c.preAllocatedVUs),
  maxDurationMs: (c) => stagesDuration(c.stages) + c.gracefulStopMs,
  async run(c, run) {
    const total = stagesDuration(c.stages);
    run.progress = () => Math.min(1, run.elapsed() / total);
    const share = arrivalShare(c, run.segment);
    if (share.stripe !== undefined) run.stripeIterations(share.stripe);
    const times = arrivalTimes(c.startRate, c.stages, c.timeUnitMs, share.stripe, 1);
    await runArrivals(run, times, share.preAllocatedVUs, share.maxVUs, c.gracefulStopMs);
  },
};
