/**
 * One runner of a group, under a coordinator's orders (protocol.ts): it initialises its share of the test, says
 * `ready`, waits for `start` (with setup()'s data: setup runs once, in the coordinator), streams a snapshot of its new
 * samples about once a second, obeys `abort`, and ends with `done`. Thresholds, teardown, handleSummary and the summary
 * are the coordinator's. serveRunner() is that protocol for any share of a test; runRunner() is a scenario's execution
 * segment, run by the same LocalExecution a one-process run uses (a kperf profile's is runtime/kperf/kperf-runner.ts).
 */
import { hostname } from "node:os";
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import { ErrorLog } from "../execution/error-log.ts";
import { LocalExecution } from "../execution/local-execution.ts";
import type { PreparedRun } from "../execution/prepare-run.ts";
import type { EngineSnapshot, MetricsEngine } from "../metrics/engine.ts";
import type { Metric } from "../metrics/metric.ts";
import type { CoordinatorCommand, RunnerCounts, RunnerMessage } from "./protocol.ts";

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

/** The share of a test one runner runs, as serveRunner() drives it. */
export interface RunnerShare {
  /** What it runs of the test: an execution segment (`1/4:1/2`), or `whole`. */
  readonly segment: string;
  readonly engine: MetricsEngine;
  /** Metrics whose series the coordinator records itself (the VU gauges): never sent. */
  readonly notSent: ReadonlySet<Metric>;
  /** Aborted to stop the share early (the coordinator's abort, or its end). */
  readonly controller: AbortController;
  /** Initialises it (VUs, cluster access); returns how many VUs it holds. */
  prepare(): Promise<number>;
  /** Runs it with setup()'s data until it ends or the controller aborts it. */
  run(setupJson: string | undefined): Promise<void>;
  /** Its live counts for each snapshot (besides CPU and start time, which serveRunner measures). */
  counts(): Pick<RunnerCounts, "vus" | "vusMax" | "scenarios">;
  elapsedMs(): number;
  /** A stop the share asked for itself (test.abort() in a VU), to end the group with; checked at start too. */
  readonly selfAbort: () => { reason: string; exitCode: ExitCodeValue } | undefined;
  /** What `done` says besides the metrics and counts. */
  done(): Pick<Extract<RunnerMessage, { type: "done" }>, "errors" | "kperf" | "modules">;
  close(): Promise<void>;
}

/**
 * Speaks the runner-group protocol for one share of a test.
 * @returns the runner's exit code: 0, or the code of a stop the share asked for itself.
 * @throws {LoadgenError} when the share cannot be initialised (the caller reports it as `failed`).
 */
export async function serveRunner(share: RunnerShare, endpoint: RunnerEndpoint, o: RunnerOptions): Promise<ExitCodeValue> {
  const stop = (reason: string) => {
    if (!share.controller.signal.aborted) share.controller.abort(new Error(reason));
  };
  let seq = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let startedAtMs = 0;
  const cpuMs = () => {
    if (cpu0 === undefined) return 0;
    const c = process.cpuUsage(cpu0);
    return Math.round((c.user + c.system) / 1000);
  };
  const counts = (): RunnerCounts => ({ ...share.counts(), cpuMs: cpuMs(), startedAtMs });
  const metrics = (): EngineSnapshot => share.engine.drain(share.notSent);

  const vus = await share.prepare();
  endpoint.send({ v: 1, type: "ready", runner: o.index, segment: share.segment, pid: process.pid, host: hostname(), vus });

  const first = await endpoint.nextCommand();
  let gone: { reason: string; exitCode: ExitCodeValue } | undefined;
  const aborted = () => share.selfAbort() ?? gone;
  if (first?.type === "start") {
    // Commands after `start` can only stop the run: the coordinator's abort, or its end closing (it died).
    void (async () => {
      for (;;) {
        const c = await endpoint.nextCommand();
        if (c === undefined) {
          if (!share.controller.signal.aborted) gone = { reason: "the coordinator is gone", exitCode: ExitCode.externalAbort };
          return stop("the coordinator is gone");
        }
        if (c.type === "abort") stop(`stopped by the coordinator: ${c.reason}`);
      }
    })();
    if (first.atMs !== undefined && first.atMs > Date.now()) await new Promise((r) => setTimeout(r, first.atMs! - Date.now()));
    const early = share.selfAbort();
    if (early !== undefined) stop(early.reason);
    cpu0 = process.cpuUsage();
    startedAtMs = Date.now();
    const ticker = setInterval(() => {
      endpoint.send({ v: 1, type: "snapshot", runner: o.index, seq: seq++, elapsedMs: share.elapsedMs(), metrics: metrics(), ...counts() });
    }, o.snapshotEveryMs ?? 1000);
    try {
      await share.run(first.setupJson);
    } finally {
      clearInterval(ticker);
    }
  }
  const end = aborted();
  endpoint.send({ v: 1, type: "done", runner: o.index, seq: seq++, elapsedMs: share.elapsedMs(), metrics: metrics(), ...counts(), ...(end ? { aborted: end } : {}), ...share.done() });
  await share.close();
  return end?.exitCode ?? ExitCode.ok;
}

/**
 * Runs a prepared run (prepared with this runner's execution segment) as a member of a group.
 * @returns the runner's exit code: 0, or the test.abort() code when a VU of this runner stopped the test.
 * @throws {LoadgenError} when its VUs cannot be initialised (the caller reports it as `failed`).
 */
export function runRunner(run: PreparedRun, endpoint: RunnerEndpoint, o: RunnerOptions): Promise<ExitCodeValue> {
  const errors = new ErrorLog(o.log);
  // The group's VU gauges are the sums of the runners' counts, which the coordinator records; a runner's own would
  // merge as one runner's last value.
  const local = new LocalExecution(run, errors, { recordVuGauges: false });
  run.wiring.execution = local.view;
  let aborted: { reason: string; exitCode: ExitCodeValue } | undefined;
  run.wiring.onAbortRequested = (reason) => {
    if (run.controller.signal.aborted) return;
    aborted = { reason, exitCode: ExitCode.scriptAborted };
    run.controller.abort(new Error(reason));
  };
  return serveRunner(
    {
      segment: run.options.segment.segment.toString(),
      engine: run.engine,
      notSent: new Set([run.builtins.vus, run.builtins.vusMax]),
      controller: run.controller,
      async prepare() {
        await local.prepare();
        return local.view.vusInitialized();
      },
      run: (setupJson) => local.run(setupJson),
      counts: () => ({ ...local.vuCounts(), scenarios: local.progress() }),
      elapsedMs: () => local.view.elapsedMs(),
      selfAbort: () => {
        // test.abort() in the init code, before start: the runner stops at once and says so.
        if (aborted === undefined && run.wiring.abortRequested !== undefined) aborted = { reason: run.wiring.abortRequested, exitCode: ExitCode.scriptAborted };
        return aborted;
      },
      done: () => {
        const modules: Record<string, unknown> = {};
        run.moduleInstances.forEach((m, i) => {
          const state = m.runnerState?.();
          if (state !== undefined) modules[run.moduleSpecifiers[i]!] = state;
        });
        return { errors: errors.entries(), ...(Object.keys(modules).length ? { modules } : {}) };
      },
      close: async () => {
        await Promise.all(run.moduleInstances.map((m) => m.close?.()));
      },
    },
    endpoint,
    o,
  );
}
