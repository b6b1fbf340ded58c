/**
 * The end-of-test summary as data, shaped like the object k6 passes to `handleSummary(data)`: every observed metric
 * with its summary values and threshold outcomes, sub-metrics named in thresholds as their own entries, and the
 * checks arranged in their groups (root_group), read from the `checks` rate's per-tag-set series.
 */
import { createHash } from "node:crypto";
import type { MetricsEngine } from "../../metrics/engine.ts";
import type { Metric, MetricRegistry, MetricType, ValueType } from "../../metrics/metric.ts";
import { createSink, DEFAULT_TREND_STATS, type Sink } from "../../metrics/sink.ts";
import type { ThresholdResults } from "../../metrics/thresholds.ts";

/** One metric or sub-metric in the summary. */
export interface SummaryMetric {
  type: MetricType;
  contains: ValueType;
  values: Record<string, number>;
  /**
   * Condition source → outcome; only for metrics that have thresholds. `notEvaluated` says why a condition that did
   * not fail was not really judged (no samples): it is neither a pass nor a fail, and the summary does not show ✓.
   */
  thresholds?: Record<string, { ok: boolean; notEvaluated?: string }>;
}

/** One check: its name, its path (`::group::name`) and how often it passed and failed. */
export interface SummaryCheck {
  id: string;
  name: string;
  path: string;
  passes: number;
  fails: number;
}

/** A group (k6: root is name "", path ""; a group "g" has path "::g"). */
export interface SummaryGroup {
  id: string;
  name: string;
  path: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

/** k6's handleSummary data, plus `state.aborted`/`abortReason` and the thresholds verdict. */
export interface Summary {
  metrics: Record<string, SummaryMetric>;
  root_group: SummaryGroup;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string | null; noColor: boolean; quiet: boolean };
  state: {
    testRunDurationMs: number;
    isStdOutTTY: boolean;
    isStdErrTTY: boolean;
    aborted: boolean;
    abortReason?: string;
    /** True when any threshold failed (the run exits 99). */
    thresholdsFailed: boolean;
  };
  scenarios?: object;
  /** Stdlib modules' own reports, by module specifier (see SummaryExtension in stdlib/host-module.ts). */
  extensions?: Record<string, { data: unknown; tables: ReadonlyArray<SummaryTableData> }>;
}

/** A table a module adds to the printed summary. */
export interface SummaryTableData {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

/** What buildSummary needs; `options` is the scenario's `options` (summaryTrendStats, summaryTimeUnit, noColor are read). */
export interface BuildSummaryInput {
  engine: MetricsEngine;
  metrics: MetricRegistry;
  thresholds?: ThresholdResults;
  elapsedMs: number;
  options: object;
  scenarios?: object;
  aborted?: { reason: string };
  quiet?: boolean;
  extensions?: Summary["extensions"];
}

const GROUP_SEPARATOR = "::";

function notEvaluatedReason(name: string, metrics: MetricRegistry): string {
  return metrics.get(name) === undefined ? `no metric ${name} is emitted by this run` : `${name} has no samples`;
}

/** Builds the summary data from the engine's final state (call after the final threshold evaluation). */
export function buildSummary(input: BuildSummaryInput): Summary {
  const { engine, metrics, elapsedMs } = input;
  const opts = input.options as { summaryTrendStats?: unknown; summaryTimeUnit?: unknown; noColor?: unknown };
  const trendStats = Array.isArray(opts.summaryTrendStats) ? opts.summaryTrendStats.map(String) : [...DEFAULT_TREND_STATS];

  const out: Record<string, SummaryMetric> = {};
  const entry = (name: string, metric: Metric, sink: Sink | undefined): SummaryMetric => {
    let e = out[name];
    if (e === undefined) {
      const s = sink ?? createSink(metric.type);
      e = { type: metric.type, contains: metric.contains, values: s.summaryValues(elapsedMs, trendStats) };
      out[name] = e;
    }
    return e;
  };

  for (const metric of engine.observedMetrics()) entry(metric.name, metric, engine.view(metric));
  // Metrics and sub-metrics with thresholds appear even without samples, as in k6.
  for (const key of input.thresholds?.keys ?? []) {
    const metric = metrics.get(key.metric);
    if (metric === undefined) continue;
    if (out[metric.name] === undefined) entry(metric.name, metric, engine.view(metric));
    const hasFilter = Object.keys(key.filter).length > 0;
    const e = hasFilter ? entry(key.key, metric, engine.view(metric, key.filter)) : out[metric.name]!;
    e.thresholds ??= {};
    for (const c of key.conditions) {
      e.thresholds[c.source] = c.ok && (c.noData || c.noSamples) ? { ok: c.ok, notEvaluated: notEvaluatedReason(key.metric, metrics) } : { ok: c.ok };
    }
  }

  const aborted = input.aborted !== undefined || input.thresholds?.abort === true;
  const abortReason = input.aborted?.reason ?? input.thresholds?.abortReason;
  const summary: Summary = {
    metrics: sortedByName(out),
    root_group: buildRootGroup(engine, metrics),
    options: {
      summaryTrendStats: trendStats,
      summaryTimeUnit: typeof opts.summaryTimeUnit === "string" && opts.summaryTimeUnit !== "" ? opts.summaryTimeUnit : null,
      noColor: opts.noColor === true,
      quiet: input.quiet === true,
    },
    state: {
      testRunDurationMs: elapsedMs,
      isStdOutTTY: process.stdout.isTTY === true,
      isStdErrTTY: process.stderr.isTTY === true,
      aborted,
      thresholdsFailed: input.thresholds?.failed === true,
    },
  };
  if (abortReason !== undefined) summary.state.abortReason = abortReason;
  if (input.scenarios !== undefined) summary.scenarios = input.scenarios;
  if (input.extensions !== undefined && Object.keys(input.extensions).length > 0) summary.extensions = input.extensions;
  return summary;
}

/**
 * Groups come from the `group` tag of `checks` series (in order of first use), then of `group_duration` series (groups
 * without checks); a check's passes
 * and fails add up over every tag set with the same group and name (other tags such as scenario are folded).
 */
function buildRootGroup(engine: MetricsEngine, metrics: MetricRegistry): SummaryGroup {
  const root = newGroup("", "");
  const byPath = new Map<string, SummaryGroup>([["", root]]);
  const groupAt = (path: string): SummaryGroup => {
    let g = byPath.get(path);
    if (g !== undefined) return g;
    const cut = path.lastIndexOf(GROUP_SEPARATOR);
    const parent = groupAt(cut <= 0 ? "" : path.slice(0, cut));
    g = newGroup(path.slice(cut + GROUP_SEPARATOR.length), path);
    parent.groups.push(g);
    byPath.set(path, g);
    return g;
  };

  const checksMetric = metrics.get("checks");
  if (checksMetric !== undefined && checksMetric.type === "rate") {
    const byCheckPath = new Map<string, SummaryCheck>();
    for (const { tags, sink } of engine.seriesOf(checksMetric)) {
      const name = tags.tags.check;
      if (name === undefined) continue;
      const group = groupAt(tags.tags.group ?? "");
      const path = group.path + GROUP_SEPARATOR + name;
      let check = byCheckPath.get(path);
      if (check === undefined) {
        check = { id: md5(path), name, path, passes: 0, fails: 0 };
        byCheckPath.set(path, check);
        group.checks.push(check);
      }
      const v = sink.summaryValues(0);
      check.passes += v.passes!;
      check.fails += v.fails!;
    }
  }
  const groupDuration = metrics.get("group_duration");
  if (groupDuration !== undefined) {
    for (const { tags } of engine.seriesOf(groupDuration)) {
      const path = tags.tags.group;
      if (path !== undefined && path !== "") groupAt(path);
    }
  }
  return root;
}

function newGroup(name: string, path: string): SummaryGroup {
  return { id: md5(path), name, path, groups: [], checks: [] };
}

/** k6 identifies groups and checks by the MD5 of their path. */
function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

/** Sorts by metric name, keeping each sub-metric right after its parent (k6's summary order). */
function sortedByName(metrics: Record<string, SummaryMetric>): Record<string, SummaryMetric> {
  const names = Object.keys(metrics).sort(compareMetricNames);
  const out: Record<string, SummaryMetric> = {};
  for (const name of names) out[name] = metrics[name]!;
  return out;
}

/** Parent name first, then the `{…}` suffix; exported for the text renderer. */
export function compareMetricNames(a: string, b: string): number {
  const pa = a.split("{", 1)[0]!;
  const pb = b.split("{", 1)[0]!;
  if (pa !== pb) return pa < pb ? -1 : 1;
  const sa = a.slice(pa.length);
  const sb = b.slice(pb.length);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
