/** The four metric kinds of k6, with the same meaning. */
export type MetricType = "counter" | "gauge" | "rate" | "trend";
/** What a value is: a plain number, a duration in milliseconds, or a byte count (for display only). */
export type ValueType = "default" | "time" | "data";

/** A named metric of one run. Identity is by name; `id` is dense so engines can index sinks by it. */
export interface Metric {
  readonly id: number;
  readonly name: string;
  readonly type: MetricType;
  readonly contains: ValueType;
}

/** Metric names: k6's rule (letters, digits, underscore; not starting with a digit; at most 128 characters). */
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Every metric of one run: built-ins, each stdlib module's own and the scenario's custom ones.
 * Registering a name twice with the same type returns the first metric; with another type it throws.
 */
export class MetricRegistry {
  readonly #byName = new Map<string, Metric>();
  readonly #all: Metric[] = [];

  /** The metric with this name, creating it on first use. */
  register(name: string, type: MetricType, contains: ValueType = "default"): Metric {
    const existing = this.#byName.get(name);
    if (existing) {
      if (existing.type !== type) {
        throw new Error(`metric "${name}" is already registered as a ${existing.type}, not a ${type}`);
      }
      return existing;
    }
    if (!METRIC_NAME.test(name)) {
      throw new Error(`invalid metric name "${name}": use letters, digits and underscores, not starting with a digit`);
    }
    const metric: Metric = Object.freeze({ id: this.#all.length, name, type, contains });
    this.#byName.set(name, metric);
    this.#all.push(metric);
    return metric;
  }

  get(name: string): Metric | undefined {
    return this.#byName.get(name);
  }

  byId(id: number): Metric | undefined {
    return this.#all[id];
  }

  all(): readonly Metric[] {
    return this.#all;
  }
}
