// The KubeVirt SLI report of a run, the three tables KubeVirt's scale engineers read (perfscale-audit's keys):
// 1. object creation rate per kind (VMI, VM, VMI replica set, VM pool), over the window from the first create request
//    to the last create reply — plus the VMIs that controllers created for the run's VMs and pools, as the watch saw them;
// 2. VMI phase transitions (Pending, Scheduling, Scheduled, Running): how many VMIs reached each, at what rate, and the
//    creation → phase quantiles (watch-based, and KubeVirt's own phaseTransitionTimestamps - creationTimestamp);
// 3. Kubernetes REST calls by verb, from the API server's apiserver_request_total before and after the run.
import type { SummaryTableData } from "../output/summary/build-summary.ts";
import type { RequestTotals } from "../kube/apiserver-metrics.ts";
import { UP_PHASES, type VmiRecord } from "./phase-tracker.ts";

/** Creations of one kind by this run. */
export interface KindCreations {
  count: number;
  errors: number;
  firstSentMs: number;
  lastDoneMs: number;
}

/** VMIs a wait gave up on, by the phase they were waiting for and the phase they were last in. */
export type Timeouts = Map<string, Map<string, number>>;

export interface ReportInput {
  readonly created: ReadonlyMap<string, KindCreations>;
  readonly records: Iterable<VmiRecord>;
  readonly timeouts: Timeouts;
  readonly before: RequestTotals | undefined;
  readonly after: RequestTotals | undefined;
  readonly trackerStats: Record<string, number>;
}

/** The q-quantile (0..1) of sorted values, by linear interpolation (k6's percentile). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const round = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);
const fmt = (v: number | null, digits = 2) => (v === null ? "-" : v.toFixed(digits));

const VERB_NAMES: Readonly<Record<string, string>> = { POST: "CREATE", PUT: "UPDATE" };
const KUBEVIRT_GROUPS = ["kubevirt.io", "pool.kubevirt.io", "snapshot.kubevirt.io", "instancetype.kubevirt.io", "migrations.kubevirt.io"];

/** The report's section of the summary (`extensions["loadgen/kubevirt"]`): data for JSON, tables for the text. */
export interface SliReport {
  readonly data: unknown;
  readonly tables: readonly SummaryTableData[];
}

export function buildReport(input: ReportInput): SliReport {
  const tables: SummaryTableData[] = [];

  // 1. creation rate
  const creation: Record<string, { count: number; errors: number; windowSeconds: number; perSecond: number | null }> = {};
  for (const [kind, c] of input.created) {
    const window = Math.max(0, c.lastDoneMs - c.firstSentMs) / 1000;
    creation[kind] = { count: c.count, errors: c.errors, windowSeconds: round(window) ?? 0, perSecond: c.count > 0 && window > 0 ? round(c.count / window) : null };
  }
  const records = [...input.records];
  const byController = records.filter((r) => r.t0Source !== "create");
  if (byController.length > 0) {
    const t = byController.map((r) => r.t0Ms).sort((a, b) => a - b);
    const window = (t[t.length - 1]! - t[0]!) / 1000;
    creation["VirtualMachineInstance (by controllers)"] = { count: byController.length, errors: 0, windowSeconds: round(window) ?? 0, perSecond: window > 0 ? round(byController.length / window) : null };
  }
  tables.push({
    title: "KubeVirt: objects created (rate over the window from the first create sent to the last created)",
    columns: ["kind", "created", "failed", "window s", "per second"],
    rows: Object.entries(creation).map(([k, c]) => [k, c.count, c.errors, fmt(c.windowSeconds), fmt(c.perSecond)]),
  });

  // 2. phase transitions
  const phaseNames = [...UP_PHASES] as string[];
  for (const r of records) for (const p of r.phases.keys()) if (!phaseNames.includes(p)) phaseNames.push(p);
  const phases: Record<string, unknown> = {};
  const phaseRows: Array<Array<string | number>> = [];
  for (const phase of phaseNames) {
    const obs = records.flatMap((r) => {
      const o = r.phases.get(phase);
      return o ? [o] : [];
    });
    if (obs.length === 0 && !(UP_PHASES as readonly string[]).includes(phase)) continue;
    const secs = obs.map((o) => o.seconds).sort((a, b) => a - b);
    const server = obs.flatMap((o) => (o.serverSeconds === undefined ? [] : [o.serverSeconds])).sort((a, b) => a - b);
    const seen = obs.map((o) => o.seenMs).sort((a, b) => a - b);
    const window = seen.length > 1 ? (seen[seen.length - 1]! - seen[0]!) / 1000 : 0;
    const rate = window > 0 ? obs.length / window : null;
    const q = (a: number[], p: number) => round(quantile(a, p));
    phases[phase] = {
      count: obs.length,
      perSecond: rate === null ? null : round(rate),
      late: obs.filter((o) => o.late).length,
      creationToPhaseSeconds: { p50: q(secs, 0.5), p95: q(secs, 0.95), p99: q(secs, 0.99), max: round(secs[secs.length - 1] ?? NaN) },
      fromTimestampsSeconds: { count: server.length, p50: q(server, 0.5), p95: q(server, 0.95), p99: q(server, 0.99) },
    };
    phaseRows.push([phase, obs.length, fmt(rate), fmt(q(secs, 0.5)), fmt(q(secs, 0.95)), fmt(q(secs, 0.99)), fmt(q(server, 0.5)), fmt(q(server, 0.95))]);
  }
  tables.push({
    title: "KubeVirt: VMI phase transitions (creation → phase in seconds: watch-based; KubeVirt's phaseTransitionTimestamps - creationTimestamp)",
    columns: ["phase", "VMIs", "per second", "p50", "p95", "p99", "kv p50", "kv p95"],
    rows: phaseRows,
  });

  // VMIs a wait gave up on, by the phase they last had.
  const timeouts: Record<string, Record<string, number>> = {};
  const timeoutRows: Array<Array<string | number>> = [];
  for (const [want, byLast] of input.timeouts) {
    timeouts[want] = Object.fromEntries(byLast);
    for (const [last, n] of byLast) timeoutRows.push([want, last || "(no phase)", n]);
  }
  if (timeoutRows.length > 0) {
    tables.push({ title: "KubeVirt: VMIs that did not reach a phase before the wait's timeout", columns: ["waited for", "last phase", "VMIs"], rows: timeoutRows });
  }

  // 3. REST calls by verb
  let rest: Record<string, unknown> | undefined;
  if (input.before !== undefined && input.after !== undefined) {
    const byVerb: Record<string, { all: number; kubevirt: number; vmis: number }> = {};
    const byVerbResource: Record<string, number> = {};
    for (const [key, n] of input.after.byVerbResource) {
      const d = n - (input.before.byVerbResource.get(key) ?? 0);
      if (!(d > 0)) continue;
      byVerbResource[key] = d;
      const space = key.indexOf(" ");
      // apiserver_request_total names creates POST and updates PUT; KubeVirt's tables say CREATE and UPDATE.
      const verb = VERB_NAMES[key.slice(0, space)] ?? key.slice(0, space);
      const resource = key.slice(space + 1);
      const v = (byVerb[verb] ??= { all: 0, kubevirt: 0, vmis: 0 });
      v.all += d;
      if (KUBEVIRT_GROUPS.some((g) => resource.endsWith("." + g))) v.kubevirt += d;
      if (resource === "virtualmachineinstances.kubevirt.io") v.vmis += d;
    }
    rest = { metric: "apiserver_request_total", byVerb, byVerbResource };
    const order = ["CREATE", "LIST", "PATCH", "UPDATE", "GET", "DELETE", "DELETECOLLECTION", "WATCH", "APPLY"];
    const verbs = Object.keys(byVerb).sort((a, b) => {
      const ia = order.indexOf(a);
      const ib = order.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || byVerb[b]!.all - byVerb[a]!.all;
    });
    tables.push({
      title: "KubeVirt: Kubernetes REST calls during the run by verb (apiserver_request_total, every client)",
      columns: ["verb", "all resources", "KubeVirt resources", "VMIs"],
      rows: verbs.map((v) => [v, byVerb[v]!.all, byVerb[v]!.kubevirt, byVerb[v]!.vmis]),
    });
  } else {
    tables.push({ title: "KubeVirt: Kubernetes REST calls by verb: not available (the API server's /metrics could not be read)", columns: [], rows: [] });
  }

  return {
    data: { creation, phases, timeouts, rest, tracker: input.trackerStats },
    tables,
  };
}
