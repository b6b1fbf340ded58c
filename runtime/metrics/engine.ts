/**
 * The metrics engine: one sink per (metric, tag set), filled on the hot path and merged on demand into totals and
 * sub-metrics (`metric{tag:value}`). It also buffers samples for outputs and (de)serialises its state so the engines of
 * several workers or runner pods can be merged into one.
 */
import type { Metric, MetricRegistry, MetricType, ValueType } from "./metric.ts";
import { tagKey, type TagRegistry, type TagSet } from "./tags.ts";
import { createSink, sinkFromJSON, type Sink, type SinkState } from "./sink.ts";
import type { SampleOutput, SampleRecord } from "../output/types.ts";

/** JSON-serialisable state of an engine: metric definitions plus one sink state per (metric, tag set). */
export interface EngineSnapshot {
  version: 1;
  metrics: Array<{ name: string; type: MetricType; contains: ValueType }>;
  series: Array<{ metric: string; tags: Record<string, string>; sink: SinkState }>;
}

/** One tag set's share of a metric. */
export interface Series {
  tags: TagSet;
  sink: Sink;
}

/** Aggregates samples per (metric, tag set); see the module comment. */
export class MetricsEngine {
  readonly metrics: MetricRegistry;
  readonly tags: TagRegistry;
  /** `#sinks[metric.id][tags.id]`; rows are kept packed (filled with undefined) so lookups stay fast array loads. */
  readonly #sinks: Array<Array<Sink | undefined> | undefined> = [];
  /** `#extras[metric.id][tags.id]`: the tracked views that tag set feeds (see `track`). */
  readonly #extras: Array<Array<Sink[] | undefined> | undefined> = [];
  /** Tracked views per metric id, keyed by the filter's canonical text. */
  readonly #tracked: Array<Map<string, { filter: Readonly<Record<string, string>>; sink: Sink }> | undefined> = [];
  readonly #outputs: SampleOutput[] = [];
  #buffer: SampleRecord[] = [];

  constructor(metrics: MetricRegistry, tags: TagRegistry) {
    this.metrics = metrics;
    this.tags = tags;
  }

  /** Records one sample: the hot path. Allocates only on the first sample of a (metric, tag set) or when outputs are attached. */
  add(metric: Metric, tags: TagSet, value: number): void {
    const row = this.#sinks[metric.id];
    let sink = row === undefined ? undefined : row[tags.id];
    if (sink === undefined) sink = this.#createSink(metric, tags);
    sink.add(value);
    const extras = this.#extras[metric.id]?.[tags.id];
    if (extras !== undefined) for (let i = 0; i < extras.length; i++) extras[i]!.add(value);
    if (this.#outputs.length !== 0) this.#buffer.push({ metric, tags, value, time: Date.now() });
  }

  /** The sink of exactly this (metric, tag set), if it has one; live, so treat it as read-only. */
  sinkOf(metric: Metric, tags: TagSet): Sink | undefined {
    return this.#sinks[metric.id]?.[tags.id];
  }

  /**
   * The merge of every tag set of `metric` (only those matching `filter` when given): the metric's total, or a
   * sub-metric such as `checks{scenario:burst}`. Undefined when no tag set matches. Treat it as read-only: for a
   * tracked (metric, filter) it is the live tracked sink; otherwise it is merged afresh, at a cost that grows with the
   * number of tag sets (a few ms per trend series with thousands of samples).
   */
  view(metric: Metric, filter?: Readonly<Record<string, string>>): Sink | undefined {
    const tracked = this.#tracked[metric.id]?.get(tagKey(filter ?? {}));
    if (tracked !== undefined) return tracked.sink.isEmpty() ? undefined : tracked.sink;
    return this.#merged(metric, filter);
  }

  /**
   * Keeps a view of (metric, filter) up to date sample by sample from now on, so `view()` of it costs nothing; meant
   * for what is read repeatedly, such as threshold keys (k6 feeds sub-metric sinks the same way). Idempotent; existing
   * samples are merged in once. Each tracked view matching a tag set adds one sink update to that set's `add`.
   */
  track(metric: Metric, filter: Readonly<Record<string, string>> = {}): Sink {
    let byKey = this.#tracked[metric.id];
    if (byKey === undefined) {
      while (this.#tracked.length < metric.id) this.#tracked.push(undefined);
      byKey = this.#tracked[metric.id] = new Map();
    }
    const key = tagKey(filter);
    const existing = byKey.get(key);
    if (existing !== undefined) return existing.sink;
    const sink = this.#merged(metric, filter) ?? createSink(metric.type);
    byKey.set(key, { filter: { ...filter }, sink });
    for (const { tags } of this.seriesOf(metric)) {
      if (tags.matches(filter)) this.#extrasOf(metric, tags).push(sink);
    }
    return sink;
  }

  #merged(metric: Metric, filter: Readonly<Record<string, string>> | undefined): Sink | undefined {
    const row = this.#sinks[metric.id];
    if (row === undefined) return undefined;
    let merged: Sink | undefined;
    for (let id = 0; id < row.length; id++) {
      const sink = row[id];
      if (sink === undefined) continue;
      if (filter !== undefined && !this.tags.byId(id)!.matches(filter)) continue;
      merged ??= createSink(metric.type);
      merged.merge(sink);
    }
    return merged;
  }

  /** Per-tag-set breakdown of a metric, in order of first use (checks by name, requests by verb…). Sinks are live. */
  seriesOf(metric: Metric): Series[] {
    const row = this.#sinks[metric.id];
    const out: Series[] = [];
    if (row === undefined) return out;
    for (let id = 0; id < row.length; id++) {
      const sink = row[id];
      if (sink !== undefined) out.push({ tags: this.tags.byId(id)!, sink });
    }
    return out;
  }

  /** Metrics that have at least one tag set, in registration order. */
  observedMetrics(): Metric[] {
    return this.metrics.all().filter((m) => this.#sinks[m.id]?.some((s) => s !== undefined) === true);
  }

  /** The whole state as plain JSON, for another engine's `merge`. */
  snapshot(): EngineSnapshot {
    const snap: EngineSnapshot = { version: 1, metrics: [], series: [] };
    for (const metric of this.metrics.all()) {
      snap.metrics.push({ name: metric.name, type: metric.type, contains: metric.contains });
      for (const { tags, sink } of this.seriesOf(metric)) {
        snap.series.push({ metric: metric.name, tags: { ...tags.tags }, sink: sink.toJSON() });
      }
    }
    return snap;
  }

  /**
   * The samples recorded since the last drain, as a snapshot, leaving every series empty: what a runner of a group
   * streams to its coordinator about once a second (merging the deltas in order gives the runner's whole state; a
   * trend's delta is its samples, or past EXACT_LIMIT its t-digest centroids, never more than that). Metrics in
   * `exclude` are left out and untouched. Tracked views are not reset.
   */
  drain(exclude?: ReadonlySet<Metric>): EngineSnapshot {
    const snap: EngineSnapshot = { version: 1, metrics: [], series: [] };
    for (const metric of this.metrics.all()) {
      const row = this.#sinks[metric.id];
      if (row === undefined || exclude?.has(metric)) continue;
      let defined = false;
      for (let id = 0; id < row.length; id++) {
        const sink = row[id];
        if (sink === undefined || sink.isEmpty()) continue;
        if (!defined) {
          snap.metrics.push({ name: metric.name, type: metric.type, contains: metric.contains });
          defined = true;
        }
        snap.series.push({ metric: metric.name, tags: { ...this.tags.byId(id)!.tags }, sink: sink.toJSON() });
        row[id] = createSink(metric.type);
      }
    }
    return snap;
  }

  /** Folds another engine's snapshot into this one; metrics it defines are registered here (a type clash throws). */
  merge(snapshot: EngineSnapshot): void {
    if (snapshot.version !== 1) throw new Error(`unsupported metrics snapshot version ${JSON.stringify(snapshot.version)}`);
    for (const def of snapshot.metrics) this.metrics.register(def.name, def.type, def.contains);
    for (const series of snapshot.series) {
      const metric = this.metrics.get(series.metric);
      if (metric === undefined) throw new Error(`metrics snapshot has samples for undefined metric "${series.metric}"`);
      const tags = this.tags.intern(series.tags);
      const sink = this.sinkOf(metric, tags) ?? this.#createSink(metric, tags);
      const incoming = sinkFromJSON(series.sink);
      sink.merge(incoming);
      for (const extra of this.#extras[metric.id]?.[tags.id] ?? []) extra.merge(incoming);
    }
  }

  /** From now on, samples are buffered for `output` too; `flush()` hands them over. */
  attachOutput(output: SampleOutput): void {
    this.#outputs.push(output);
  }

  /** Hands the samples buffered since the last flush to every output. The run loop calls it about once a second and at the end. */
  flush(): void {
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    for (const output of this.#outputs) output.add(batch);
  }

  #createSink(metric: Metric, tags: TagSet): Sink {
    let row = this.#sinks[metric.id];
    if (row === undefined) {
      while (this.#sinks.length < metric.id) this.#sinks.push(undefined);
      row = this.#sinks[metric.id] = [];
    }
    // Filling the gap keeps the array packed; a far write past the end would turn it into a slow dictionary.
    while (row.length <= tags.id) row.push(undefined);
    const sink = createSink(metric.type);
    row[tags.id] = sink;
    const tracked = this.#tracked[metric.id];
    if (tracked !== undefined) {
      for (const view of tracked.values()) if (tags.matches(view.filter)) this.#extrasOf(metric, tags).push(view.sink);
    }
    return sink;
  }

  /** The (created on demand) list of tracked sinks fed by (metric, tags). */
  #extrasOf(metric: Metric, tags: TagSet): Sink[] {
    let row = this.#extras[metric.id];
    if (row === undefined) {
      while (this.#extras.length < metric.id) this.#extras.push(undefined);
      row = this.#extras[metric.id] = [];
    }
    while (row.length <= tags.id) row.push(undefined);
    return (row[tags.id] ??= []);
  }
}
