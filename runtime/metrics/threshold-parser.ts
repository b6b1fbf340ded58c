/**
 * Pure parsers for k6 threshold syntax: keys (`metric{tag:value,…}`) and conditions (`p(95) < 250`).
 * They follow k6's metrics/thresholds_parser.go and ParseMetricName; types and metrics are checked in thresholds.ts.
 */
import type { Aggregation } from "./sink.ts";

/** Comparison operators of a condition. */
export type Operator = "<" | "<=" | ">" | ">=" | "==" | "===" | "!=";

/** A parsed condition such as `p(95)<250`. */
export interface Condition {
  aggregation: Aggregation;
  /** Only for `p`: the percentile, 0–100. */
  percentile?: number;
  op: Operator;
  value: number;
  /** The condition as written. */
  source: string;
}

/** A parsed threshold key: the metric name and the tag filter of a sub-metric (empty for the whole metric). */
export interface ThresholdKey {
  metric: string;
  filter: Readonly<Record<string, string>>;
}

/** A threshold key or condition that does not parse; the message quotes the input and says why. */
export class ThresholdSyntaxError extends Error {
  readonly source: string;
  readonly reason: string;
  /** 0-based position of the problem in `source`, when one can be named. */
  readonly column: number | undefined;

  constructor(source: string, reason: string, column?: number) {
    super(`invalid threshold ${JSON.stringify(source)}: ${reason}`);
    this.name = "ThresholdSyntaxError";
    this.source = source;
    this.reason = reason;
    this.column = column;
  }
}

// Longest first: scanning for "<" before "<=" would split "p(95)<=250" into "p(95)" and "=250" (k6 orders them the same way).
const OPERATORS: readonly Operator[] = ["<=", "<", ">=", ">", "===", "==", "!="];
const AGGREGATIONS: ReadonlySet<string> = new Set(["avg", "min", "max", "med", "rate", "count", "value"]);
// Decimal numbers only: no hex, no Infinity/NaN, no empty string (which Number() would read as 0).
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses one condition such as `p(99.9) < 250` or `rate>=0.95`. Spaces are allowed around the operator.
 *
 *   condition   := aggregation space* op space* number
 *   aggregation := "count" | "rate" | "value" | "avg" | "min" | "med" | "max" | "p(" number ")"   (0 ≤ p ≤ 100)
 *   op          := "<=" | "<" | ">=" | ">" | "===" | "==" | "!="                          (scanned longest first)
 *   number      := ["+" | "-"] digits ["." digits] [("e" | "E") ["+" | "-"] digits]
 *
 * `==` and `===` mean the same (values are numbers). Whether the aggregation fits the metric's type is checked later.
 * @throws {ThresholdSyntaxError} for a missing operator, an unknown aggregation, a bad percentile or a non-numeric value.
 */
export function parseCondition(source: string): Condition {
  let op: Operator | undefined;
  let at = -1;
  for (const candidate of OPERATORS) {
    at = source.indexOf(candidate);
    if (at >= 0) {
      op = candidate;
      break;
    }
  }
  if (op === undefined) {
    throw new ThresholdSyntaxError(source, "missing comparison operator: use one of <, <=, >, >=, ==, ===, !=");
  }
  const lhs = source.slice(0, at).trim();
  const rhs = source.slice(at + op.length).trim();

  const { aggregation, percentile } = parseAggregation(source, lhs);

  if (rhs === "") throw new ThresholdSyntaxError(source, `missing value after "${op}"`, at + op.length);
  if (!NUMBER.test(rhs)) {
    throw new ThresholdSyntaxError(source, `value ${JSON.stringify(rhs)} is not a number`, source.indexOf(rhs, at + op.length));
  }
  const condition: Condition = { aggregation, op, value: Number(rhs), source };
  if (percentile !== undefined) condition.percentile = percentile;
  return condition;
}

function parseAggregation(source: string, lhs: string): { aggregation: Aggregation; percentile?: number } {
  if (lhs === "") {
    throw new ThresholdSyntaxError(source, "missing aggregation before the operator (avg, min, med, max, p(N), rate, count or value)", 0);
  }
  if (AGGREGATIONS.has(lhs)) return { aggregation: lhs as Aggregation };
  if (lhs.startsWith("p(") && lhs.endsWith(")")) {
    const inner = lhs.slice(2, -1).trim();
    if (!NUMBER.test(inner)) {
      throw new ThresholdSyntaxError(source, `percentile ${JSON.stringify(inner)} in "${lhs}" is not a number`, source.indexOf(lhs));
    }
    const percentile = Number(inner);
    if (percentile < 0 || percentile > 100) {
      throw new ThresholdSyntaxError(source, `percentile ${inner} in "${lhs}" is out of range: use 0 to 100`, source.indexOf(lhs));
    }
    return { aggregation: "p", percentile };
  }
  throw new ThresholdSyntaxError(
    source,
    `unknown aggregation ${JSON.stringify(lhs)}: use avg, min, med, max, p(N), rate, count or value`,
    source.indexOf(lhs),
  );
}

/**
 * Splits `k8s_req_duration{verb:list,resource:pods}` into a metric name and a tag filter (k6's ParseMetricName):
 * each tag is split on its first colon, so values may contain colons; keys and values are trimmed of spaces and of
 * surrounding quotes; empty braces, a missing colon or an empty value are errors.
 * @throws {ThresholdSyntaxError} for unbalanced braces, text after `}`, or a malformed tag.
 */
export function parseThresholdKey(key: string): ThresholdKey {
  const open = key.indexOf("{");
  const close = key.lastIndexOf("}");
  if (open < 0 && close < 0) {
    const metric = key.trim();
    if (metric === "") throw new ThresholdSyntaxError(key, "empty metric name");
    return { metric, filter: {} };
  }
  if (open < 0 || close < 0) throw new ThresholdSyntaxError(key, "unmatched curly brace in the tag filter", Math.max(open, close));
  if (close < open) throw new ThresholdSyntaxError(key, "closing curly brace before the opening one", close);
  if (close !== key.length - 1) {
    throw new ThresholdSyntaxError(key, "text after the closing curly brace: the tag filter must end the key", close + 1);
  }
  const metric = key.slice(0, open).trim();
  if (metric === "") throw new ThresholdSyntaxError(key, "empty metric name before the tag filter", 0);
  const inner = key.slice(open + 1, close);
  if (inner.trim() === "") throw new ThresholdSyntaxError(key, "empty tag filter: write metric{tag:value} or drop the braces", open);

  const filter: Record<string, string> = {};
  let offset = open + 1;
  for (const part of inner.split(",")) {
    const colon = part.indexOf(":");
    if (colon < 0) throw new ThresholdSyntaxError(key, `tag ${JSON.stringify(part.trim())} has no ":" (write tag:value)`, offset);
    const name = unquote(part.slice(0, colon));
    const value = unquote(part.slice(colon + 1));
    if (name === "") throw new ThresholdSyntaxError(key, `tag ${JSON.stringify(part.trim())} has an empty name`, offset);
    if (value === "") throw new ThresholdSyntaxError(key, `tag "${name}" has an empty value`, offset + colon + 1);
    filter[name] = value;
    offset += part.length + 1;
  }
  return { metric, filter };
}

/** k6 trims spaces, then any quotes, so `{"status":'200'}` works as in a JS object literal. */
function unquote(s: string): string {
  return s.trim().replace(/^["']+|["']+$/g, "");
}
