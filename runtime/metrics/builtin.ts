import type { Metric, MetricRegistry } from "./metric.ts";

/** The metrics the engine itself emits (k6's names and kinds). */
export interface BuiltinMetrics {
  readonly iterations: Metric;
  readonly iterationDuration: Metric;
  readonly droppedIterations: Metric;
  readonly vus: Metric;
  readonly vusMax: Metric;
  readonly checks: Metric;
  readonly groupDuration: Metric;
}

/** Registers the engine's own metrics in a run's registry. */
export function registerBuiltinMetrics(registry: MetricRegistry): BuiltinMetrics {
  return {
    iterations: registry.register("iterations", "counter"),
    iterationDuration: registry.register("iteration_duration", "trend", "time"),
    droppedIterations: registry.register("dropped_iterations", "counter"),
    vus: registry.register("vus", "gauge"),
    vusMax: registry.register("vus_max", "gauge"),
    checks: registry.register("checks", "rate"),
    groupDuration: registry.register("group_duration", "trend", "time"),
  };
}
