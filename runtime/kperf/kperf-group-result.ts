// kperf's result JSON (result.ts) for a runner group, from the group's merged metrics: kperf's server pools every
// runner's raw latencies; loadgen's runners send t-digests, so the percentiles come from the merged digests (min and
// max exact), and memory does not grow with the number of requests. total is the sum of the runners' requests, each
// spec's duration the longest runner's; errorStats (kperf's keys), received bytes and latencies by URL are read from
// the metrics every runner recorded (k8s_request_errors, k8s_bytes_received, k8s_request_duration of answers < 400).
import type { RunnerKperfTotals } from "../group/protocol.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import { formatGoDuration } from "../metrics/go-duration.ts";
import { CounterSink, TrendSink } from "../metrics/sink.ts";
import { PERCENTILES, type KperfReport } from "./result.ts";

/** kperf's [p, seconds] pairs of a merged trend of milliseconds. */
function percentilesOf(trend: TrendSink): Array<[number, number]> {
  return PERCENTILES.map((p) => [p, (p === 0 ? trend.min : p === 1 ? trend.max : trend.percentile(p * 100)) / 1000]);
}

/** One report over the series matching `filter` (a spec's, or all), with the runners' totals for it. */
function groupReport(engine: MetricsEngine, filter: Readonly<Record<string, string>>, totals: { total: number; durationMs: number }, origin: string): KperfReport {
  const metric = (name: string) => engine.metrics.get(name);
  const errorStats: Record<string, number> = {};
  const errors = metric("k8s_request_errors");
  for (const { tags, sink } of errors ? engine.seriesOf(errors) : []) {
    if (!tags.matches(filter) || !(sink instanceof CounterSink)) continue;
    const key = tags.tags.error === "timeout" ? "unknown/timeout" : (tags.tags.error ?? "unknown");
    errorStats[key] = (errorStats[key] ?? 0) + sink.count;
  }
  const bytesMetric = metric("k8s_bytes_received");
  const bytes = bytesMetric ? (engine.view(bytesMetric, filter)?.aggregate("count", 0) ?? 0) : 0;
  // Successes only, as kperf's latencies: answers below 400 (status 0 is no answer).
  const all = new TrendSink();
  const byUrl = new Map<string, TrendSink>();
  const duration = metric("k8s_request_duration");
  for (const { tags, sink } of duration ? engine.seriesOf(duration) : []) {
    const status = Number(tags.tags.status);
    if (!tags.matches(filter) || !(status > 0 && status < 400) || !(sink instanceof TrendSink)) continue;
    all.merge(sink);
    // The url tag is kperf's masked "METHOD /path?query"; its key puts the API server's origin before the path.
    const url = tags.tags.url ?? "";
    const space = url.indexOf(" ");
    const key = `${url.slice(0, space)} ${origin}${url.slice(space + 1)}`;
    let merged = byUrl.get(key);
    if (merged === undefined) byUrl.set(key, (merged = new TrendSink()));
    merged.merge(sink);
  }
  const report: KperfReport = {
    total: totals.total,
    duration: formatGoDuration(totals.durationMs),
    ...(Object.keys(errorStats).length ? { errorStats } : {}),
    totalReceivedBytes: bytes,
  };
  if (all.count > 0) report.percentileLatencies = percentilesOf(all);
  if (byUrl.size > 0) {
    report.percentileLatenciesByURL = {};
    for (const [url, trend] of [...byUrl].sort((a, b) => (a[0] < b[0] ? -1 : 1))) report.percentileLatenciesByURL[url] = percentilesOf(trend);
  }
  return report;
}

/**
 * The group's kperf result: one report for a one-spec profile, else per spec plus the aggregate (as result.ts).
 * `runners` are the totals the runners' `done` messages gave; a lost runner's requests are in the metrics it sent
 * before it was lost but not in `total`.
 */
export function kperfGroupResult(engine: MetricsEngine, specCount: number, runners: readonly RunnerKperfTotals[]): object {
  const origin = runners.find((r) => r.origin !== "")?.origin ?? "";
  const spec = (i: number) => ({
    total: runners.reduce((n, r) => n + (r.specs[i]?.total ?? 0), 0),
    durationMs: Math.max(0, ...runners.map((r) => r.specs[i]?.durationMs ?? 0)),
  });
  if (specCount === 1) return groupReport(engine, {}, spec(0), origin);
  const specs = Array.from({ length: specCount }, (_, i) => spec(i));
  const aggregate = { total: specs.reduce((n, s) => n + s.total, 0), durationMs: specs.reduce((n, s) => n + s.durationMs, 0) };
  return {
    perSpecResults: specs.map((s, i) => groupReport(engine, { spec: String(i) }, s, origin)),
    aggregated: groupReport(engine, {}, aggregate, origin),
  };
}
