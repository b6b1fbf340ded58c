/**
 * Thresholds: `options.thresholds` validated into a ThresholdSet, evaluated against the engine during the run
 * (for abortOnFail) and once at the end (for the exit code), with k6's semantics:
 *
 * - During the run, a key whose (sub-)metric has no samples yet is skipped (k6 `ignoreEmptySinks`).
 * - At the end (`final: true`) it is evaluated on an empty sink, which reads as zeros: a counter's `count` and `rate`
 *   are 0, a gauge's `value` is 0, a trend's avg/min/med/max/p(N) are 0. So `count>0` fails and `p(95)<250` passes.
 * - A rate metric without samples has no `rate` (k6 refuses to divide by zero, grafana/k6#2520): the condition is
 *   reported with `noData` and does not fail.
 * - A metric nobody registered is "no data" too; the CLI warns about it after init via `unknownMetrics()`.
 * - A failing condition with `abortOnFail` aborts the run once elapsed time is past its `delayAbortEval` (k6 compares
 *   `delay < elapsed`; no delay aborts at once).
 */
import type { Metric, MetricRegistry, MetricType } from "./metric.ts";
import type { MetricsEngine } from "./engine.ts";
import { createSink, type Aggregation } from "./sink.ts";
import { parseCondition, parseThresholdKey, ThresholdSyntaxError, type Condition } from "./threshold-parser.ts";
import { parseDuration } from "./duration.ts";

/** One condition of a key with its abort settings. */
export interface ThresholdCondition {
  condition: Condition;
  abortOnFail: boolean;
  /** Grace period before abortOnFail may abort, in ms; undefined = none. */
  delayAbortEvalMs: number | undefined;
}

/** One key of `options.thresholds`. */
export interface ThresholdDefinition {
  /** As written, e.g. `checks{scenario:burst}`; also the sub-metric's name in summaries. */
  key: string;
  metric: string;
  filter: Readonly<Record<string, string>>;
  conditions: ThresholdCondition[];
}

/** The outcome of one condition. */
export interface ConditionResult {
  source: string;
  ok: boolean;
  /** The aggregate compared, when there was one. */
  observed: number | undefined;
  abortOnFail: boolean;
  /** True when the condition was not evaluated for lack of samples (it then counts as ok). */
  noData: boolean;
  /**
   * The (sub-)metric had no samples. A final evaluation still judges it as k6 does (an empty counter reads 0, so
   * `count>0` fails), but a condition that passes this way was not measured: the summary says so instead of ✓.
   */
  noSamples: boolean;
  /** Why the condition could not be evaluated at all (e.g. an aggregation the metric's type lacks); such a condition fails. */
  error?: string;
}

/** The outcome of one key. */
export interface KeyResult {
  key: string;
  metric: string;
  filter: Readonly<Record<string, string>>;
  ok: boolean;
  conditions: ConditionResult[];
}

/** The outcome of one evaluation. */
export interface ThresholdResults {
  keys: KeyResult[];
  /** Any condition failed. */
  failed: boolean;
  /** Keys with a failed condition, sorted. */
  failedKeys: string[];
  /** A failed condition has abortOnFail and its delay has passed: stop the run (exit 99). */
  abort: boolean;
  /** k6's wording, for the log and the summary, when `abort` is set. */
  abortReason?: string;
}

/** Every problem of an invalid `options.thresholds`, one per line in the message, each naming its key. */
export class ThresholdConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid thresholds:\n  ${problems.join("\n  ")}`);
    this.name = "ThresholdConfigError";
    this.problems = problems;
  }
}

/** Aggregations each metric type supports (k6's table; also min/max on gauges and count on trends). */
export const SUPPORTED_AGGREGATIONS: Readonly<Record<MetricType, readonly Aggregation[]>> = {
  counter: ["count", "rate"],
  gauge: ["value", "min", "max"],
  rate: ["rate", "count"],
  trend: ["avg", "min", "med", "max", "p", "count"],
};

const CONFIG_FIELDS = new Set(["threshold", "abortOnFail", "delayAbortEval"]);

/** The validated thresholds of one run. */
export class ThresholdSet {
  readonly definitions: readonly ThresholdDefinition[];

  private constructor(definitions: ThresholdDefinition[]) {
    this.definitions = definitions;
  }

  /**
   * Validates `options.thresholds` (key → array of condition strings or `{threshold, abortOnFail?, delayAbortEval?}`).
   * Metrics already in `metrics` are type-checked now; the others when `typeProblems()` is called after init.
   * @throws {ThresholdConfigError} listing every problem.
   */
  static fromOptions(raw: unknown, metrics: MetricRegistry): ThresholdSet {
    if (raw === undefined || raw === null) return new ThresholdSet([]);
    if (typeof raw !== "object" || Array.isArray(raw)) {
      throw new ThresholdConfigError([`thresholds: expected an object mapping metric names to arrays of conditions, got ${describe(raw)}`]);
    }
    const problems: string[] = [];
    const definitions: ThresholdDefinition[] = [];
    for (const [key, list] of Object.entries(raw as Record<string, unknown>)) {
      const where = `thresholds[${JSON.stringify(key)}]`;
      let parsedKey;
      try {
        parsedKey = parseThresholdKey(key);
      } catch (err) {
        problems.push(`${where}: ${reasonOf(err)}`);
        continue;
      }
      if (!Array.isArray(list)) {
        problems.push(`${where}: expected an array of conditions such as ["p(95)<500"], got ${describe(list)}`);
        continue;
      }
      const conditions: ThresholdCondition[] = [];
      list.forEach((item: unknown, i: number) => {
        const c = parseItem(item, `${where}[${i}]`, problems);
        if (c !== undefined) conditions.push(c);
      });
      definitions.push({ key: key.trim(), metric: parsedKey.metric, filter: parsedKey.filter, conditions });
    }
    const set = new ThresholdSet(definitions);
    problems.push(...set.typeProblems(metrics));
    if (problems.length > 0) throw new ThresholdConfigError(problems);
    return set;
  }

  /** Metric names used by a key but not registered (yet): after init, "no one emits metric X". */
  unknownMetrics(metrics: MetricRegistry): string[] {
    const names = new Set<string>();
    for (const def of this.definitions) if (metrics.get(def.metric) === undefined) names.add(def.metric);
    return [...names];
  }

  /** Conditions whose aggregation does not fit their (registered) metric's type, e.g. `rate` on a trend. */
  typeProblems(metrics: MetricRegistry): string[] {
    const problems: string[] = [];
    for (const def of this.definitions) {
      const metric = metrics.get(def.metric);
      if (metric === undefined) continue;
      for (const { condition } of def.conditions) {
        const why = aggregationProblem(metric, condition);
        if (why !== undefined) problems.push(`thresholds[${JSON.stringify(def.key)}]: ${why}`);
      }
    }
    return problems;
  }

  /**
   * Evaluates every condition against the engine's current state. `elapsedMs` drives counter rates and abort delays.
   * Pass `final: true` for the end-of-test evaluation, which also judges metrics without samples (see the module comment).
   */
  evaluate(engine: MetricsEngine, elapsedMs: number, options: { final?: boolean } = {}): ThresholdResults {
    const final = options.final === true;
    const keys: KeyResult[] = [];
    const failedKeys: string[] = [];
    let abort = false;
    for (const def of this.definitions) {
      const metric = engine.metrics.get(def.metric);
      // Tracking makes every later evaluation O(1) instead of a merge over all tag sets.
      if (metric !== undefined) engine.track(metric, def.filter);
      let sink = metric === undefined ? undefined : engine.view(metric, def.filter);
      if (sink === undefined && metric !== undefined && final) sink = createSink(metric.type);
      const empty = sink === undefined || sink.isEmpty();
      const skip = sink === undefined || (!final && empty);
      const conditions: ConditionResult[] = [];
      for (const { condition, abortOnFail, delayAbortEvalMs } of def.conditions) {
        const result: ConditionResult = { source: condition.source, ok: true, observed: undefined, abortOnFail, noData: false, noSamples: empty };
        const why = metric === undefined ? undefined : aggregationProblem(metric, condition);
        if (why !== undefined) {
          result.ok = false;
          result.error = why;
        } else if (skip) {
          result.noData = true;
        } else {
          const observed = sink!.aggregate(condition.aggregation, elapsedMs, condition.percentile);
          if (observed === undefined) {
            result.noData = true;
          } else {
            result.observed = observed;
            result.ok = compare(observed, condition.op, condition.value);
          }
        }
        if (!result.ok && abortOnFail && (delayAbortEvalMs === undefined || delayAbortEvalMs < elapsedMs)) abort = true;
        conditions.push(result);
      }
      const ok = conditions.every((c) => c.ok);
      if (!ok) failedKeys.push(def.key);
      keys.push({ key: def.key, metric: def.metric, filter: def.filter, ok, conditions });
    }
    failedKeys.sort();
    const results: ThresholdResults = { keys, failed: failedKeys.length > 0, failedKeys, abort };
    if (abort) {
      results.abortReason =
        `thresholds on metrics '${failedKeys.join(", ")}' were breached; at least one has abortOnFail enabled, stopping test prematurely`;
    }
    return results;
  }
}

function parseItem(item: unknown, where: string, problems: string[]): ThresholdCondition | undefined {
  let source: unknown = item;
  let abortOnFail = false;
  let delayAbortEvalMs: number | undefined;
  if (typeof item === "object" && item !== null && !Array.isArray(item)) {
    const obj = item as Record<string, unknown>;
    for (const field of Object.keys(obj)) {
      if (!CONFIG_FIELDS.has(field)) problems.push(`${where}: unknown field "${field}" (expected threshold, abortOnFail, delayAbortEval)`);
    }
    source = obj.threshold;
    if (obj.abortOnFail !== undefined) {
      if (typeof obj.abortOnFail === "boolean") abortOnFail = obj.abortOnFail;
      else problems.push(`${where}.abortOnFail: expected true or false, got ${describe(obj.abortOnFail)}`);
    }
    if (obj.delayAbortEval !== undefined && obj.delayAbortEval !== null) {
      try {
        delayAbortEvalMs = parseDuration(obj.delayAbortEval as string | number, `${where}.delayAbortEval`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    if (source === undefined) {
      problems.push(`${where}: missing "threshold" (the condition, e.g. "p(95)<500")`);
      return undefined;
    }
  }
  if (typeof source !== "string") {
    problems.push(`${where}: expected a condition string such as "p(95)<500" or {threshold, abortOnFail, delayAbortEval}, got ${describe(source)}`);
    return undefined;
  }
  try {
    return { condition: parseCondition(source), abortOnFail, delayAbortEvalMs };
  } catch (err) {
    problems.push(`${where}: ${reasonOf(err)}`);
    return undefined;
  }
}

/** Why `condition` cannot apply to `metric`, or undefined when it can. */
function aggregationProblem(metric: Metric, condition: Condition): string | undefined {
  const supported = SUPPORTED_AGGREGATIONS[metric.type];
  if (supported.includes(condition.aggregation)) return undefined;
  const agg = condition.aggregation === "p" ? `p(${condition.percentile})` : condition.aggregation;
  const list = supported.map((a) => (a === "p" ? "p(N)" : a)).join(", ");
  return `"${condition.source}": ${metric.name} is a ${metric.type}, which has no ${agg}; use ${list}`;
}

function compare(lhs: number, op: Condition["op"], rhs: number): boolean {
  switch (op) {
    case "<":
      return lhs < rhs;
    case "<=":
      return lhs <= rhs;
    case ">":
      return lhs > rhs;
    case ">=":
      return lhs >= rhs;
    case "==":
    case "===":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof ThresholdSyntaxError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? json.slice(0, 57) + "..." : json;
}
