// kperf's result JSON (Azure/kperf api/types/metric.go RunnerMetricReport): total, duration, errorStats,
// totalReceivedBytes, percentileLatencies and percentileLatenciesByURL, with kperf's exact percentiles (index
// ceil(n·p) − 1 of the sorted successes) at p ∈ {0, 0.5, 0.9, 0.95, 0.99, 1}, in seconds. Several specs give
// {perSpecResults, aggregated}. With rawData, as kperf's `--raw-data`, also every latency by URL and every error.
import { formatGoDuration } from "../metrics/go-duration.ts";
import type { RawError, SpecOutcome } from "./runner.ts";

/** The quantiles kperf reports. */
export const PERCENTILES: readonly number[] = [0, 0.5, 0.9, 0.95, 0.99, 1];

export interface KperfReport {
  total: number;
  duration: string;
  errors?: RawError[];
  errorStats?: Record<string, number>;
  totalReceivedBytes: number;
  latenciesByURL?: Record<string, number[]>;
  percentileLatencies?: Array<[number, number]>;
  percentileLatenciesByURL?: Record<string, Array<[number, number]>>;
}

/** kperf's percentiles of sorted latencies. */
export function percentiles(sorted: readonly number[]): Array<[number, number]> {
  if (sorted.length === 0) return [];
  return PERCENTILES.map((p) => {
    const i = Math.max(0, Math.ceil(sorted.length * p) - 1);
    return [p, sorted[Math.min(i, sorted.length - 1)]!];
  });
}

export interface ResultOptions {
  /** kperf's --raw-data: `latenciesByURL` (seconds, in the order they finished) and `errors`. */
  readonly rawData?: boolean;
}

export function reportOf(outcomes: readonly SpecOutcome[], o: ResultOptions = {}): KperfReport {
  const all: number[] = [];
  const byUrl = new Map<string, number[]>();
  const errors: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  let duration = 0;
  for (const x of outcomes) {
    total += x.total;
    bytes += x.receivedBytes;
    duration += x.durationMs;
    for (const [url, list] of x.latenciesByUrl) {
      let merged = byUrl.get(url);
      if (merged === undefined) byUrl.set(url, (merged = []));
      for (const v of list) {
        merged.push(v);
        all.push(v);
      }
    }
    for (const [k, n] of x.errorStats) errors[k] = (errors[k] ?? 0) + n;
  }
  const sort = (a: number[]) => [...a].sort((x, y) => x - y);
  // Keys in the order of kperf's RunnerMetricReport; empty ones left out, as its omitempty does.
  const rawErrors = o.rawData ? outcomes.flatMap((x) => x.errors ?? []) : [];
  const report: KperfReport = {
    total,
    duration: formatGoDuration(duration),
    ...(rawErrors.length ? { errors: rawErrors } : {}),
    ...(Object.keys(errors).length ? { errorStats: errors } : {}),
    totalReceivedBytes: bytes,
    ...(o.rawData && byUrl.size ? { latenciesByURL: Object.fromEntries([...byUrl].sort((a, b) => (a[0] < b[0] ? -1 : 1))) } : {}),
  };
  if (all.length) report.percentileLatencies = percentiles(sort(all));
  if (byUrl.size) {
    report.percentileLatenciesByURL = {};
    for (const [url, list] of [...byUrl].sort((a, b) => (a[0] < b[0] ? -1 : 1))) report.percentileLatenciesByURL[url] = percentiles(sort(list));
  }
  return report;
}

/** The result document: one report for one spec, else per spec plus the aggregate. */
export function kperfResult(outcomes: readonly SpecOutcome[], o: ResultOptions = {}): object {
  if (outcomes.length === 1) return reportOf(outcomes, o);
  return { perSpecResults: outcomes.map((x) => reportOf([x], o)), aggregated: reportOf(outcomes, o) };
}
