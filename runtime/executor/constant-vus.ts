import type { ConstantVusConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { onVus, stopGracefully } from "./graceful-stop.ts";

/** `vus` VUs (the segment's share of them) iterate back to back for `duration`; iterations in flight then get gracefulStop to end. */
export const constantVus: Executor<ConstantVusConfig> = {
  type: "constant-vus",
  plannedVus: (c, segment) => segment.scale(c.vus),
  maxDurationMs: (c) => c.durationMs + c.gracefulStopMs,
  async run(c, run) {
    run.progress = () => Math.min(1, run.elapsed() / c.durationMs);
    const loops = onVus(run, run.segment.scale(c.vus), async (slot) => {
      while (!run.stopping) slot.vu = await run.iterate(slot.vu);
    });
    await run.wait(c.durationMs);
    await stopGracefully(run, loops, c.gracefulStopMs);
  },
};
