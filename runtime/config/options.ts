import { InvalidOptionsError } from "../errors.ts";
import type { VuLimits } from "../vu/vu.ts";
import type { ExecutionTuple } from "../segment/execution-tuple.ts";
import { resolveSegment } from "../segment/segment-options.ts";
import { FieldReader, parseScenario, type ScenarioConfig } from "./scenario-config.ts";

/** Flags that override the script's execution options, as k6's -u/-d/-i do. */
export interface CliOverrides {
  readonly vus?: number;
  readonly duration?: string;
  readonly iterations?: number;
  /** `--execution-segment` (k6's form, e.g. `1/4:2/4`): replaces `options.executionSegment`. */
  readonly executionSegment?: string;
  /** `--execution-segment-sequence` (e.g. `0,1/4,2/4,3/4,1`): replaces `options.executionSegmentSequence`. */
  readonly executionSegmentSequence?: string;
}

/** A scenario's options after shortcuts, overrides, defaults and validation. */
export interface ResolvedOptions {
  readonly scenarios: readonly ScenarioConfig[];
  /** `options.thresholds` as written; the threshold engine parses and checks it. */
  readonly thresholds: Readonly<Record<string, unknown>>;
  /** Tags on every sample of the run. */
  readonly tags: Readonly<Record<string, string>>;
  readonly setupTimeoutMs: number;
  readonly teardownTimeoutMs: number;
  readonly summaryTrendStats: readonly string[] | undefined;
  readonly limits: VuLimits;
  /** This instance's segment of the test (the whole test unless an execution segment is set). */
  readonly segment: ExecutionTuple;
  /** The script's options with overrides applied, for `test.options` and module sections such as `options.k8s`. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Top-level option keys the engine itself reads. Stdlib modules add their own section keys (e.g. `k8s`). */
const CORE_KEYS = new Set([
  "scenarios",
  "vus",
  "duration",
  "iterations",
  "stages",
  "thresholds",
  "tags",
  "setupTimeout",
  "teardownTimeout",
  "summaryTrendStats",
  "blockingTimeout",
  "vuMemoryLimitMiB",
  "executionSegment",
  "executionSegmentSequence",
]);

/**
 * Turns the script's exported `options` (plus CLI overrides) into a validated execution plan, following k6:
 * CLI -u/-d/-i replace the script's execution settings; vus/duration/iterations/stages are shortcuts for
 * one scenario named "default"; with nothing set, one VU runs one iteration.
 * @throws {InvalidOptionsError} listing every problem, each with its field.
 */
export function resolveOptions(
  scriptOptions: unknown,
  cli: CliOverrides,
  sectionKeys: ReadonlySet<string> = new Set(),
  source?: string,
): ResolvedOptions {
  const problems: string[] = [];
  if (scriptOptions !== undefined && (scriptOptions === null || typeof scriptOptions !== "object" || Array.isArray(scriptOptions))) {
    throw new InvalidOptionsError(["options: must be an object"], source);
  }
  const o: Record<string, unknown> = { ...((scriptOptions as Record<string, unknown>) ?? {}) };
  for (const key of Object.keys(o)) {
    if (!CORE_KEYS.has(key) && !sectionKeys.has(key)) {
      problems.push(`${key}: unknown option (known: ${[...CORE_KEYS, ...sectionKeys].join(", ")})`);
    }
  }
  const cliShortcut = cli.vus !== undefined || cli.duration !== undefined || cli.iterations !== undefined;
  if (cliShortcut) {
    // Flags win over the script, as in k6: they replace its scenarios and shortcuts alike.
    delete o.scenarios;
    delete o.stages;
    if (cli.vus !== undefined) o.vus = cli.vus;
    if (cli.duration !== undefined) {
      o.duration = cli.duration;
      if (cli.iterations === undefined) delete o.iterations;
    }
    if (cli.iterations !== undefined) o.iterations = cli.iterations;
  }
  // The flags win over the script's keys, and test.options says which segment this instance runs.
  if (cli.executionSegment !== undefined) o.executionSegment = cli.executionSegment;
  if (cli.executionSegmentSequence !== undefined) o.executionSegmentSequence = cli.executionSegmentSequence;

  const top = new FieldReader("", o, problems);
  const scenarios = resolveScenarios(o, problems);
  const thresholds = o.thresholds === undefined ? {} : o.thresholds;
  if (thresholds === null || typeof thresholds !== "object" || Array.isArray(thresholds)) {
    problems.push("thresholds: must be an object mapping metric names to lists of conditions");
  }
  let summaryTrendStats: string[] | undefined;
  if (o.summaryTrendStats !== undefined) {
    if (!Array.isArray(o.summaryTrendStats) || o.summaryTrendStats.some((s) => typeof s !== "string")) {
      problems.push("summaryTrendStats: must be a list of strings such as [\"avg\", \"p(95)\"]");
    } else summaryTrendStats = o.summaryTrendStats as string[];
  }
  const resolved: ResolvedOptions = {
    scenarios,
    thresholds: thresholds as Record<string, unknown>,
    tags: top.stringMap("tags"),
    setupTimeoutMs: top.duration("setupTimeout", 60_000, true),
    teardownTimeoutMs: top.duration("teardownTimeout", 60_000, true),
    summaryTrendStats,
    limits: {
      blockingTimeoutMs: top.duration("blockingTimeout", 10_000, true),
      memoryLimitBytes: top.integer("vuMemoryLimitMiB", 64, 1) * 1024 * 1024,
      maxStackBytes: 320 * 1024,
    },
    segment: resolveSegment(cli, o, problems),
    raw: o,
  };
  if (problems.length) throw new InvalidOptionsError(problems, source);
  return resolved;
}

function resolveScenarios(o: Record<string, unknown>, problems: string[]): ScenarioConfig[] {
  const shortcuts = ["vus", "duration", "iterations", "stages"].filter((k) => o[k] !== undefined);
  if (o.scenarios !== undefined) {
    if (shortcuts.length) {
      problems.push(`${shortcuts.join(", ")}: cannot be combined with scenarios; move them into a scenario, or pass -u/-d/-i to replace the scenarios`);
    }
    if (o.scenarios === null || typeof o.scenarios !== "object" || Array.isArray(o.scenarios)) {
      problems.push("scenarios: must be an object mapping scenario names to their options");
      return [];
    }
    const entries = Object.entries(o.scenarios as Record<string, unknown>);
    if (entries.length === 0) problems.push("scenarios: is empty; define at least one scenario");
    return entries.flatMap(([name, raw]) => parseScenario(name, raw, problems) ?? []);
  }
  if (o.stages !== undefined && o.duration !== undefined) {
    problems.push("stages, duration: use one of them, not both");
  }
  if (o.vus !== undefined && (typeof o.vus !== "number" || !Number.isInteger(o.vus) || o.vus < 1)) {
    problems.push(`vus: must be an integer ≥ 1, got ${JSON.stringify(o.vus)}`);
    return [];
  }
  let raw: Record<string, unknown>;
  if (o.iterations !== undefined) {
    raw = { executor: "shared-iterations", vus: o.vus ?? 1, iterations: o.iterations };
    if (o.duration !== undefined) raw.maxDuration = o.duration;
  } else if (o.stages !== undefined) {
    raw = { executor: "ramping-vus", startVUs: o.vus ?? 1, stages: o.stages };
  } else if (o.duration !== undefined) {
    raw = { executor: "constant-vus", vus: o.vus ?? 1, duration: o.duration };
  } else {
    raw = { executor: "per-vu-iterations", vus: o.vus ?? 1, iterations: 1 };
  }
  // Problems with shortcut values are reported under their top-level names, not the synthetic scenario's.
  const scenarioProblems: string[] = [];
  const config = parseScenario("default", raw, scenarioProblems);
  for (const p of scenarioProblems) problems.push(p.replace(/^scenarios\.default\.(maxDuration)/, "duration").replace(/^scenarios\.default\./, ""));
  return config ? [config] : [];
}
