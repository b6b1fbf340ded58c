/**
 * The end-of-test summary as text, in k6's classic layout: checks per group with ✓/✗, then every metric on one
 * dotted, aligned line, marked ✓/✗ when it has thresholds. Value formatting follows k6's summary code (durations such as
 * `1.23ms` or `1m3s`, bytes in kB, rates as truncated percentages).
 */
import type { SummaryTableData, Summary, SummaryCheck, SummaryGroup, SummaryMetric } from "./build-summary.ts";
import { compareMetricNames } from "./build-summary.ts";

/** Rendering options: ANSI colour only when `color` is set. */
export interface RenderTextOptions {
  color: boolean;
}

const PASS = "✓";
const FAIL = "✗";
/** A threshold that was not judged (no samples): neither ✓ nor ✗. */
const NOT_EVALUATED = "-";
const GROUP_PREFIX = "█";
const DETAILS_PREFIX = "↳";
const BASE_INDENT = " ";

type Decorate = (text: string, ...codes: number[]) => string;
const GREEN = 32;
const RED = 31;
const CYAN = 36;
const FAINT = 2;

/** Renders the summary; the result starts and ends with a newline so it can be written as is. */
export function renderTextSummary(summary: Summary, options: RenderTextOptions): string {
  const decorate: Decorate = options.color ? (text, ...codes) => `\x1b[${codes.join(";")}m${text}\x1b[0m` : (text) => text;
  const lines: string[] = [];
  // An aborted run says so first, so that nothing below reads as a pass.
  const aborted = summary.state.aborted ? BASE_INDENT + "  " + decorate(`${FAIL} run aborted: ${summary.state.abortReason ?? "no reason given"}`, RED) : undefined;
  if (aborted) lines.push(aborted, "");
  lines.push(...renderGroup(BASE_INDENT + "    ", summary.root_group, decorate));
  lines.push(...renderMetrics(summary, decorate));
  const notEvaluated = notEvaluatedThresholds(summary);
  if (notEvaluated.length) {
    lines.push("", BASE_INDENT + "  " + decorate(`${NOT_EVALUATED} thresholds not evaluated:`, FAINT));
    for (const line of notEvaluated) lines.push(BASE_INDENT + "    " + decorate(line, FAINT));
  }
  for (const ext of Object.values(summary.extensions ?? {})) {
    for (const table of ext.tables) lines.push("", ...renderTable(table));
  }
  if (aborted) lines.push("", aborted);
  return "\n" + lines.join("\n") + "\n";
}

function renderCheck(indent: string, check: SummaryCheck, decorate: Decorate): string {
  if (check.fails === 0) return decorate(`${indent}${PASS} ${check.name}`, GREEN);
  const pct = Math.floor((100 * check.passes) / (check.passes + check.fails));
  return decorate(
    `${indent}${FAIL} ${check.name}\n${indent} ${DETAILS_PREFIX}  ${pct}% — ${PASS} ${check.passes} / ${FAIL} ${check.fails}`,
    RED,
  );
}

function renderGroup(indent: string, group: SummaryGroup, decorate: Decorate): string[] {
  const lines: string[] = [];
  if (group.name !== "") {
    lines.push(`${indent}${GROUP_PREFIX} ${group.name}\n`);
    indent += "  ";
  }
  for (const check of group.checks) lines.push(renderCheck(indent, check, decorate));
  if (group.checks.length > 0) lines.push("");
  for (const sub of group.groups) lines.push(...renderGroup(indent, sub, decorate));
  return lines;
}

function renderMetrics(summary: Summary, decorate: Decorate): string[] {
  const indent = BASE_INDENT + "  ";
  const stats = summary.options.summaryTrendStats;
  const timeUnit = summary.options.summaryTimeUnit;
  const names = Object.keys(summary.metrics).sort(compareMetricNames);

  // First pass: format every value, so columns can be padded to the widest entry.
  let nameWidth = 0;
  let valueWidth = 0;
  const extraWidths: number[] = [];
  const trendWidths = stats.map(() => 0);
  const cells = new Map<string, string[]>();
  for (const name of names) {
    const metric = summary.metrics[name]!;
    nameWidth = Math.max(nameWidth, width(subIndent(name) + displayName(name)));
    if (metric.type === "trend") {
      const cols = stats.map((stat) => {
        const v = metric.values[stat];
        if (v === undefined) return "-";
        return stat === "count" ? String(v) : humanizeValue(v, metric, timeUnit);
      });
      cols.forEach((c, i) => (trendWidths[i] = Math.max(trendWidths[i]!, width(c))));
      cells.set(name, cols);
    } else {
      const vals = nonTrendValues(metric, timeUnit);
      valueWidth = Math.max(valueWidth, width(vals[0]!));
      vals.slice(1).forEach((v, i) => (extraWidths[i] = Math.max(extraWidths[i] ?? 0, width(v))));
      cells.set(name, vals);
    }
  }

  const lines: string[] = [];
  for (const name of names) {
    const metric = summary.metrics[name]!;
    const cols = cells.get(name)!;
    let data: string;
    if (metric.type === "trend") {
      data = cols.map((c, i) => `${stats[i]}=${decorate(c, CYAN)}${pad(c, trendWidths[i]!)}`).join(" ");
    } else {
      data = decorate(cols[0]!, CYAN) + pad(cols[0]!, valueWidth);
      const extras = cols.slice(1);
      if (extras.length === 1) data += " " + decorate(extras[0]!, CYAN, FAINT);
      else if (extras.length > 1) data += " " + extras.map((e, i) => decorate(e, CYAN, FAINT) + pad(e, extraWidths[i]!)).join(" ");
    }
    let mark = " ";
    if (metric.thresholds !== undefined) {
      const outcomes = Object.values(metric.thresholds);
      const ok = outcomes.every((t) => t.ok);
      if (!ok) mark = decorate(FAIL, RED);
      else if (outcomes.every((t) => t.notEvaluated !== undefined)) mark = decorate(NOT_EVALUATED, FAINT);
      else mark = decorate(PASS, GREEN);
    }
    const sub = subIndent(name);
    const shown = displayName(name);
    const dots = ".".repeat(Math.max(0, nameWidth - width(shown) - width(sub) + 3));
    lines.push(`${indent}${sub}${mark} ${shown}${decorate(dots + ":", FAINT)} ${data}`.trimEnd());
  }
  return lines;
}

/** `metric "condition": why` for every threshold that was not judged. */
export function notEvaluatedThresholds(summary: Summary): string[] {
  const out: string[] = [];
  for (const [name, metric] of Object.entries(summary.metrics)) {
    for (const [source, t] of Object.entries(metric.thresholds ?? {})) {
      if (t.notEvaluated !== undefined) out.push(`${name} "${source}": ${t.notEvaluated}`);
    }
  }
  return out;
}

function nonTrendValues(metric: SummaryMetric, timeUnit: string | null): string[] {
  const v = metric.values;
  switch (metric.type) {
    case "counter":
      return [humanizeValue(v.count ?? 0, metric, timeUnit), humanizeValue(v.rate ?? 0, metric, timeUnit) + "/s"];
    case "gauge":
      return [
        humanizeValue(v.value ?? 0, metric, timeUnit),
        "min=" + humanizeValue(v.min ?? 0, metric, timeUnit),
        "max=" + humanizeValue(v.max ?? 0, metric, timeUnit),
      ];
    case "rate":
      // 0.00% of nothing reads like a measured failure (or, with ✓ 0, a pass): say there was nothing.
      if (!v.passes && !v.fails) return ["no samples"];
      return [humanizeValue(v.rate ?? 0, metric, timeUnit), `${PASS} ${v.passes ?? 0}`, `${FAIL} ${v.fails ?? 0}`];
    default:
      return ["[no data]"];
  }
}

/** Formats one value the way k6's summary does for this metric's type and content. */
export function humanizeValue(value: number, metric: Pick<SummaryMetric, "type" | "contains">, timeUnit: string | null = null): string {
  // Truncated, not rounded: 99.999% must not show as 100.00%.
  if (metric.type === "rate") return (Math.trunc(value * 100 * 100) / 100).toFixed(2) + "%";
  if (metric.contains === "data") return humanizeBytes(value);
  if (metric.contains === "time") return humanizeDuration(value, timeUnit);
  return toFixedNoTrailingZeros(value, 6);
}

/** Bytes in decimal units: `12 kB`, `1.5 MB`. */
export function humanizeBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
  if (bytes < 10) return `${bytes} B`;
  const e = Math.floor(Math.log(bytes) / Math.log(1000));
  const val = Math.floor((bytes / Math.pow(1000, e)) * 10 + 0.5) / 10;
  return `${val.toFixed(val < 10 ? 1 : 0)} ${units[e]}`;
}

const TIME_UNITS: Readonly<Record<string, { unit: string; coef: number }>> = {
  s: { unit: "s", coef: 0.001 },
  ms: { unit: "ms", coef: 1 },
  us: { unit: "µs", coef: 1000 },
};

/** Milliseconds as `512µs`, `1.23ms`, `2.5s`, `1m3s`, `1h2m3s`; or in a fixed `summaryTimeUnit` (s, ms, us). */
export function humanizeDuration(ms: number, timeUnit: string | null = null): string {
  const fixed = timeUnit === null ? undefined : TIME_UNITS[timeUnit];
  if (fixed !== undefined) return (ms * fixed.coef).toFixed(2) + fixed.unit;
  if (ms === 0) return "0s";
  if (ms < 0.001) return Math.trunc(ms * 1e6) + "ns";
  if (ms < 1) return truncNoTrailingZeros(ms * 1000, 2) + "µs";
  if (ms < 1000) return truncNoTrailingZeros(ms, 2) + "ms";
  let text = truncNoTrailingZeros((ms % 60_000) / 1000, ms > 60_000 ? 0 : 2) + "s";
  let rest = Math.trunc(ms / 60_000);
  if (rest < 1) return text;
  text = (rest % 60) + "m" + text;
  rest = Math.trunc(rest / 60);
  return rest < 1 ? text : rest + "h" + text;
}

function toFixedNoTrailingZeros(value: number, precision: number): string {
  return String(parseFloat(value.toFixed(precision)));
}

function truncNoTrailingZeros(value: number, precision: number): string {
  const m = Math.pow(10, precision);
  return toFixedNoTrailingZeros(Math.trunc(m * value) / m, precision);
}

/** Sub-metrics show as `{ tag:value }` under their parent. */
function displayName(name: string): string {
  const open = name.indexOf("{");
  return open >= 0 ? `{ ${name.slice(open + 1, -1)} }` : name;
}

function subIndent(name: string): string {
  return name.includes("{") ? "  " : "";
}

function pad(text: string, to: number): string {
  return " ".repeat(Math.max(0, to - width(text)));
}

/** Display width without ANSI escapes (the values here are BMP text, one column per code point). */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\x1b\[[0-9;]*m/g, "")].length;
}

/** A module's table (see SummaryTableData): a title, then aligned columns, numbers right-aligned. */
export function renderTable(table: SummaryTableData): string[] {
  const cells = table.rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[], numeric: boolean[]) =>
    BASE_INDENT + "  " + r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((r) => typeof r[i] === "number"));
  return [BASE_INDENT + "  " + table.title, line([...table.columns], numeric), ...cells.map((r) => line(r, numeric))];
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
