// The scaling timelines as summary tables: one row per workload and count (desired, ready) with its milestones in
// seconds from the load's start, then each workload's changes over the run.
import type { SummaryTableData } from "../output/summary/build-summary.ts";
import type { MilestonesSeconds, ScalingTimeline } from "./replica-timeline.ts";

/** Changes listed per workload; a longer timeline shows its first and last ones (all of them are in the data). */
const ROWS_SHOWN = 40;

const at = (s: number | null) => (s === null ? "-" : `${s >= 0 ? "+" : ""}${s.toFixed(1)}s`);
const count = (n: number | null) => (n === null ? "-" : n);

function row(workload: string, which: string, m: MilestonesSeconds): Array<string | number> {
  return [workload, which, count(m.baseline), count(m.max), count(m.final), at(m.scaleUpSeconds), at(m.maxSeconds), at(m.scaleDownSeconds), at(m.backToBaselineSeconds)];
}

export function scalingTables(timelines: readonly ScalingTimeline[]): SummaryTableData[] {
  if (timelines.length === 0) return [];
  const name = (t: ScalingTimeline) => (t.namespace ? `${t.namespace}/${t.workload}` : t.workload);
  const tables: SummaryTableData[] = [{
    title: "scaling timeline (loadgen/k8s watchReplicas; times from the load's start)",
    columns: ["workload", "replicas", "baseline", "max", "final", "first scale-up", "at max", "first scale-down", "back to baseline"],
    rows: timelines.flatMap((t) => [row(name(t), "desired", t.desired), row(name(t), "ready", t.ready)]),
  }];
  for (const t of timelines) {
    const all = t.samples;
    const shown = all.length <= ROWS_SHOWN ? all : [...all.slice(0, ROWS_SHOWN / 2), undefined, ...all.slice(-ROWS_SHOWN / 2)];
    tables.push({
      title: `replicas of ${name(t)} over the run${t.error ? ` (watch failed: ${t.error})` : ""}`,
      columns: ["t", "desired", "current", "ready"],
      rows: shown.map((s) => (s === undefined ? [`… ${all.length - ROWS_SHOWN} more`, "", "", ""] : [at(s.t), s.exists ? s.desired : "absent", s.current, s.ready])),
    });
  }
  return tables;
}
