import type { PerVuIterationsConfig } from "../config/scenario-config.ts";
import type { ExecutionTuple } from "../segment/execution-tuple.ts";
import type { Executor } from "./types.ts";
import { onVus, stopGracefully } from "./graceful-stop.ts";

/** A segment's share (k6): its share of the VUs, each running the full `iterations` (scaling both would be quadratic). */
export function perVuIterationsShare(c: PerVuIterationsConfig, segment: ExecutionTuple): { vus: number; iterations: number } {
  return { vus: segment.scale(c.vus), iterations: c.iterations };
}

/** Each of `vus` VUs runs exactly `iterations` iterations (unless maxDuration ends first). */
export const perVuIterations: Executor<PerVuIterationsConfig> = {
  type: "per-vu-iterations",
  plannedVus: (c, segment) => segment.scale(c.vus),
  maxDurationMs: (c) => c.maxDurationMs + c.gracefulStopMs,
  async run(c, run) {
    const share = perVuIterationsShare(c, run.segment);
    const total = share.vus * share.iterations;
    run.progress = () => (total === 0 ? 1 : run.completed / total);
    const loops = onVus(run, share.vus, async (slot) => {
      for (let i = 0; i < share.iterations && !run.stopping; i++) {
        slot.vu = await run.iterate(slot.vu);
      }
    });
    await Promise.race([loops, run.wait(c.maxDurationMs)]);
    await stopGracefully(run, loops, c.gracefulStopMs);
  },
};
