/**
 * One runner of a group: its execution segment of the test, run by the same LocalExecution a one-process run uses,
 * under a coordinator's orders (protocol.ts). It initialises its VUs, says `ready`, waits for `start` (with setup()'s
 * data: setup runs once, in the coordinator), streams a snapshot of its new samples about once a second, obeys
 * `abort`, and ends with `done`. Thresholds, teardown, handleSummary and the summary are the coordinator's.
 */
import { hostname } from "node:os";
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import { ErrorLog } from "../execution/error-log.ts";
import { LocalExecution } from "../execution/local-execution.ts";
import type { PreparedRun } from "../execution/prepare-run.ts";
import type { CoordinatorCommand, RunnerMessage } from "./protocol.ts";

/** A runner's end of its transport (stdio for a local worker; a pod's log and a ConfigMap for a runner pod). */
export interface RunnerEndpoint {
  send(message: RunnerMessage): void;
  /** The next command; undefined once the coordinator is gone (its end closed). */
  nextCommand(): Promise<CoordinatorCommand | undefined>;
}

export interface RunnerOptions {
  /** This runner's index in the group (0-based). */
  readonly index: number;
  readonly log: (line: string) => void;
  /** How often to send a snapshot while the scenarios run. */
  readonly snapshotEveryMs?: number;
}

/**
 * Runs a prepared run (prepared with this runner's execution segment) as a member of a group.
 * @returns the runner's exit code: 0, or the test.abort() code when a VU of this runner stopped the test.
 * @throws {LoadgenError} when its VUs cannot be initialised (the caller reports it as `failed`).
 */
export async function runRunner(run: PreparedRun, endpoint: RunnerEndpoint, o: RunnerOptions): Promise<ExitCodeValue> {
  const errors = new ErrorLog(o.log);
  // The group's VU gauges are the sums of the runners' counts, which the coordinator records; a runner's own would
  // merge as one runner's last value.
  const local = new LocalExecution(run, errors, { recordVuGauges: false });
  run.wiring.execution = local.view;
  let aborted: { reason: string; exitCode: ExitCodeValue } | undefined;
  const stop = (reason: string, exitCode: ExitCodeValue | undefined) => {
    if (run.controller.signal.aborted) return;
    if (exitCode !== undefined) aborted = { reason, exitCode };
    run.controller.abort(new Error(reason));
  };
  run.wiring.onAbortRequested = (reason) => stop(reason, ExitCode.scriptAborted);
  const notSent = new Set([run.builtins.vus, run.builtins.vusMax]);
  let seq = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let startedAtMs = 0;
  const cpuMs = () => {
    if (cpu0 === undefined) return 0;
    const c = process.cpuUsage(cpu0);
    return Math.round((c.user + c.system) / 1000);
  };
  const counts = () => ({ ...local.vuCounts(), scenarios: local.progress(), cpuMs: cpuMs(), startedAtMs });

  await local.prepare();
  endpoint.send({ v: 1, type: "ready", runner: o.index, segment: run.options.segment.segment.toString(), pid: process.pid, host: hostname(), vus: local.view.vusInitialized() });

  const first = await endpoint.nextCommand();
  if (first?.type === "start") {
    // Commands after `start` can only stop the run: the coordinator's abort, or its end closing (it died).
    void (async () => {
      for (;;) {
        const c = await endpoint.nextCommand();
        if (c === undefined) return stop("the coordinator is gone", ExitCode.externalAbort);
        if (c.type === "abort") stop(`stopped by the coordinator: ${c.reason}`, undefined);
      }
    })();
    if (first.atMs !== undefined && first.atMs > Date.now()) await new Promise((r) => setTimeout(r, first.atMs! - Date.now()));
    if (run.wiring.abortRequested !== undefined) stop(run.wiring.abortRequested, ExitCode.scriptAborted);
    cpu0 = process.cpuUsage();
    startedAtMs = Date.now();
    const ticker = setInterval(() => {
      endpoint.send({ v: 1, type: "snapshot", runner: o.index, seq: seq++, elapsedMs: local.view.elapsedMs(), metrics: run.engine.drain(notSent), ...counts() });
    }, o.snapshotEveryMs ?? 1000);
    try {
      await local.run(first.setupJson);
    } finally {
      clearInterval(ticker);
    }
  }
  endpoint.send({
    v: 1,
    type: "done",
    runner: o.index,
    seq: seq++,
    elapsedMs: local.view.elapsedMs(),
    metrics: run.engine.drain(notSent),
    ...counts(),
    ...(aborted ? { aborted } : {}),
    errors: errors.entries(),
  });
  await Promise.all(run.moduleInstances.map((m) => m.close?.()));
  return aborted?.exitCode ?? ExitCode.ok;
}
