import type { SharedIterationsConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { onVus, stopGracefully } from "./graceful-stop.ts";

/** `vus` VUs share a pool of `iterations`: each takes the next one as soon as it is free, until none are left or maxDuration ends. */
export const sharedIterations: Executor<SharedIterationsConfig> = {
  type: "shared-iterations",
  plannedVus: (c) => c.vus,
  maxDurationMs: (c) => c.maxDurationMs + c.gracefulStopMs,
  async run(c, run) {
    let remaining = c.iterations;
    run.progress = () => (c.iterations - remaining - run.inFlight) / c.iterations;
    const loops = onVus(run, c.vus, async (slot) => {
      while (remaining > 0 && !run.stopping) {
        remaining--;
        slot.vu = await run.iterate(slot.vu);
      }
    });
    await Promise.race([loops, run.wait(c.maxDurationMs)]);
    await stopGracefully(run, loops, c.gracefulStopMs);
  },
};
