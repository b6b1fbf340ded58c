// What a runner of a group (`--workers`, `loadgen rg run`) knows of KubeVirt's SLI report (sli-report.ts's inputs:
// creations per kind, every VMI's phase observations, phase timeouts, the tracker's counts) as plain JSON for its
// last message, and how the coordinator folds each runner's into its own, so the merged summary has the KubeVirt
// tables of the whole test, as a one-machine run's. Records are per VMI (by uid): a VMI one runner created is in that
// runner's state only.
import type { PhaseObservation, VmiRecord } from "./phase-tracker.ts";
import type { KindCreations, Timeouts } from "./sli-report.ts";

type VmiRecordState = Omit<VmiRecord, "phases"> & { readonly phases: ReadonlyArray<readonly [string, PhaseObservation]> };

export interface KubevirtReportState {
  readonly created: ReadonlyArray<readonly [string, KindCreations]>;
  readonly records: readonly VmiRecordState[];
  readonly timeouts: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, number]>]>;
  readonly trackerStats: Readonly<Record<string, number>>;
}

/** The report's inputs a module holds. */
export interface KubevirtReportInputs {
  readonly created: Map<string, KindCreations>;
  readonly records: Iterable<VmiRecord>;
  readonly timeouts: Timeouts;
  readonly trackerStats: Readonly<Record<string, number>>;
}

export function reportState(i: KubevirtReportInputs): KubevirtReportState {
  return {
    created: [...i.created],
    records: [...i.records].map((r) => ({ ...r, phases: [...r.phases] })),
    timeouts: [...i.timeouts].map(([phase, byLast]) => [phase, [...byLast]] as const),
    trackerStats: { ...i.trackerStats },
  };
}

/**
 * Folds a runner's state into the coordinator's: creations summed per kind (the window from the earliest send to the
 * latest creation), records added, timeouts and tracker counts summed.
 * @returns the runner's VMI records, for the report (they are no tracker's).
 */
export function mergeReportState(into: { created: Map<string, KindCreations>; timeouts: Timeouts; trackerStats: Record<string, number> }, s: KubevirtReportState): VmiRecord[] {
  for (const [kind, c] of s.created) {
    const have = into.created.get(kind);
    if (have === undefined) into.created.set(kind, { ...c });
    else {
      have.count += c.count;
      have.errors += c.errors;
      const sent = [have.firstSentMs, c.firstSentMs].filter((t) => t > 0);
      have.firstSentMs = sent.length ? Math.min(...sent) : 0;
      have.lastDoneMs = Math.max(have.lastDoneMs, c.lastDoneMs);
    }
  }
  for (const [phase, byLast] of s.timeouts) {
    const have = into.timeouts.get(phase) ?? new Map<string, number>();
    into.timeouts.set(phase, have);
    for (const [last, n] of byLast) have.set(last, (have.get(last) ?? 0) + n);
  }
  for (const [k, n] of Object.entries(s.trackerStats)) into.trackerStats[k] = (into.trackerStats[k] ?? 0) + n;
  return s.records.map((r) => ({ ...r, phases: new Map(r.phases) }));
}
