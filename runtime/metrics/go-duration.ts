// Go's time.Duration, the one place loadgen reads and writes it (k6-style durations are duration.ts):
//   - read as perfscale-load-generator reads it from YAML (config/types.go, Duration.UnmarshalJSON): a string for
//     time.ParseDuration ("5m", "1h30m", "0") or a bare number, which Go takes as nanoseconds — so
//     `iterationInterval: 0` is no pause and `iterationInterval: 5` is five nanoseconds, as in the tool;
//   - written as Go's Duration.String() prints it ("1m2.5s", "350ms"), as kperf's result shows its duration.
import { parseDuration } from "./duration.ts";

/**
 * Milliseconds in a duration field of a Go tool's YAML. Strings read as duration.ts reads them: Go's units, which
 * the k6 form extends (a `d` unit, a bare integer string as milliseconds, so "0" is 0 as in Go).
 * @throws {Error} whose message starts with `field`, quoting the value.
 */
export function parseGoDuration(v: unknown, field: string): number {
  if (typeof v === "number") return v / 1e6;
  if (typeof v === "string") {
    try {
      return parseDuration(v, field);
    } catch {
      // the message below, which is the Go tool's view of the field
    }
  }
  throw new Error(`${field}: expected a duration such as "5m", got ${JSON.stringify(v)}`);
}

/** Go's time.Duration text for milliseconds ("1m2.5s", "350ms"). */
export function formatGoDuration(ms: number): string {
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = +(totalS % 60).toFixed(6);
  return `${h ? h + "h" : ""}${h || m ? m + "m" : ""}${s}s`;
}
