import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import type { ThresholdResults } from "../metrics/thresholds.ts";
import { judgeTick, TICK_MS } from "./judge-tick.ts";
import { finishOutputs, startOutputs } from "../output/end-of-test.ts";
import { buildSummary, type Summary } from "../output/summary/build-summary.ts";
import type { Output } from "../output/types.ts";
import { formatGuestError } from "../vu/guest-error.ts";
import type { CallOutcome, VirtualUser } from "../vu/vu.ts";
import { ErrorLog } from "./error-log.ts";
import { LocalExecution } from "./local-execution.ts";
import type { PreparedRun } from "./prepare-run.ts";
import type { ScenarioExecution, ScenarioProgress } from "./scenario-execution.ts";

export { plannedVus } from "./local-execution.ts";
export type { ScenarioProgress } from "./scenario-execution.ts";


/** What an executing run needs besides the prepared script. */
export interface ExecuteOptions {
  readonly noThresholds: boolean;
  readonly outputs: readonly Output[];
  readonly log: (line: string) => void;
  /** Aborted from outside (SIGINT): the run stops at once but still tears down and summarises. */
  readonly signal?: AbortSignal;
  /** Called every tick with the scenarios' live state (the TTY progress line reads it). */
  readonly onProgress?: (progress: readonly ScenarioProgress[], elapsedMs: number) => void;
  /** What the outputs' run metadata says was run; by default a script and its entry path. */
  readonly input?: { readonly format: string; readonly source: string };
  /**
   * Where the scenarios execute: by default in this process (LocalExecution); `loadgen run --workers` passes a group
   * of runner processes (runtime/group). `errors` is the run's iteration error log.
   */
  readonly execution?: (run: PreparedRun, errors: ErrorLog) => ScenarioExecution;
  /**
   * A coordinator reattached to a runner group that is already under way (`loadgen rg result --wait`): setup() ran
   * in the first coordinator, so its data is given and setup is not called again; teardown runs only if the first
   * coordinator did not get to it (`teardown: true`).
   */
  readonly reattached?: { readonly setupJson: string | undefined; readonly teardown: boolean };
}

/** How a run ended. */
export interface RunResult {
  readonly exitCode: ExitCodeValue;
  readonly summary: Summary;
  readonly thresholds: ThresholdResults;
  /** Files (or `stdout`/`stderr`) handleSummary asked for; undefined when the script has no handleSummary. */
  readonly handleSummary: Readonly<Record<string, string>> | undefined;
  /** Why the run stopped early, when it did. */
  readonly abortReason: string | undefined;
  /** Distinct iteration errors with their counts. */
  readonly errors: ReturnType<ErrorLog["entries"]>;
  /** Result documents in a format's own shape, by name (kperf's result under `kperf`); none for a script. */
  readonly reports: Readonly<Record<string, unknown>>;
}

/**
 * Executes a prepared run: VUs initialised up front, setup(), the scenarios on their start times with thresholds
 * judged every tick (abortOnFail stops the run), teardown(), the final judgement and the summary. A failing or
 * interrupted run still produces its summary.
 */
export async function executeRun(run: PreparedRun, o: ExecuteOptions): Promise<RunResult> {
  const { engine, options } = run;
  const errors = new ErrorLog(o.log);
  let abortReason: string | undefined;
  let exitCode: ExitCodeValue = ExitCode.ok;
  const abort = (reason: string, code: ExitCodeValue) => {
    if (run.controller.signal.aborted) return;
    abortReason = reason;
    exitCode = code;
    run.controller.abort(new Error(reason));
  };
  o.signal?.addEventListener("abort", () => abort("interrupted by signal", ExitCode.externalAbort), { once: true });
  // test.abort() stops the run now, as in k6; the tick only catches requests made before the run executed.
  run.wiring.onAbortRequested = (reason) => abort(reason, ExitCode.scriptAborted);
  const startTime = new Date().toISOString();
  await startOutputs(engine, o.outputs);

  const unknown = run.thresholds.unknownMetrics(run.metrics);
  for (const name of unknown) o.log(`WARN  thresholds: no one emits a metric named "${name}"; its thresholds will see no data`);

  let setupJson: string | undefined;
  const execution: ScenarioExecution = o.execution?.(run, errors) ?? new LocalExecution(run, errors);
  run.wiring.execution = execution.view;
  const elapsed = () => execution.view.elapsedMs();

  let thresholds = run.thresholds.evaluate(engine, 0);
  const tick = () => {
    execution.tick();
    if (run.wiring.abortRequested !== undefined) abort(run.wiring.abortRequested, ExitCode.scriptAborted);
    thresholds = judgeTick(engine, run.thresholds, !o.noThresholds && run.thresholds.definitions.length > 0, elapsed(), abort) ?? thresholds;
    o.onProgress?.(execution.progress(), elapsed());
  };

  try {
    const notReady = await execution.prepare();
    if (notReady !== undefined) {
      return await finish(notReady.exitCode, notReady.reason);
    }
    if (o.reattached !== undefined) setupJson = o.reattached.setupJson;
    else if (run.exported.has("setup")) {
      const outcome = await callWithTimeout(run.initVu, "setup", undefined, options.setupTimeoutMs, "setup");
      if (!outcome.ok) {
        o.log(`ERROR setup() failed: ${formatGuestError(outcome.error)}`);
        const code = run.wiring.abortRequested !== undefined
          ? ExitCode.scriptAborted
          : outcome.error.kind === "interrupted" ? ExitCode.setupTimeout : ExitCode.scriptError;
        return await finish(code, run.wiring.abortRequested ?? "setup() failed");
      }
      setupJson = outcome.json;
      run.initVu.setData(undefined);
    }

    const ticker = setInterval(tick, TICK_MS);
    let failure;
    try {
      failure = await execution.run(setupJson);
    } finally {
      clearInterval(ticker);
    }
    tick();
    // The reason is the run's abort reason: the summary and the CLI say it.
    if (failure !== undefined) abort(failure.reason, failure.exitCode);
  } catch (e) {
    engine.flush();
    await execution.close();
    throw e;
  }

  return finish(undefined, undefined);

  async function finish(failure: ExitCodeValue | undefined, failureReason: string | undefined): Promise<RunResult> {
    if (failure !== undefined && exitCode === ExitCode.ok) {
      exitCode = failure;
      abortReason = failureReason;
    }
    const runMs = elapsed();
    await execution.close();
    if (run.exported.has("teardown") && failure === undefined && (o.reattached?.teardown ?? true)) {
      const outcome = await callWithTimeout(run.initVu, "teardown", setupJson, options.teardownTimeoutMs, "teardown");
      if (!outcome.ok) {
        o.log(`ERROR teardown() failed: ${formatGuestError(outcome.error)}`);
        if (exitCode === ExitCode.ok) exitCode = outcome.error.kind === "interrupted" ? ExitCode.teardownTimeout : ExitCode.scriptError;
      }
    }
    engine.add(run.builtins.vus, run.tags.empty, 0);
    engine.flush();
    thresholds = run.thresholds.evaluate(engine, runMs, { final: true });
    if (thresholds.failed && !o.noThresholds && exitCode === ExitCode.ok) exitCode = ExitCode.thresholdsFailed;
    mergeRunnerStates(run, execution.moduleStates?.() ?? [], o.log);
    const extensions = await moduleReports(run, o.log);
    const executionReport = execution.report();
    if (executionReport !== undefined) extensions[executionReport.key] = { data: executionReport.data, tables: executionReport.tables };
    const summary = buildSummary({
      extensions,
      engine,
      metrics: run.metrics,
      thresholds: o.noThresholds ? undefined : thresholds,
      elapsedMs: runMs,
      options: options.raw,
      aborted: abortReason === undefined ? undefined : { reason: abortReason },
    });
    let handleSummary: Record<string, string> | undefined;
    if (run.exported.has("handleSummary")) {
      const outcome = await callWithTimeout(run.initVu, "handleSummary", JSON.stringify(summary), options.teardownTimeoutMs, "handleSummary");
      if (!outcome.ok) o.log(`ERROR handleSummary() failed; printing the default summary instead: ${formatGuestError(outcome.error)}`);
      else handleSummary = summaryFiles(outcome.json, o.log);
    }
    const input = o.input ?? { format: "script", source: run.bundle.entryPath };
    const metadata = { runId: run.runId, ...input, startTime, endTime: new Date().toISOString(), exitCode };
    const report = { summary, metadata, handleSummary, errors: errors.entries(), reports: {} };
    if (!(await finishOutputs(o.outputs, report, o.log)) && exitCode === ExitCode.ok) exitCode = ExitCode.engineError;
    await Promise.all(run.moduleInstances.map((m) => m.close?.()));
    return { exitCode, summary, thresholds, handleSummary, abortReason, errors: report.errors, reports: report.reports };
  }
}

/** Calls setup/teardown/handleSummary on the init VU; past the timeout the call is interrupted. */
async function callWithTimeout(vu: VirtualUser, fn: string, argJson: string | undefined, timeoutMs: number, phase: "setup" | "teardown" | "handleSummary"): Promise<CallOutcome> {
  const timer = setTimeout(() => vu.interrupt(`${fn}() did not finish within ${timeoutMs} ms`), timeoutMs);
  try {
    return await vu.callForResult(fn, argJson, phase === "handleSummary" ? "summary" : phase);
  } finally {
    clearTimeout(timer);
  }
}

/** Each stdlib module's own section of the summary, by specifier; a module whose report fails is logged and left out. */
/** A group's coordinator: every runner's module states folded into the run's own module instances. */
function mergeRunnerStates(run: PreparedRun, states: ReadonlyArray<Readonly<Record<string, unknown>>>, log: (line: string) => void): void {
  run.moduleInstances.forEach((m, i) => {
    if (!m.mergeRunnerState) return;
    const specifier = run.moduleSpecifiers[i]!;
    for (const s of states) {
      if (s[specifier] === undefined) continue;
      try {
        m.mergeRunnerState(s[specifier]);
      } catch (e) {
        log(`WARN  ${specifier}: a runner's report could not be merged: ${(e as Error).message}`);
      }
    }
  });
}

async function moduleReports(run: PreparedRun, log: (line: string) => void): Promise<NonNullable<Summary["extensions"]>> {
  const out: NonNullable<Summary["extensions"]> = {};
  await Promise.all(
    run.moduleInstances.map(async (m, i) => {
      if (!m.summary) return;
      try {
        const ext = await m.summary();
        if (ext) out[run.moduleSpecifiers[i]!] = { data: ext.data, tables: ext.tables };
      } catch (e) {
        log(`WARN  ${run.moduleSpecifiers[i]}: its summary report failed: ${(e as Error).message}`);
      }
    }),
  );
  return out;
}

/** Reads handleSummary's result: an object mapping file names (or stdout/stderr) to text. */
function summaryFiles(json: string | undefined, log: (line: string) => void): Record<string, string> | undefined {
  if (json === undefined) return {};
  const value: unknown = JSON.parse(json);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    log("ERROR handleSummary() must return an object mapping file names (or \"stdout\"/\"stderr\") to text");
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}
