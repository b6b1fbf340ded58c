/**
 * The runner-group protocol (README.md in this folder): what a runner says to its coordinator and what the
 * coordinator tells it, whatever carries them. A runner writes its messages as lines on stdout (a local worker's
 * pipe, or a runner pod's log read through the API server); other lines in the same stream (logs) are not messages.
 * Commands reach a runner as lines too (a local worker's stdin; for pods, a watched ConfigMap's entries).
 */
import type { EngineSnapshot } from "../metrics/engine.ts";
import type { ScenarioProgress } from "../execution/scenario-execution.ts";
import type { IterationError } from "../output/types.ts";

/** Bumped on any change a peer of the previous version would misread. */
export const PROTOCOL_VERSION = 1;

/** Starts every message line, so that messages stand out from log lines in a merged stream. */
export const MESSAGE_MARK = "@loadgen-runner ";

/** What a runner reports about itself in every snapshot (and in its `done`). */
export interface RunnerCounts {
  /** VUs its scenarios hold now, and the most alive at once so far (the group's `vus`/`vus_max` are their sums). */
  readonly vus: number;
  readonly vusMax: number;
  /** Its scenarios' live state. */
  readonly scenarios: readonly ScenarioProgress[];
  /** CPU time (user + system, ms) the runner's process has used since `start`: how busy a runner's machine share is. */
  readonly cpuMs: number;
  /** When its scenarios started (ms since the epoch, its clock; 0 before): the group's start skew is their spread. */
  readonly startedAtMs: number;
}

/**
 * What a runner of a kperf profile (every runner runs the whole profile, as in kperf) says of it in its `done`,
 * besides its metrics: per spec, the requests it issued and how long they took, and the API server it sent them to
 * (kperf's result keys its URLs by it). Percentiles, errors and bytes come from the merged metrics.
 */
export interface RunnerKperfTotals {
  readonly origin: string;
  readonly specs: ReadonlyArray<{ readonly total: number; readonly durationMs: number }>;
}

/** Runner → coordinator. */
export type RunnerMessage =
  /** Every VU is initialised; the runner waits for `start`. */
  | { readonly v: 1; readonly type: "ready"; readonly runner: number; readonly segment: string; readonly pid: number; readonly host: string; readonly vus: number }
  /**
   * The samples since its previous snapshot (engine.drain()): merging a runner's snapshots in `seq` order rebuilds its
   * whole state. Sent about once a second while the scenarios run.
   */
  | ({ readonly v: 1; readonly type: "snapshot"; readonly runner: number; readonly seq: number; readonly elapsedMs: number; readonly metrics: EngineSnapshot } & RunnerCounts)
  /**
   * The runner's last snapshot: its scenarios have ended (or were stopped). `aborted` says why when the runner itself
   * stopped the test (test.abort() in a VU): the coordinator then stops the whole group.
   */
  | ({
      readonly v: 1;
      readonly type: "done";
      readonly runner: number;
      readonly seq: number;
      readonly elapsedMs: number;
      readonly metrics: EngineSnapshot;
      readonly aborted?: { readonly reason: string; readonly exitCode: number };
      /** Distinct iteration errors with their counts. */
      readonly errors: readonly IterationError[];
      /** A kperf profile's runner: its totals (absent for a scenario's runner). */
      readonly kperf?: RunnerKperfTotals;
      /** Stdlib modules' runnerState() by module specifier, for the coordinator's modules to merge. */
      readonly modules?: Readonly<Record<string, unknown>>;
    } & RunnerCounts)
  /** The runner cannot go on (its script does not load, its init code threw, …); it exits after this. */
  | { readonly v: 1; readonly type: "failed"; readonly runner: number; readonly reason: string; readonly exitCode: number };

/** Coordinator → runner. */
export type CoordinatorCommand =
  /**
   * Start the scenarios with setup()'s data (its JSON text; absent when the script has no setup). Sent to every runner
   * once all are ready (the barrier). `atMs`, when set, is the wall-clock time (ms since the epoch) to start at, so
   * that runners reached one after the other still start together.
   */
  | { readonly v: 1; readonly type: "start"; readonly setupJson?: string; readonly atMs?: number }
  /** Stop now (abortOnFail, a lost runner, Ctrl-C): iterations in flight are interrupted; the runner then sends `done`. */
  | { readonly v: 1; readonly type: "abort"; readonly reason: string };

/** One message as a line (newline included). */
export function encodeMessage(message: RunnerMessage | CoordinatorCommand): string {
  return MESSAGE_MARK + JSON.stringify(message) + "\n";
}

/**
 * The message on `line`, or undefined for a line that is not one (a log line).
 * @throws {Error} for a marked line that does not parse or is of another protocol version.
 */
export function decodeLine<T extends RunnerMessage | CoordinatorCommand>(line: string): T | undefined {
  const at = line.indexOf(MESSAGE_MARK);
  if (at < 0) return undefined;
  let value: { v?: unknown; type?: unknown };
  try {
    value = JSON.parse(line.slice(at + MESSAGE_MARK.length));
  } catch (e) {
    throw new Error(`a runner-group message does not parse: ${(e as Error).message}`);
  }
  if (value?.v !== PROTOCOL_VERSION) throw new Error(`a runner-group message of protocol version ${JSON.stringify(value?.v)}; this loadgen speaks version ${PROTOCOL_VERSION}`);
  if (typeof value.type !== "string") throw new Error("a runner-group message without a type");
  return value as T;
}

/** Splits a byte stream into lines, calling `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = "";
  return {
    push(chunk) {
      rest += chunk;
      let nl = rest.indexOf("\n");
      while (nl >= 0) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
        nl = rest.indexOf("\n");
      }
    },
    end() {
      if (rest !== "") onLine(rest);
      rest = "";
    },
  };
}
