/**
 * Where a run's scenarios execute: in this process (LocalExecution: a VU pool and the executors) or spread over a
 * group of runner processes or pods, each running one execution segment (runtime/group/GroupExecution). executeRun
 * drives either the same way, so a run's lifecycle (setup once, thresholds judged every tick, abortOnFail, teardown,
 * the summary, handleSummary, outputs) exists once whatever executes the scenarios.
 */
import type { ExitCodeValue } from "../exit-codes.ts";
import type { SummaryTableData } from "../output/summary/build-summary.ts";
import type { ExecutionView } from "../../stdlib/host-module.ts";

/** A scenario's live state, for progress displays. */
export interface ScenarioProgress {
  readonly name: string;
  readonly executor: string;
  readonly state: "waiting" | "running" | "done";
  readonly vus: number;
  readonly completed: number;
  readonly interrupted: number;
  readonly dropped: number;
  /** 0..1 */
  readonly progress: number;
}

/** Why the scenarios ended early in a way that decides the exit code (a lost runner), when they did. */
export interface ExecutionFailure {
  readonly reason: string;
  readonly exitCode: ExitCodeValue;
}

/** What the execution adds to the end-of-test summary (the per-runner table of a group), by extension key. */
export interface ExecutionReport {
  readonly key: string;
  readonly data: unknown;
  readonly tables: readonly SummaryTableData[];
}

export interface ScenarioExecution {
  /** What loadgen/execution reads, in scenarios and in setup/teardown. */
  readonly view: ExecutionView;
  /** Before setup(): initialise every VU the plan needs, or start the runners and wait until every one is ready. */
  prepare(): Promise<ExecutionFailure | undefined>;
  /**
   * Runs the scenarios with setup()'s data (JSON text; undefined without setup) until all have ended, or until the
   * run's signal aborts them. `view.elapsedMs()` counts from the call.
   */
  run(setupJson: string | undefined): Promise<ExecutionFailure | undefined>;
  /** Every tick, before thresholds are judged: record the VU gauges (and fold in what runners sent). */
  tick(): void;
  progress(): ScenarioProgress[];
  /** After the scenarios: the execution's part of the summary, if any. */
  report(): ExecutionReport | undefined;
  /** A group's: its runners' module states (HostModuleInstance.runnerState), for the run's modules to merge. */
  moduleStates?(): ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Releases what it holds (runner processes) however the run ended. */
  close(): Promise<void>;
}
