/**
 * How flag values read, one parser per kind of value for every command: a bad value is commander's usage error,
 * naming the flag and quoting the value.
 */
import { InvalidArgumentError } from "commander";
import { availableParallelism } from "node:os";
import { parseDuration } from "../metrics/duration.ts";

function number(flag: string, value: string, ok: (n: number) => boolean, what: string): number {
  const n = value.trim() === "" ? NaN : Number(value);
  if (!ok(n)) throw new InvalidArgumentError(`${flag} must be ${what}, got "${value}"`);
  return n;
}

/** `-u 50`, `--nodes 100`: a whole number ≥ 1. */
export function positiveInt(flag: string): (value: string) => number {
  return (value) => number(flag, value, (n) => Number.isInteger(n) && n >= 1, "a positive integer");
}

/** `--workers 4` or `--workers auto` (one per core this process may use). */
export function countOrAuto(flag: string): (value: string) => number {
  const int = positiveInt(flag);
  return (value) => (value.trim() === "auto" ? availableParallelism() : int(value));
}

/** `--total 0`: a whole number ≥ 0. */
export function nonNegativeInt(flag: string): (value: string) => number {
  return (value) => number(flag, value, (n) => Number.isInteger(n) && n >= 0, "a whole number >= 0");
}

/** `--max-retries -1`: any whole number. */
export function integer(flag: string): (value: string) => number {
  return (value) => number(flag, value, Number.isInteger, "a whole number");
}

/** `--rate 12.5`: a number ≥ 0. */
export function nonNegativeNumber(flag: string): (value: string) => number {
  return (value) => number(flag, value, (n) => Number.isFinite(n) && n >= 0, "a number >= 0");
}

/** `--timeout 90s`: a k6-style duration in milliseconds (a bare number is seconds, as a timeout flag is read). */
export function durationMs(flag: string): (value: string) => number {
  return (value) => {
    try {
      return parseDuration(/^\d+$/.test(value) ? `${value}s` : value, flag);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** `--port 6443`: a TCP port. */
export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("expected a port number 1–65535");
  return n;
}

/** Collects repeated `-e KEY=VALUE` flags into an object. */
export function envPair(value: string, previous: Readonly<Record<string, string>>): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * Collects repeated `--threshold 'METRIC=CONDITION'` flags by metric key: `k8s_request_duration=p(95)<500`,
 * `checks{scenario:burst}=rate>0.99`. The key ends at the first `=` after its tag filter, so conditions with `==`
 * or `<=` read as written.
 */
export function thresholdPair(value: string, previous: Readonly<Record<string, readonly string[]>>): Record<string, readonly string[]> {
  const brace = value.indexOf("}");
  const eq = value.indexOf("=", value.indexOf("{") < 0 || brace < 0 ? 0 : brace);
  const key = eq < 0 ? "" : value.slice(0, eq).trim();
  const condition = eq < 0 ? "" : value.slice(eq + 1).trim();
  if (key === "" || condition === "") throw new InvalidArgumentError(`expected METRIC=CONDITION such as 'k8s_request_duration=p(95)<500', got "${value}"`);
  return { ...previous, [key]: [...(previous[key] ?? []), condition] };
}

/** Collects a repeatable string flag. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** A repeatable flag whose values are comma-separated lists (k6's string-slice flags): every item, in order. */
export function commaList(value: string, previous: readonly string[]): string[] {
  return [...previous, ...value.split(",").map((v) => v.trim()).filter((v) => v !== "")];
}

/** `--run-id 202601011200-a1b2c3`: a run id as labels carry it (Kubernetes label value syntax). */
export function runIdFlag(value: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(value)) throw new InvalidArgumentError(`--run-id must be a label value (letters, digits, "-", "_", "."; at most 63), got "${value}"`);
  return value;
}
