import type { Stage } from "../config/scenario-config.ts";

/** Total length of a list of stages. */
export function stagesDuration(stages: readonly Stage[]): number {
  let total = 0;
  for (const s of stages) total += s.durationMs;
  return total;
}

/** The value that ramps linearly from `start` through each stage's target, at `t` ms (the last target after the end). */
export function valueAt(start: number, stages: readonly Stage[], t: number): number {
  let from = start;
  let at = 0;
  for (const s of stages) {
    if (t < at + s.durationMs) return from + ((s.target - from) * (t - at)) / s.durationMs;
    at += s.durationMs;
    from = s.target;
  }
  return from;
}

/** The highest value the stages reach, `start` included. */
export function peak(start: number, stages: readonly Stage[]): number {
  return stages.reduce((m, s) => Math.max(m, s.target), start);
}
