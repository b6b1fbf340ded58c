/**
 * A run of any input format, as the run command drives it: prepared (the file read and checked, the cluster found,
 * the engine and thresholds made; nothing measured yet), then executed once. Scripts, kperf profiles and KubeVirt
 * workloads all end the same way: the same engine, threshold judgement, summary and outputs (runtime/output).
 */
import type { ExecuteOptions, RunResult } from "./execute-run.ts";

/** How the run command executes a run: everything but what the run says about itself. */
export type RunExecuteOptions = Omit<ExecuteOptions, "input">;

export interface Run {
  readonly runId: string;
  /** What the run line shows after the id: the file, and the scenarios or specs it runs. */
  readonly title: string;
  execute(o: RunExecuteOptions): Promise<RunResult>;
}
