import type { SharedIterationsConfig } from "../config/scenario-config.ts";
import type { ExecutionTuple } from "../segment/execution-tuple.ts";
import type { Executor } from "./types.ts";
import { onVus, stopGracefully } from "./graceful-stop.ts";

/**
 * A segment's share of shared iterations (k6's GetVUs/GetIterations): its share of the VUs, and of the iterations a
 * share in proportion to those VUs. A segment without a VU gets no iteration (k6 #1308: work with no VU to do it).
 */
export function sharedIterationsShare(c: SharedIterationsConfig, segment: ExecutionTuple): { vus: number; iterations: number; stripe: ExecutionTuple | undefined } {
  const stripe = segment.resegmented(c.vus);
  return { vus: segment.scale(c.vus), iterations: stripe === undefined ? 0 : stripe.scale(c.iterations), stripe };
}

/** `vus` VUs share a pool of `iterations`: each takes the next one as soon as it is free, until none are left or maxDuration ends. */
export const sharedIterations: Executor<SharedIterationsConfig> = {
  type: "shared-iterations",
  plannedVus: (c, segment) => segment.scale(c.vus),
  maxDurationMs: (c) => c.maxDurationMs + c.gracefulStopMs,
  async run(c, run) {
    const share = sharedIterationsShare(c, run.segment);
    if (share.stripe !== undefined) run.stripeIterations(share.stripe);
    let remaining = share.iterations;
    run.progress = () => (share.iterations === 0 ? 1 : (share.iterations - remaining - run.inFlight) / share.iterations);
    const loops = onVus(run, share.vus, async (slot) => {
      while (remaining > 0 && !run.stopping) {
        remaining--;
        slot.vu = await run.iterate(slot.vu);
      }
    });
    await Promise.race([loops, run.wait(c.maxDurationMs)]);
    await stopGracefully(run, loops, c.gracefulStopMs);
  },
};
