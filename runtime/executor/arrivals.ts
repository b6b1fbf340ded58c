import type { Stage } from "../config/scenario-config.ts";
import type { ScenarioRun } from "../execution/scenario-run.ts";
import type { VirtualUser } from "../vu/vu.ts";
import type { ExecutionTuple } from "../segment/execution-tuple.ts";
import { SegmentedIndex } from "../segment/segmented-index.ts";
import { stopGracefully } from "./graceful-stop.ts";

/**
 * Start times (ms from the scenario's start) of the arrivals this segment owns, for a rate that ramps linearly through
 * `stages` from `startRate` (rates per `timeUnitMs`). Arrival i of the whole test (0-based) starts when the integral
 * of the rate reaches i + `firstArea`: k6 starts a constant-arrival-rate's first iteration at once (firstArea 0: at 0,
 * 1/r, 2/r, …) and a ramping-arrival-rate's once one full iteration's worth of rate has passed (firstArea 1, k6's
 * `cal`). The segment takes the arrivals of its stripe (`stripe`; none when undefined), so the segments of a sequence
 * start every arrival of the whole test exactly once, each at the time a single instance would.
 */
export function* arrivalTimes(startRate: number, stages: readonly Stage[], timeUnitMs: number, stripe: ExecutionTuple | undefined, firstArea: 0 | 1): Generator<number> {
  if (stripe === undefined) return;
  const index = new SegmentedIndex(stripe);
  let area = index.next() - 1 + firstArea;
  let doneSoFar = 0; // arrivals due by the start of the current stage (the integral so far)
  let at = 0;
  let from = startRate / timeUnitMs;
  const total = integral(startRate, stages, timeUnitMs);
  // A ramping rate's last arrival may fall on its very end (k6 includes it); a constant rate's would be one too many.
  const inTest = (a: number) => (firstArea === 1 ? a <= total + 1e-9 : a < total - 1e-9);
  for (const s of stages) {
    const to = s.target / timeUnitMs;
    const d = s.durationMs;
    if (d === 0) {
      from = to; // a jump: no time passes, so no arrival is due in it
      continue;
    }
    const slope = (to - from) / d;
    const end = doneSoFar + from * d + (slope * d * d) / 2;
    // A stage at rate 0 starts nothing (and its arrival times would divide by 0).
    while (area <= end + 1e-9 && inTest(area) && (from > 0 || slope !== 0)) {
      const need = area - doneSoFar;
      const t = slope === 0 ? need / from : (-from + Math.sqrt(Math.max(0, from * from + 2 * slope * need))) / slope;
      yield at + Math.min(d, t);
      area = index.next() - 1 + firstArea;
    }
    doneSoFar = end;
    at += d;
    from = to;
  }
}

/**
 * A segment's share of an arrival-rate scenario (k6): its share of preAllocatedVUs and of maxVUs, and the stripe of
 * arrivals it starts, cut in proportion to its maxVUs, so that a segment that can have no VU gets no arrival (k6
 * #1308) while the segments still start every arrival between them. The shares of maxVUs add up to maxVUs exactly
 * (k6 #997 was shares adding up to more).
 */
export function arrivalShare(c: { readonly preAllocatedVUs: number; readonly maxVUs: number }, segment: ExecutionTuple): { preAllocatedVUs: number; maxVUs: number; stripe: ExecutionTuple | undefined } {
  return { preAllocatedVUs: segment.scale(c.preAllocatedVUs), maxVUs: segment.scale(c.maxVUs), stripe: segment.resegmented(c.maxVUs) };
}

/** Arrivals due over the whole of `stages`: the integral of the rate. */
export function integral(startRate: number, stages: readonly Stage[], timeUnitMs: number): number {
  let from = startRate / timeUnitMs;
  let total = 0;
  for (const s of stages) {
    const to = s.target / timeUnitMs;
    total += ((from + to) / 2) * s.durationMs;
    from = to;
  }
  return total;
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
