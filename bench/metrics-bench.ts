/**
 * Micro-benchmark of the metrics hot path: ns per `engine.add` for a counter and a trend (1e6 samples over a few
 * tag sets), with a threshold's tracked view, with an output attached, and the cost of an untracked (merged) `view()` of the trend.
 */
import { MetricsEngine } from "../runtime/metrics/engine.ts";
import { MetricRegistry } from "../runtime/metrics/metric.ts";
import { TagRegistry } from "../runtime/metrics/tags.ts";

const SAMPLES = 1_000_000;

/** Runs the benchmark; keys are figure names, values ns (per add) or ms (per view). */
export async function benchMetrics(): Promise<Record<string, number>> {
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(metrics, tags);
  const counter = metrics.register("bench_reqs", "counter");
  const trend = metrics.register("bench_duration", "trend", "time");
  const sets = ["list", "get", "create", "delete"].map((verb) => tags.empty.with("scenario", "burst").with("verb", verb));

  // Latency-like values, precomputed so the loop measures the engine, not Math.random.
  const values = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) values[i] = -Math.log(1 - Math.random()) * 20 + 1;

  const time = (metric: typeof counter): number => {
    // Warm up so the JIT has settled and the sinks exist.
    for (let i = 0; i < 50_000; i++) engine.add(metric, sets[i & 3]!, values[i]!);
    const start = process.hrtime.bigint();
    for (let i = 0; i < SAMPLES; i++) engine.add(metric, sets[i & 3]!, values[i]!);
    return Number(process.hrtime.bigint() - start) / SAMPLES;
  };

  const counterNs = time(counter);
  const trendNs = time(trend);

  // An untracked view merges every series afresh; this is what a threshold would pay per evaluation without track().
  const viewStart = process.hrtime.bigint();
  engine.view(trend)!.aggregate("p", 0, 95);
  const viewMs = Number(process.hrtime.bigint() - viewStart) / 1e6;

  // A threshold key on the trend (ThresholdSet.evaluate tracks it): each add also feeds the tracked total.
  engine.track(trend);
  const trackedNs = time(trend);
  // With an output attached every add also buffers a sample record; flushed per batch like the run loop does.
  engine.attachOutput({ describe: () => "null", start: async () => {}, add: () => {}, stop: async () => {} });
  const start = process.hrtime.bigint();
  for (let i = 0; i < SAMPLES; i++) {
    engine.add(counter, sets[i & 3]!, values[i]!);
    if ((i & 0xffff) === 0) engine.flush();
  }
  engine.flush();
  const outputNs = Number(process.hrtime.bigint() - start) / SAMPLES;
  return {
    "metrics: counter add (ns)": round(counterNs),
    "metrics: trend add (ns)": round(trendNs),
    "metrics: trend add, tracked by a threshold (ns)": round(trackedNs),
    "metrics: counter add with an output (ns)": round(outputNs),
    "metrics: untracked trend view+p95 over 4 series (ms)": round(viewMs),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchMetrics());
}
