// What every part of `npm run bench` shares: a figure is a number (or a note such as "skipped: …"), or an Invalid —
// a measurement that cannot be trusted (zero requests, non-2xx answers, errors, a child that crashed or measured
// nothing). An Invalid is printed as INVALID with the reason in place of the figure, and its cause is kept here:
// bench/run.ts prints every cause at the end and exits 1. A figure that misses its target is not invalid (it is a
// result); only figures that are not measurements fail the bench.

/** A figure that is not a measurement, and why. */
export class Invalid {
  constructor(readonly why: string) {}
}

export type Value = number | string | Invalid;

/** A printed line: a figure's name, its value, and its target (with "ok"/"MISSED" when judged). */
export interface Row {
  name: string;
  value: Value;
  target?: string;
}

const causes: string[] = [];

/**
 * Records why a measurement is invalid (`what`: the path, figure or part; `why`: what was seen) and returns the Invalid
 * to print in place of its figures. Figures derived from the same measurement share the returned value.
 */
export function invalid(what: string, why: string): Invalid {
  const text = `${what}: ${why}`;
  if (!causes.includes(text)) causes.push(text);
  return new Invalid(text);
}

/** Every cause recorded so far, in order. */
export function invalidMeasurements(): readonly string[] {
  return causes;
}

/** The first Invalid among `values`, if any (for a figure derived from several measurements). */
export function firstInvalid(...values: unknown[]): Invalid | undefined {
  return values.find((v): v is Invalid => v instanceof Invalid);
}

let lastWhy: string | undefined;

/** Prints a row; an invalid one with its reason below it (or "as above" for the reason just printed). */
export function printRow({ name, value, target = "" }: Row): void {
  if (value instanceof Invalid) {
    console.log(`  ${name.padEnd(68)} ${"INVALID".padStart(14)}   ${target}`);
    console.log(`      ↳ ${value.why === lastWhy ? "as above" : value.why}`);
    lastWhy = value.why;
  } else {
    lastWhy = undefined;
    console.log(`  ${name.padEnd(68)} ${String(value).padStart(14)}   ${target}`);
  }
}

/**
 * Prints the causes of every invalid measurement on stderr and returns the exit code the bench must end with: 1 when
 * any figure is invalid, else 0.
 */
export function finish(): number {
  if (causes.length === 0) return 0;
  const n = causes.length;
  console.error(`\nbench: FAILED — ${n} invalid measurement${n === 1 ? "" : "s"}; the figures marked INVALID above are not measurements:`);
  for (const c of causes) console.error(`  ✗ ${c}`);
  return 1;
}

/** The last non-empty lines of a child's stderr, for a reason. */
export function tail(text: string, lines = 3): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-lines)
    .join(" | ");
}

/** The median of some measurements (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
