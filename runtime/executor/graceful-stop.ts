import type { ScenarioRun } from "../execution/scenario-run.ts";
import type { VirtualUser } from "../vu/vu.ts";

/**
 * Ends a scenario the k6 way: stop starting iterations, give the ones in flight `gracefulStopMs` to finish,
 * then interrupt what is left. Resolves when every loop has returned.
 */
export async function stopGracefully(run: ScenarioRun, loops: Promise<unknown>, gracefulStopMs: number): Promise<void> {
  run.stop();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), gracefulStopMs);
  });
  const first = await Promise.race([loops.then(() => "done" as const), expired]);
  clearTimeout(timer);
  if (first === "expired") run.hardStop(`gracefulStop (${gracefulStopMs} ms) ran out`);
  await loops;
}

/** A VU a loop holds; `iterate()` may swap it for a fresh one, so loops keep it in a slot. */
export interface VuSlot {
  vu: VirtualUser;
}

/** Runs `loop` on `count` VUs taken from the scenario, giving each back when its loop returns. */
export function onVus(run: ScenarioRun, count: number, loop: (slot: VuSlot, index: number) => Promise<void>): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    loops.push(
      (async () => {
        const slot: VuSlot = { vu: await run.takeVu() };
        try {
          await loop(slot, i);
        } finally {
          run.releaseVu(slot.vu);
        }
      })(),
    );
  }
  return Promise.all(loops).then(() => undefined);
}
