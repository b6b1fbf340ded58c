// The milestones of a workload's replica count relative to the start of the load, as an autoscaler test reads them:
// the count when the load started (the baseline), the first scale-up above it, reaching the maximum, the first
// scale-down from the maximum and the return to the baseline. Fed one observation at a time, so a watcher can emit each
// milestone as a metric when it happens (thresholds see it during the run) and report the same figures at the end.

/** One milestone's name: what `observe` returns when it is reached or moves. */
export type MilestoneName = "scaleUp" | "max" | "scaleDown" | "backToBaseline";

/** A replica series' milestones; times in ms from the load's start, null when not (yet) reached. */
export interface Milestones {
  /** Replicas when the load started (the first value seen, if the workload appeared later); null before the load. */
  readonly baseline: number | null;
  /** The most replicas since the load started (at least the baseline). */
  readonly max: number | null;
  /** The last value seen (before the load too). */
  readonly final: number | null;
  /** First count above the baseline. */
  readonly scaleUpMs: number | null;
  /** Reaching the maximum (null when it never rose above the baseline). */
  readonly maxMs: number | null;
  /** First count below the maximum after reaching it. */
  readonly scaleDownMs: number | null;
  /** First count at or below the baseline after reaching the maximum: scaled back down. */
  readonly backToBaselineMs: number | null;
}

export class MilestoneTracker {
  /** The last value before the load started. */
  #before: number | undefined;
  #baseline: number | null = null;
  #max: number | null = null;
  #final: number | null = null;
  #scaleUp: number | null = null;
  #maxAt: number | null = null;
  #scaleDown: number | null = null;
  #back: number | null = null;

  /**
   * Records the count `value` seen at `atMs` (ms since the epoch); `loadStartMs` is when the load started, undefined
   * while it has not. Returns the milestones this value reached or moved (a new maximum moves `max` and clears the
   * scale-down milestones of the lower one).
   */
  observe(atMs: number, value: number, loadStartMs: number | undefined): MilestoneName[] {
    this.#final = value;
    if (loadStartMs === undefined || atMs < loadStartMs) {
      this.#before = value;
      return [];
    }
    const t = atMs - loadStartMs;
    if (this.#baseline === null) {
      this.#baseline = this.#before ?? value;
      this.#max = this.#baseline;
    }
    const changed: MilestoneName[] = [];
    const baseline = this.#baseline;
    if (value > baseline && this.#scaleUp === null) {
      this.#scaleUp = t;
      changed.push("scaleUp");
    }
    if (value > this.#max!) {
      this.#max = value;
      this.#maxAt = t;
      this.#scaleDown = null;
      this.#back = null;
      changed.push("max");
    } else if (this.#maxAt !== null && value < this.#max! && this.#scaleDown === null) {
      this.#scaleDown = t;
      changed.push("scaleDown");
    }
    if (this.#maxAt !== null && value <= baseline && this.#back === null) {
      this.#back = t;
      changed.push("backToBaseline");
    }
    return changed;
  }

  /** The milestones so far; `loadStarted` fixes the baseline at the last value before it when nothing came after. */
  milestones(loadStarted: boolean): Milestones {
    const baseline = this.#baseline ?? (loadStarted ? (this.#before ?? null) : null);
    return {
      baseline,
      max: this.#max ?? baseline,
      final: this.#final,
      scaleUpMs: this.#scaleUp,
      maxMs: this.#maxAt,
      scaleDownMs: this.#scaleDown,
      backToBaselineMs: this.#back,
    };
  }
}
