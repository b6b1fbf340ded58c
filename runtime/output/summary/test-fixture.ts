// A small finished run shared by the summary tests: checks in nested groups, a time trend, a data counter, a gauge,
// and thresholds on a metric and on two sub-metrics (one of them without samples); and its end-of-test report.
import { MetricsEngine } from "../../metrics/engine.ts";
import { MetricRegistry } from "../../metrics/metric.ts";
import { TagRegistry } from "../../metrics/tags.ts";
import { ThresholdSet } from "../../metrics/thresholds.ts";
import type { EndOfTest } from "../types.ts";
import { buildSummary } from "./build-summary.ts";

/** Builds the run; thresholds are evaluated as at the end of a 2 s test. */
export function sampleRun() {
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(metrics, tags);
  const checks = metrics.register("checks", "rate");
  const dur = metrics.register("http_req_duration", "trend", "time");
  const received = metrics.register("data_received", "counter", "data");
  const vus = metrics.register("vus", "gauge");
  const groupDuration = metrics.register("group_duration", "trend", "time");
  metrics.register("never_used", "counter");

  const burst = tags.empty.with("scenario", "burst");
  const steady = tags.empty.with("scenario", "steady");
  for (const t of [burst, steady]) {
    engine.add(checks, t.with("group", "").with("check", "status is 200"), 1);
    engine.add(checks, t.with("group", "::create").with("check", "vmi running"), t === burst ? 0 : 1);
  }
  engine.add(checks, burst.with("group", "::create::nested").with("check", "deep"), 1);
  engine.add(groupDuration, burst.with("group", "::empty"), 3);
  for (let i = 1; i <= 10; i++) engine.add(dur, (i % 2 ? burst : steady).with("method", "GET"), i * 10);
  engine.add(received, burst, 12_345);
  engine.add(vus, tags.empty, 5);

  const thresholds = ThresholdSet.fromOptions(
    {
      http_req_duration: ["p(95)<1000"],
      "checks{scenario:burst}": ["rate>0.9"],
      "http_req_duration{scenario:none}": ["max<1"],
    },
    metrics,
  );
  const results = thresholds.evaluate(engine, 2000, { final: true });
  return { metrics, engine, results };
}

/** The sample run's end-of-test report, as outputs receive it. */
export function endOfTestReport(o: Partial<EndOfTest> = {}): EndOfTest {
  const { metrics, engine, results } = sampleRun();
  return {
    summary: buildSummary({ engine, metrics, thresholds: results, elapsedMs: 2000, options: {} }),
    metadata: { runId: "run-1", format: "typescript-scenario", source: "scenario.ts", startTime: "2026-01-01T00:00:00.000Z", endTime: "2026-01-01T00:00:02.000Z", exitCode: 99 },
    handleSummary: undefined,
    errors: [],
    reports: {},
    ...o,
  };
}
