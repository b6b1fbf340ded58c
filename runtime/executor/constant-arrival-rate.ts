import type { ConstantArrivalRateConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { arrivalTimes, runArrivals } from "./arrivals.ts";

/** Starts `rate` iterations per `timeUnit` for `duration`, whatever the response times (an open model). */
export const constantArrivalRate: Executor<ConstantArrivalRateConfig> = {
  type: "constant-arrival-rate",
  plannedVus: (c) => c.preAllocatedVUs,
  maxDurationMs: (c) => c.durationMs + c.gracefulStopMs,
  async run(c, run) {
    run.progress = () => Math.min(1, run.elapsed() / c.durationMs);
    const times = arrivalTimes(c.rate, [{ durationMs: c.durationMs, target: c.rate }], c.timeUnitMs);
    await runArrivals(run, times, c.preAllocatedVUs, c.maxVUs, c.gracefulStopMs);
  },
};
