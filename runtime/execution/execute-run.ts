import { performance } from "node:perf_hooks";
import type { ScenarioConfig } from "../config/scenario-config.ts";
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import { executorFor } from "../executor/mod.ts";
import type { ThresholdResults } from "../metrics/thresholds.ts";
import { finishOutputs, startOutputs } from "../output/end-of-test.ts";
import { buildSummary, type Summary } from "../output/summary/build-summary.ts";
import type { Output } from "../output/types.ts";
import { formatGuestError } from "../vu/guest-error.ts";
import type { CallOutcome, VirtualUser } from "../vu/vu.ts";
import { ErrorLog } from "./error-log.ts";
import type { PreparedRun } from "./prepare-run.ts";
import { ScenarioRun } from "./scenario-run.ts";
import { VuPool } from "./vu-pool.ts";

/** How often thresholds are judged, gauges sampled, outputs flushed and progress reported during the run. */
const TICK_MS = 500;

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
}

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
  const { engine, builtins, options } = run;
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
  const pool = new VuPool(async (id) => {
    const vu = await run.createVu(id);
    vu.setData(setupJson);
    return vu;
  });
  const scenarioRuns: ScenarioRun[] = [];
  const states = new Map<ScenarioRun, ScenarioProgress["state"]>();
  let runStartedAt = performance.now();
  let scenariosStartedAt: number | undefined;
  const elapsed = () => performance.now() - runStartedAt;
  run.wiring.execution = {
    scenario: (name) => {
      const sr = scenarioRuns.find((s) => s.config.name === name);
      return sr && { executor: sr.config.executor, startTimeMs: sr.config.startTimeMs, progress: () => sr.progress() };
    },
    vusActive: () => pool.active,
    vusInitialized: () => pool.initialized,
    iterationsCompleted: () => scenarioRuns.reduce((n, s) => n + s.completed, 0),
    elapsedMs: elapsed,
    startedAtMs: () => scenariosStartedAt,
  };

  let thresholds = run.thresholds.evaluate(engine, 0);
  const tick = () => {
    engine.add(builtins.vus, run.tags.empty, pool.active);
    engine.add(builtins.vusMax, run.tags.empty, pool.peak);
    if (run.wiring.abortRequested !== undefined) abort(run.wiring.abortRequested, ExitCode.scriptAborted);
    if (!o.noThresholds && run.thresholds.definitions.length) {
      thresholds = run.thresholds.evaluate(engine, elapsed());
      if (thresholds.abort) abort(thresholds.abortReason ?? "a threshold with abortOnFail failed", ExitCode.thresholdsFailed);
    }
    engine.flush();
    o.onProgress?.(progressOf(scenarioRuns, states), elapsed());
  };

  try {
    // Initialise every VU the plan needs before setup, as k6 does: no VU is compiled mid-measurement.
    await pool.ensure(plannedVus(options.scenarios));
    if (run.exported.has("setup")) {
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
    // VUs initialised before setup get its data now; later ones get it from the pool's factory.
    if (setupJson !== undefined) {
      const idle: VirtualUser[] = [];
      for (let vu = pool.tryTake(); vu; vu = pool.tryTake()) idle.push(vu);
      for (const vu of idle) {
        vu.setData(setupJson);
        pool.give(vu);
      }
    }

    runStartedAt = performance.now();
    scenariosStartedAt = Date.now();
    const ticker = setInterval(tick, TICK_MS);
    try {
      await Promise.all(
        options.scenarios.map(async (config) => {
          const scenarioTags = run.tags.empty.withAll(options.tags).withAll(config.tags).with("scenario", config.name);
          const sr = new ScenarioRun(config, {
            pool,
            engine,
            builtins,
            tags: scenarioTags,
            errors,
            runSignal: run.controller.signal,
          });
          scenarioRuns.push(sr);
          states.set(sr, "waiting");
          if (config.startTimeMs > 0) await sr.wait(config.startTimeMs);
          if (run.controller.signal.aborted) return void states.set(sr, "done");
          states.set(sr, "running");
          sr.start();
          await executorFor(config).run(config, sr);
          states.set(sr, "done");
        }),
      );
    } finally {
      clearInterval(ticker);
    }
    tick();
  } catch (e) {
    engine.flush();
    throw e;
  }

  return finish(undefined, undefined);

  async function finish(failure: ExitCodeValue | undefined, failureReason: string | undefined): Promise<RunResult> {
    if (failure !== undefined && exitCode === ExitCode.ok) {
      exitCode = failure;
      abortReason = failureReason;
    }
    const runMs = elapsed();
    if (run.exported.has("teardown") && failure === undefined) {
      const outcome = await callWithTimeout(run.initVu, "teardown", setupJson, options.teardownTimeoutMs, "teardown");
      if (!outcome.ok) {
        o.log(`ERROR teardown() failed: ${formatGuestError(outcome.error)}`);
        if (exitCode === ExitCode.ok) exitCode = outcome.error.kind === "interrupted" ? ExitCode.teardownTimeout : ExitCode.scriptError;
      }
    }
    engine.add(builtins.vus, run.tags.empty, 0);
    engine.flush();
    thresholds = run.thresholds.evaluate(engine, runMs, { final: true });
    if (thresholds.failed && !o.noThresholds && exitCode === ExitCode.ok) exitCode = ExitCode.thresholdsFailed;
    const summary = buildSummary({
      extensions: await moduleReports(run, o.log),
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

/** The most VUs the scenarios can hold at once, given their start times and longest durations. */
export function plannedVus(scenarios: readonly ScenarioConfig[]): number {
  const events: Array<[number, number]> = [];
  for (const s of scenarios) {
    const ex = executorFor(s);
    events.push([s.startTimeMs, ex.plannedVus(s)], [s.startTimeMs + ex.maxDurationMs(s), -ex.plannedVus(s)]);
  }
  // Ends sort before starts at the same instant: a scenario starting as another ends can reuse its VUs.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of events) {
    now += delta;
    max = Math.max(max, now);
  }
  return max;
}

function progressOf(runs: readonly ScenarioRun[], states: ReadonlyMap<ScenarioRun, ScenarioProgress["state"]>): ScenarioProgress[] {
  return runs.map((r) => ({
    name: r.config.name,
    executor: r.config.executor,
    state: states.get(r) ?? "waiting",
    vus: r.vus,
    completed: r.completed,
    interrupted: r.interrupted,
    dropped: r.dropped,
    progress: Math.max(0, Math.min(1, r.progress())),
  }));
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
