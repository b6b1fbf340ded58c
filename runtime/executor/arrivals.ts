import type { Stage } from "../config/scenario-config.ts";
import type { ScenarioRun } from "../execution/scenario-run.ts";
import type { VirtualUser } from "../vu/vu.ts";
import { stopGracefully } from "./graceful-stop.ts";

/**
 * Start times (ms from the scenario's start) of the iterations of an arrival rate that ramps linearly through
 * `stages`, beginning at `startRate`; rates are per `timeUnitMs`. Iteration k starts when the integral of the
 * rate reaches k, so a constant rate r gives starts at 0, 1/r, 2/r, …
 */
export function* arrivalTimes(startRate: number, stages: readonly Stage[], timeUnitMs: number): Generator<number> {
  let k = 0;
  let count = 0; // iterations due by the start of the current stage
  let at = 0;
  let from = startRate / timeUnitMs;
  for (const s of stages) {
    const to = s.target / timeUnitMs;
    const d = s.durationMs;
    const slope = (to - from) / d;
    const inStage = from * d + (slope * d * d) / 2;
    while (k < count + inStage - 1e-9) {
      const need = k - count;
      const t = slope === 0 ? need / from : (-from + Math.sqrt(Math.max(0, from * from + 2 * slope * need))) / slope;
      yield at + t;
      k++;
    }
    count += inStage;
    at += d;
    from = to;
  }
}

/**
 * Starts an iteration at each time `times` yields, on a free VU of the scenario. With no VU free the iteration is
 * dropped (counted in `dropped_iterations`), never queued: a queue would hide the server's slowness
 * (coordinated omission). Meanwhile one more VU is initialised, up to `maxVUs`.
 */
export async function runArrivals(
  run: ScenarioRun,
  times: Iterator<number>,
  preAllocatedVUs: number,
  maxVUs: number,
  gracefulStopMs: number,
): Promise<void> {
  const idle: VirtualUser[] = [];
  for (let i = 0; i < preAllocatedVUs; i++) idle.push(await run.takeVu());
  let owned = preAllocatedVUs;
  let growing = false;
  const inFlight = new Set<Promise<void>>();

  const start = (vu: VirtualUser) => {
    const p: Promise<void> = run.iterate(vu).then((next) => {
      inFlight.delete(p);
      idle.push(next);
    });
    inFlight.add(p);
  };
  const grow = () => {
    if (growing || owned >= maxVUs || run.stopping) return;
    growing = true;
    owned++;
    run.takeVu().then(
      (vu) => {
        growing = false;
        idle.push(vu);
      },
      () => {
        growing = false;
        owned--;
      },
    );
  };

  let next = times.next();
  while (!next.done && !run.stopping) {
    const now = run.elapsed();
    while (!next.done && next.value <= now) {
      const vu = idle.pop();
      if (vu) start(vu);
      else {
        run.drop();
        grow();
      }
      next = times.next();
    }
    if (!next.done) await run.wait(next.value - run.elapsed());
  }
  const all = (async () => {
    while (inFlight.size) await Promise.all(inFlight);
  })();
  await stopGracefully(run, all, gracefulStopMs);
  while (growing) await new Promise((r) => setTimeout(r, 5));
  for (const vu of idle) run.releaseVu(vu);
}
