/**
 * Sinks: the running aggregate of one metric for one tag set, with k6's meaning per metric type.
 * The engine keeps one sink per (metric, tag set); totals and sub-metrics are merges of sinks, computed on demand.
 * Every sink serialises to a plain JSON state so workers and runner pods can ship and merge them.
 */
import { BatchedDigest } from "./batched-digest.ts";
import type { MetricType } from "./metric.ts";

/** What a threshold or a summary column reads from a sink (`p` needs a percentile). */
export type Aggregation = "avg" | "min" | "max" | "med" | "p" | "rate" | "count" | "value";

/** JSON form of a sink, the unit of exchange between engines. */
export type SinkState = CounterState | GaugeState | RateState | TrendState;
export interface CounterState { type: "counter"; count: number; samples: number }
export interface GaugeState { type: "gauge"; value: number; min: number; max: number; time: number; samples: number }
export interface RateState { type: "rate"; passes: number; total: number }
export interface TrendState {
  type: "trend";
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Every sample while there are at most EXACT_LIMIT of them (exact percentiles), else null. */
  values: number[] | null;
  /** Flattened `[mean, weight, mean, weight, …]` once the trend has switched to a t-digest, else null. */
  centroids: number[] | null;
}

/** The common face of the four sinks. */
export interface Sink {
  readonly type: MetricType;
  /** Records one sample. Allocation-free except for the t-digest's own nodes. */
  add(value: number): void;
  /** Folds another sink of the same type into this one. */
  merge(other: Sink): void;
  /** True until the first sample (k6's `IsEmpty`). */
  isEmpty(): boolean;
  toJSON(): SinkState;
  /** One aggregate; `percentile` (0–100) is only read for `p`. Undefined when the aggregation does not apply or has no value. */
  aggregate(agg: Aggregation, elapsedMs: number, percentile?: number): number | undefined;
  /** The values k6 puts in the end-of-test summary for this metric type. */
  summaryValues(elapsedMs: number, trendStats?: readonly string[]): Record<string, number>;
}

/** k6's default `summaryTrendStats`. */
export const DEFAULT_TREND_STATS: readonly string[] = Object.freeze(["avg", "min", "med", "max", "p(90)", "p(95)"]);

/** Sum of values; `rate` is that sum per second of elapsed test time (k6: count / duration). */
export class CounterSink implements Sink {
  readonly type = "counter" as const;
  count = 0;
  samples = 0;

  add(value: number): void {
    this.count += value;
    this.samples++;
  }

  merge(other: Sink): void {
    const o = sameType(this, other);
    this.count += o.count;
    this.samples += o.samples;
  }

  isEmpty(): boolean {
    return this.samples === 0;
  }

  toJSON(): CounterState {
    return { type: "counter", count: this.count, samples: this.samples };
  }

  aggregate(agg: Aggregation, elapsedMs: number): number | undefined {
    if (agg === "count") return this.count;
    if (agg === "rate") return perSecond(this.count, elapsedMs);
    return undefined;
  }

  summaryValues(elapsedMs: number): Record<string, number> {
    return { count: this.count, rate: perSecond(this.count, elapsedMs) };
  }
}

/** Last value plus the extremes. `time` (ms since epoch) of the last update decides which value wins a merge. */
export class GaugeSink implements Sink {
  readonly type = "gauge" as const;
  value = 0;
  min = Infinity;
  max = -Infinity;
  time = 0;
  samples = 0;

  /** `time` defaults to now; merges keep the value updated last. */
  add(value: number, time: number = Date.now()): void {
    this.value = value;
    this.time = time;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.samples++;
  }

  merge(other: Sink): void {
    const o = sameType(this, other);
    if (o.samples === 0) return;
    // `>=` so that folding series in order gives the later series the tie, like replaying them one after another.
    if (this.samples === 0 || o.time >= this.time) {
      this.value = o.value;
      this.time = o.time;
    }
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    this.samples += o.samples;
  }

  isEmpty(): boolean {
    return this.samples === 0;
  }

  toJSON(): GaugeState {
    const empty = this.samples === 0;
    return { type: "gauge", value: this.value, min: empty ? 0 : this.min, max: empty ? 0 : this.max, time: this.time, samples: this.samples };
  }

  aggregate(agg: Aggregation, _elapsedMs?: number): number | undefined {
    const empty = this.samples === 0;
    if (agg === "value") return this.value;
    if (agg === "min") return empty ? 0 : this.min;
    if (agg === "max") return empty ? 0 : this.max;
    return undefined;
  }

  summaryValues(_elapsedMs?: number): Record<string, number> {
    const empty = this.samples === 0;
    return { value: this.value, min: empty ? 0 : this.min, max: empty ? 0 : this.max };
  }
}

/** Share of non-zero samples (k6: `Trues / Total`). */
export class RateSink implements Sink {
  readonly type = "rate" as const;
  passes = 0;
  total = 0;

  add(value: number): void {
    this.total++;
    if (value !== 0) this.passes++;
  }

  merge(other: Sink): void {
    const o = sameType(this, other);
    this.passes += o.passes;
    this.total += o.total;
  }

  isEmpty(): boolean {
    return this.total === 0;
  }

  toJSON(): RateState {
    return { type: "rate", passes: this.passes, total: this.total };
  }

  /** `rate` is undefined without samples: k6 skips such a threshold instead of dividing by zero (grafana/k6#2520). */
  aggregate(agg: Aggregation, _elapsedMs?: number): number | undefined {
    if (agg === "rate") return this.total === 0 ? undefined : this.passes / this.total;
    if (agg === "count") return this.total;
    return undefined;
  }

  summaryValues(_elapsedMs?: number): Record<string, number> {
    return { rate: this.total === 0 ? 0 : this.passes / this.total, passes: this.passes, fails: this.total - this.passes };
  }
}

/**
 * Up to this many samples a trend keeps every value and computes percentiles exactly, with k6's interpolation;
 * past it, the values move into a t-digest. Small runs (and unit tests) then match k6 to the last digit.
 */
export const EXACT_LIMIT = 1024;

/** Distribution of samples: exact count, sum, min and max; percentiles exact up to EXACT_LIMIT samples, then from a t-digest. */
export class TrendSink implements Sink {
  readonly type = "trend" as const;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  #values: Float64Array | null = null;
  #sorted = true;
  #digest: BatchedDigest | null = null;

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.#digest !== null) {
      this.#digest.add(value);
      return;
    }
    const n = this.count - 1;
    let values = this.#values;
    if (values === null || n === values.length) {
      if (n === EXACT_LIMIT) {
        this.#toDigest().#digest!.add(value);
        return;
      }
      values = this.#grow(n + 1);
    }
    values[n] = value;
    this.#sorted = false;
  }

  merge(other: Sink): void {
    const o = sameType(this, other);
    if (o.count === 0) return;
    const theirs = o.#digest === null ? o.#exactValues() : null;
    if (this.#digest === null && theirs !== null && this.count + theirs.length <= EXACT_LIMIT) {
      const n = this.count;
      const values = this.#grow(n + theirs.length);
      values.set(theirs, n);
      this.#sorted = false;
    } else {
      const digest = this.#toDigest().#digest!;
      if (theirs !== null) {
        for (let i = 0; i < theirs.length; i++) digest.add(theirs[i]!);
      } else {
        digest.mergeFrom(o.#digest!);
      }
    }
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  toJSON(): TrendState {
    const empty = this.count === 0;
    let centroids: number[] | null = null;
    if (this.#digest !== null) {
      centroids = [];
      for (const c of this.#digest.centroids()) centroids.push(c.mean, c.n);
    }
    return {
      type: "trend",
      count: this.count,
      sum: this.sum,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      values: this.#digest === null ? Array.from(this.#exactValues()) : null,
      centroids,
    };
  }

  /** Restores a sink from its state (used by sinkFromJSON). */
  static fromState(state: TrendState): TrendSink {
    const sink = new TrendSink();
    if (state.count === 0) return sink;
    if (state.centroids !== null) {
      const digest = new BatchedDigest();
      const c = state.centroids;
      const means: number[] = [];
      const weights: number[] = [];
      for (let i = 0; i + 1 < c.length; i += 2) {
        means.push(c[i]!);
        weights.push(c[i + 1]!);
      }
      digest.addCentroids(means, weights);
      sink.#digest = digest;
    } else if (state.values !== null) {
      sink.#grow(state.values.length).set(state.values);
      sink.#sorted = false;
    }
    sink.count = state.count;
    sink.sum = state.sum;
    sink.min = state.min;
    sink.max = state.max;
    return sink;
  }

  /** Mean; 0 without samples, as in k6. */
  avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Value at percentile `pct` (0–100); 0 without samples, as in k6. */
  percentile(pct: number): number {
    if (this.count === 0) return 0;
    if (this.count === 1 || pct <= 0) return this.min;
    if (pct >= 100) return this.max;
    if (this.#digest !== null) {
      const q = this.#digest.percentile(pct / 100) ?? 0;
      return q < this.min ? this.min : q > this.max ? this.max : q;
    }
    // k6's TrendSink.P: linear interpolation between the two closest ranks of the sorted samples.
    const values = this.#exactValues();
    if (!this.#sorted) {
      values.sort();
      this.#sorted = true;
    }
    const i = (pct / 100) * (this.count - 1);
    const lo = values[Math.floor(i)]!;
    const hi = values[Math.ceil(i)]!;
    return lo + (hi - lo) * (i - Math.floor(i));
  }

  aggregate(agg: Aggregation, _elapsedMs: number, percentile?: number): number | undefined {
    switch (agg) {
      case "avg":
        return this.avg();
      case "min":
        return this.count === 0 ? 0 : this.min;
      case "max":
        return this.count === 0 ? 0 : this.max;
      case "med":
        return this.percentile(50);
      case "p":
        return percentile === undefined ? undefined : this.percentile(percentile);
      case "count":
        return this.count;
      default:
        return undefined;
    }
  }

  summaryValues(_elapsedMs: number, trendStats: readonly string[] = DEFAULT_TREND_STATS): Record<string, number> {
    const out: Record<string, number> = {};
    for (const stat of trendStats) {
      const value = this.trendStat(stat);
      if (value !== undefined) out[stat] = value;
    }
    return out;
  }

  /** One `summaryTrendStats` entry (`avg`, `min`, `med`, `max`, `count`, `sum`, `p(N)`); undefined for an unknown one. */
  trendStat(stat: string): number | undefined {
    switch (stat) {
      case "avg":
        return this.avg();
      case "min":
      case "max":
      case "med":
      case "count":
        return this.aggregate(stat, 0);
      case "sum":
        return this.sum;
    }
    const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
    if (m === null) return undefined;
    const pct = Number(m[1]);
    return pct > 100 ? undefined : this.percentile(pct);
  }

  /** The exact samples (a view, no copy); only valid while no digest exists. */
  #exactValues(): Float64Array {
    const n = this.#digest === null ? this.count : 0;
    return this.#values === null ? new Float64Array(0) : this.#values.subarray(0, n);
  }

  /** Makes room for `capacity` exact values (at most EXACT_LIMIT), doubling from 16 so small series stay small. */
  #grow(capacity: number): Float64Array {
    const current = this.#values;
    if (current !== null && current.length >= capacity) return current;
    let size = current === null ? 16 : current.length * 2;
    while (size < capacity) size *= 2;
    const next = new Float64Array(Math.min(size, EXACT_LIMIT));
    if (current !== null) next.set(current.subarray(0, this.count));
    this.#values = next;
    return next;
  }

  /** Switches to t-digest mode, moving the exact values in; returns this for chaining. */
  #toDigest(): this {
    if (this.#digest === null) {
      const digest = new BatchedDigest();
      const values = this.#exactValues();
      for (let i = 0; i < values.length; i++) digest.add(values[i]!);
      this.#digest = digest;
      this.#values = null;
    }
    return this;
  }
}

/** A new, empty sink for a metric type. */
export function createSink(type: MetricType): Sink {
  switch (type) {
    case "counter":
      return new CounterSink();
    case "gauge":
      return new GaugeSink();
    case "rate":
      return new RateSink();
    case "trend":
      return new TrendSink();
  }
}

/** Rebuilds a sink from `toJSON()` output, e.g. one received from another worker. */
export function sinkFromJSON(state: SinkState): Sink {
  switch (state.type) {
    case "counter": {
      const s = new CounterSink();
      s.count = state.count;
      s.samples = state.samples;
      return s;
    }
    case "gauge": {
      const s = new GaugeSink();
      if (state.samples > 0) {
        s.value = state.value;
        s.min = state.min;
        s.max = state.max;
        s.time = state.time;
        s.samples = state.samples;
      }
      return s;
    }
    case "rate": {
      const s = new RateSink();
      s.passes = state.passes;
      s.total = state.total;
      return s;
    }
    case "trend":
      return TrendSink.fromState(state);
    default:
      throw new Error(`unknown sink state type ${JSON.stringify((state as { type?: unknown }).type)}`);
  }
}

function perSecond(count: number, elapsedMs: number): number {
  // Before any time has passed there is no meaningful rate; 0 keeps summaries and JSON finite.
  return elapsedMs > 0 ? count / (elapsedMs / 1000) : 0;
}

function sameType<T extends Sink>(self: T, other: Sink): T {
  if (other.type !== self.type) throw new Error(`cannot merge a ${other.type} sink into a ${self.type} sink`);
  return other as T;
}
