import type { ConstantArrivalRateConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { arrivalShare, arrivalTimes, runArrivals } from "./arrivals.ts";

/** Starts `rate` iterations per `timeUnit` for `duration`, whatever the response times (an open model). */
export const constantArrivalRate: Executor<ConstantArrivalRateConfig> = {
  type: "constant-arrival-rate",
  plannedVus: (c, segment) => segment.scale(c.preAllocatedVUs),
  maxDurationMs: (c) => c.durationMs + c.gracefulStopMs,
  async run(c, run) {
    run.progress = () => Math.min(1, run.elapsed() / c.durationMs);
    const share = arrivalShare(c, run.segment);
    if (share.stripe !== undefined) run.stripeIterations(share.stripe);
    const times = arrivalTimes(c.rate, [{ durationMs: c.durationMs, target: c.rate }], c.timeUnitMs, share.stripe, 0);
    await runArrivals(run, times, share.preAllocatedVUs, share.maxVUs, c.gracefulStopMs);
  },
};
