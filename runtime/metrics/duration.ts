/**
 * k6-style durations (lib/types ParseExtendedDuration): Go duration strings with an extra `d` unit, such as
 * "1h2m3s", "250ms", "1.5s" or "2d"; an integer string or a plain number means milliseconds.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;
const HINT = 'use a number of milliseconds or a string such as "1m30s", "250ms" or "1.5s"';

/**
 * Milliseconds in `value`; `field` names the option in errors (`thresholds["checks"][0].delayAbortEval`).
 * @throws {Error} naming the field and quoting the value for anything else, negatives included.
 */
export function parseDuration(value: string | number, field: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new Error(`${field}: invalid duration ${value}: ${HINT}`);
    return value;
  }
  if (typeof value !== "string") {
    throw new Error(`${field}: invalid duration ${JSON.stringify(value) ?? String(value)}: ${HINT}`);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (m === null) {
      const why = start === 0 ? HINT : `cannot read ${JSON.stringify(text.slice(start))}; ${HINT}`;
      throw new Error(`${field}: invalid duration ${JSON.stringify(value)}: ${why}`);
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (text === "") throw new Error(`${field}: invalid duration "": ${HINT}`);
  return total;
}
