// Running loadgen/http scenarios in the tests: a scenario's source as a temp file, run through the programmatic API,
// and what a user reads back (checks that failed, metric series).
import { runScenario, seriesOf, tempScenario, type RunOptions, type ScenarioOutcome } from "../fixtures/run-scenario.ts";

export { seriesOf };

/** Runs a scenario given as source text. */
export function runHttp(source: string, o: RunOptions = {}): Promise<ScenarioOutcome> {
  return runScenario(tempScenario(source), o);
}

/** The checks that failed at least once, by name. */
export function failedChecks(o: ScenarioOutcome): string[] {
  return seriesOf(o, "checks").filter((s) => s.values.fails! > 0).map((s) => s.tags.check!);
}

/** The number of checks that ran (passes + fails). */
export function checksRun(o: ScenarioOutcome): number {
  return seriesOf(o, "checks").reduce((n, s) => n + s.values.passes! + s.values.fails!, 0);
}

/** The sum of a counter's series whose tags include `where`. */
export function countOf(o: ScenarioOutcome, metric: string, where: Record<string, string> = {}): number {
  return seriesOf(o, metric)
    .filter((s) => Object.entries(where).every(([k, v]) => s.tags[k] === v))
    .reduce((n, s) => n + (s.values.count ?? 0), 0);
}

/** Log lines and the error, for assertion messages. */
export function why(o: ScenarioOutcome): string {
  return [o.error ?? "", ...o.logs].join("\n");
}
