import type { RampingVusConfig } from "../config/scenario-config.ts";
import type { ExecutionTuple } from "../segment/execution-tuple.ts";
import type { VirtualUser } from "../vu/vu.ts";
import type { Executor } from "./types.ts";
import { stopGracefully } from "./graceful-stop.ts";
import { peak, stagesDuration, valueAt } from "./stages.ts";

const TICK_MS = 20;

/**
 * A segment's share of a ramping-vus scenario (k6's getRawExecutionSteps): the whole test's VU number g is active
 * while the target is at least g, and a segment owns the VU numbers of its stripe, so at each moment it runs its
 * share of the whole target. The segments' VUs add up to the target at every instant: the stages keep their shape.
 */
export function rampingVusShare(c: RampingVusConfig, segment: ExecutionTuple): { slots: number; vusFor(target: number): number } {
  return { slots: segment.scale(Math.ceil(peak(c.startVUs, c.stages))), vusFor: (target) => segment.scale(target) };
}

/**
 * The number of active VUs follows the stages linearly. VU slot i iterates while the target is above i; when the
 * target drops below it, its iteration in flight gets gracefulRampDown to finish and is interrupted after that.
 */
export const rampingVus: Executor<RampingVusConfig> = {
  type: "ramping-vus",
  plannedVus: (c, segment) => rampingVusShare(c, segment).slots,
  maxDurationMs: (c) => stagesDuration(c.stages) + c.gracefulStopMs,
  async run(c, run) {
    const total = stagesDuration(c.stages);
    const share = rampingVusShare(c, run.segment);
    const slots = share.slots;
    run.progress = () => Math.min(1, run.elapsed() / total);
    // The whole test's target, and this segment's share of it (the slots below it iterate).
    let target = c.startVUs;
    let mine = share.vusFor(target);
    const wakers = new Set<() => void>();
    const rampDownTimers = new Map<number, NodeJS.Timeout>();
    const current: Array<VirtualUser | undefined> = [];

    const tick = setInterval(() => {
      const t = run.elapsed();
      const raw = valueAt(c.startVUs, c.stages, t);
      // Round towards the previous value, so a VU joins when the ramp has fully reached it (k6 does the same).
      const next = raw >= target ? Math.floor(raw + 1e-9) : Math.ceil(raw - 1e-9);
      if (next !== target) {
        const nextMine = share.vusFor(next);
        for (let i = nextMine; i < mine; i++) {
          const vu = current[i];
          if (vu && !rampDownTimers.has(i)) {
            rampDownTimers.set(i, setTimeout(() => vu.interrupt(`gracefulRampDown (${c.gracefulRampDownMs} ms) ran out`), c.gracefulRampDownMs));
          }
        }
        target = next;
        mine = nextMine;
        for (const wake of wakers) wake();
      }
    }, TICK_MS);

    // A slot takes a VU only when the ramp reaches it and gives it back when the ramp leaves it, so the `vus`
    // metric and exec.instance.vusActive follow the stages (as in k6), not the peak.
    const loops = Promise.all(
      Array.from({ length: slots }, async (_, i) => {
        let vu: VirtualUser | undefined;
        try {
          while (!run.stopping) {
            if (i < mine) {
              vu ??= await run.takeVu();
              current[i] = vu;
              vu = await run.iterate(vu);
              current[i] = undefined;
              clearTimeout(rampDownTimers.get(i));
              rampDownTimers.delete(i);
            } else {
              if (vu) run.releaseVu(vu);
              vu = undefined;
              await new Promise<void>((resolve) => {
                const wake = () => {
                  wakers.delete(wake);
                  resolve();
                };
                wakers.add(wake);
                run.wait(total - run.elapsed()).then(wake);
              });
            }
          }
        } finally {
          if (vu) run.releaseVu(vu);
        }
      }),
    );
    await run.wait(total);
    clearInterval(tick);
    for (const wake of wakers) wake();
    for (const t of rampDownTimers.values()) clearTimeout(t);
    await stopGracefully(run, loops, c.gracefulStopMs);
  },
};
