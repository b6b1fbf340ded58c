import type { PerVuIterationsConfig } from "../config/scenario-config.ts";
import type { Executor } from "./types.ts";
import { onVus, stopGracefully } from "./graceful-stop.ts";

/** Each of `vus` VUs runs exactly `iterations` iterations (unless maxDuration ends first). */
export const perVuIterations: Executor<PerVuIterationsConfig> = {
  type: "per-vu-iterations",
  plannedVus: (c) => c.vus,
  maxDurationMs: (c) => c.maxDurationMs + c.gracefulStopMs,
  async run(c, run) {
    const total = c.vus * c.iterations;
    run.progress = () => run.completed / total;
    const loops = onVus(run, c.vus, async (slot) => {
      for (let i = 0; i < c.iterations && !run.stopping; i++) {
        slot.vu = await run.iterate(slot.vu);
      }
    });
    await Promise.race([loops, run.wait(c.maxDurationMs)]);
    await stopGracefully(run, loops, c.gracefulStopMs);
  },
};
