// Go's time.Duration as perfscale-load-generator reads it from YAML (config/types.go, Duration.UnmarshalJSON): a
// string for time.ParseDuration ("5m", "1h30m", "0") or a bare number, which Go takes as nanoseconds — so
// `iterationInterval: 0` is no pause and `iterationInterval: 5` is five nanoseconds, as in the tool.
import { parseDuration } from "../../runtime/metrics/duration.ts";

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds in a workload's duration field.
 * @throws {Error} whose message starts with `field`, quoting the value.
 */
export function goDuration(v: unknown, field: string): number {
  if (typeof v === "number") return v / 1e6;
  if (typeof v !== "string") throw new Error(`${field}: expected a duration such as "5m", got ${JSON.stringify(v)}`);
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let matched = 0;
  for (let m = re.exec(v); m !== null; m = re.exec(v)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched !== v.length || v.length === 0) {
    // "0" and the like: not Go units, but a plain number of milliseconds reads the same.
    try {
      return parseDuration(v, field);
    } catch {
      throw new Error(`${field}: expected a duration such as "5m", got ${JSON.stringify(v)}`);
    }
  }
  return total;
}
