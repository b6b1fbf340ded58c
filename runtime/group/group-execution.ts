/**
 * The coordinator's side of a runner group: the scenarios executed by N runners, one execution segment each, driven
 * through the runner-group protocol over any transport (RunnerLink). It plugs into executeRun as the run's
 * ScenarioExecution, so setup, thresholds, abortOnFail, teardown, handleSummary and the outputs are a one-process
 * run's, judged on the merged data:
 * - prepare(): starts the runners; resolves once every one is ready (the barrier), or fails naming the runner that
 *   could not get there;
 * - run(): sends `start` with setup()'s data to all at once; merges every snapshot into the run's engine as it comes
 *   (thresholds are judged on it every tick); sends `abort` to every runner when the run stops early (abortOnFail,
 *   Ctrl-C) or when a runner is lost or stops the test itself; resolves when every runner is done or gone;
 * - a runner that is gone before its `done` fails the run fast, with a message naming it, its segment and why.
 */
import { performance } from "node:perf_hooks";
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import type { ErrorLog } from "../execution/error-log.ts";
import type { PreparedRun } from "../execution/prepare-run.ts";
import type { Metric } from "../metrics/metric.ts";
import type { TagRegistry } from "../metrics/tags.ts";
import type { ExecutionFailure, ExecutionReport, ScenarioExecution, ScenarioProgress } from "../execution/scenario-execution.ts";
import type { EngineSnapshot, MetricsEngine } from "../metrics/engine.ts";
import type { ExecutionView } from "../../stdlib/host-module.ts";
import type { RunnerKperfTotals, RunnerMessage } from "./protocol.ts";
import type { RunnerEvent, RunnerLink } from "./runner-link.ts";

/** How long a runner that sent `done` may take to exit (its modules close) before it is ended. */
const EXIT_GRACE_MS = 10_000;

/** Counters the per-runner table sums as "requests". */
const REQUEST_METRICS = new Set(["k8s_requests", "http_reqs"]);

/**
 * What the coordinator's side needs of its run: a scenario run's PreparedRun is one; a kperf profile run
 * (runtime/kperf/kperf-group-run.ts), which has no VUs and no scenarios, gives its engine and controller only.
 */
export interface GroupRunContext {
  readonly engine: MetricsEngine;
  readonly controller: AbortController;
  readonly tags: TagRegistry;
  /** The run's vus/vus_max gauges, fed with the runners' sums; none for a run without VUs. */
  readonly builtins?: { readonly vus: Metric; readonly vusMax: Metric };
  readonly options: { readonly scenarios: PreparedRun["options"]["scenarios"] };
}

export interface GroupOptions {
  /** Starts the runners (called once, by prepare()). */
  readonly launch: () => RunnerLink[];
  readonly log: (line: string) => void;
  /** What the summary calls the runners: `workers` for `--workers`. */
  readonly noun: string;
  /** After `abort`, how long a runner has to send its `done` before it is killed. */
  readonly stopTimeoutMs?: number;
  /**
   * How many runners may be lost (gone before their `done`) while the others go on (`rg run --tolerate-lost K`); the
   * result is then partial and says which share is missing. Default 0: the first lost runner stops the run.
   */
  readonly tolerateLost?: number;
  /** The per-runner table's headers for a runner's name and where it runs (default: the noun, and `where`). */
  readonly columns?: { readonly name: string; readonly where: string };
  /** How the runners share the test, for the table's title (default: one execution segment each). */
  readonly share?: string;
}

type RunnerStateName = "starting" | "ready" | "running" | "done" | "stopped" | "failed" | "lost";

/** What the coordinator knows of one runner. */
interface RunnerState {
  readonly link: RunnerLink;
  state: RunnerStateName;
  /** The next snapshot `seq` expected. */
  seq: number;
  vus: number;
  vusMax: number;
  scenarios: readonly ScenarioProgress[];
  iterations: number;
  requests: number;
  cpuMs: number;
  startedAtMs: number;
  exitCode: number | null;
  /** Why it failed or was lost. */
  reason?: string;
  /** True once its process (pod) is gone. */
  gone: boolean;
  /** How it ended (`exited with code 0`, `was killed by SIGKILL`), once gone. */
  ended?: string;
  /** What its `done` said of a kperf profile's run. */
  kperf?: RunnerKperfTotals;
  /** Its modules' states, from its `done`. */
  modules?: Readonly<Record<string, unknown>>;
}

export class GroupExecution implements ScenarioExecution {
  readonly #run: GroupRunContext;
  readonly #errors: ErrorLog;
  readonly #o: GroupOptions;
  #runners: RunnerState[] = [];
  #failure: ExecutionFailure | undefined;
  #startedAt = performance.now();
  #startedAtMs: number | undefined;
  #aborting = false;
  readonly #waiters = new Set<() => void>();
  readonly view: ExecutionView;

  constructor(run: GroupRunContext, errors: ErrorLog, o: GroupOptions) {
    this.#run = run;
    this.#errors = errors;
    this.#o = o;
    this.view = {
      scenario: (name) => {
        const config = run.options.scenarios.find((s) => s.name === name);
        if (config === undefined) return undefined;
        return { executor: config.executor, startTimeMs: config.startTimeMs, progress: () => this.progress().find((p) => p.name === name)?.progress ?? 0 };
      },
      vusActive: () => this.#sum((r) => r.vus),
      vusInitialized: () => this.#sum((r) => r.vusMax),
      iterationsCompleted: () => this.#sum((r) => r.iterations),
      elapsedMs: () => performance.now() - this.#startedAt,
      startedAtMs: () => this.#startedAtMs,
    };
    run.controller.signal.addEventListener("abort", () => this.#abortAll(String((run.controller.signal.reason as Error)?.message ?? "the run was aborted")), { once: true });
  }

  async prepare(): Promise<ExecutionFailure | undefined> {
    this.#runners = this.#o.launch().map((link) => ({
      link, state: "starting", seq: 0, vus: 0, vusMax: 0, scenarios: [], iterations: 0, requests: 0, cpuMs: 0, startedAtMs: 0, exitCode: null, gone: false,
    }));
    for (const r of this.#runners) void this.#pump(r);
    // The barrier: no runner starts until every one has initialised its VUs. (A coordinator reattached to a group
    // under way reads runners that are past it: running, or done already.)
    await this.#until(() => this.#failure !== undefined || this.#aborting || this.#runners.every((r) => r.state !== "starting"));
    if (this.#failure === undefined && !this.#aborting) return undefined;
    this.#abortAll(this.#failure?.reason ?? "the run was stopped before it started");
    await this.#untilAllEnded();
    return this.#failure ?? { reason: "the run was stopped before it started", exitCode: ExitCode.externalAbort };
  }

  async run(setupJson: string | undefined): Promise<ExecutionFailure | undefined> {
    this.#startedAt = performance.now();
    this.#startedAtMs = Date.now();
    for (const r of this.#runners) {
      if (r.state !== "ready") continue;
      r.state = "running";
      r.link.send({ v: 1, type: "start", ...(setupJson === undefined ? {} : { setupJson }) });
    }
    if (this.#run.controller.signal.aborted) this.#abortAll("the run was aborted");
    await this.#untilAllEnded();
    return this.#failure;
  }

  tick(): void {
    const { engine, builtins, tags } = this.#run;
    if (builtins === undefined) return;
    engine.add(builtins.vus, tags.empty, this.#sum((r) => r.vus));
    engine.add(builtins.vusMax, tags.empty, this.#sum((r) => r.vusMax));
  }

  progress(): ScenarioProgress[] {
    return this.#run.options.scenarios.map((config) => {
      const parts = this.#runners.flatMap((r) => r.scenarios.filter((s) => s.name === config.name));
      const states = parts.map((p) => p.state);
      const sum = (f: (p: ScenarioProgress) => number) => parts.reduce((n, p) => n + f(p), 0);
      return {
        name: config.name,
        executor: config.executor,
        state: states.length === this.#runners.length && states.every((s) => s === "done") ? "done" : states.some((s) => s !== "waiting") ? "running" : "waiting",
        vus: sum((p) => p.vus),
        completed: sum((p) => p.completed),
        interrupted: sum((p) => p.interrupted),
        dropped: sum((p) => p.dropped),
        progress: this.#runners.length === 0 ? 0 : sum((p) => p.progress) / this.#runners.length,
      };
    });
  }

  report(): ExecutionReport {
    const runners = this.#runners.map((r) => ({
      name: r.link.name, segment: r.link.segment, where: r.link.where(), state: r.state, startedAtMs: r.startedAtMs, exitCode: r.exitCode, ended: r.ended, iterations: r.iterations, requests: r.requests, cpuMs: r.cpuMs, ...(r.reason ? { reason: r.reason } : {}),
    }));
    const noun = this.#o.noun;
    const starts = this.#runners.map((r) => r.startedAtMs).filter((t) => t > 0);
    // How far apart the runners started their scenarios (by their clocks): what the ready barrier keeps small.
    const startSkewMs = starts.length === this.#runners.length && starts.length > 0 ? Math.max(...starts) - Math.min(...starts) : undefined;
    const lost = this.#runners.filter((r) => r.state === "lost").map((r) => r.link.segment);
    const missing = lost.length ? `; PARTIAL: the share of ${lost.length} lost ${lost.length === 1 ? noun.replace(/s$/, "") : noun} is missing (segments ${lost.join(", ")})` : "";
    return {
      key: noun,
      data: { count: runners.length, startSkewMs, runners, ...(lost.length ? { partial: true, missingSegments: lost } : {}) },
      tables: [{
        title: `${noun}: ${runners.length}, ${this.#o.share ?? "one execution segment each"}${startSkewMs === undefined ? "" : `, started within ${startSkewMs} ms of each other`}; the metrics above are their merged data${missing}`,
        columns: [this.#o.columns?.name ?? noun.replace(/s$/, ""), "segment", this.#o.columns?.where ?? "where", "state", "exit code", "iterations", "requests", "cpu"],
        rows: runners.map((r) => [r.name, r.segment, r.where, r.state, r.exitCode ?? r.ended?.replace(/^was killed by /, "") ?? "-", r.iterations, r.requests, `${(r.cpuMs / 1000).toFixed(1)}s`]),
      }],
    };
  }

  /** Each runner's modules' states (runnerState() by specifier), from its `done`, for the coordinator's modules. */
  moduleStates(): ReadonlyArray<Readonly<Record<string, unknown>>> {
    return this.#runners.flatMap((r) => (r.modules === undefined ? [] : [r.modules]));
  }

  /** What each runner's `done` said of its kperf profile run (runners without one are left out). */
  kperfTotals(): RunnerKperfTotals[] {
    return this.#runners.flatMap((r) => (r.kperf === undefined ? [] : [r.kperf]));
  }

  async close(): Promise<void> {
    for (const r of this.#runners) if (!r.gone) r.link.kill();
  }

  /** Reads one runner's events until it is gone. */
  async #pump(r: RunnerState): Promise<void> {
    for (;;) {
      const event = await r.link.next();
      this.#handle(r, event);
      this.#changed();
      if (event.kind === "gone") return;
    }
  }

  #handle(r: RunnerState, event: RunnerEvent): void {
    if (event.kind === "log") return this.#o.log(`[${r.link.name}] ${event.line}`);
    if (event.kind === "gone") {
      r.gone = true;
      r.exitCode = event.exitCode;
      r.ended = event.reason;
      if (r.state === "done" || r.state === "stopped" || r.state === "failed") return;
      const running = r.state === "running";
      r.state = "lost";
      r.reason = event.reason;
      const lost = this.#runners.filter((x) => x.state === "lost").length;
      if (lost <= (this.#o.tolerateLost ?? 0)) {
        this.#o.log(`WARN  ${this.#describe(r)} ${event.reason} ${running ? "before it finished" : "before it was ready"}; tolerated (${lost} of ${this.#o.tolerateLost} lost): the group goes on without its share of the load (segment ${r.link.segment}); the result is partial`);
        return;
      }
      const when = running ? "before it finished; the run is stopped (its share of the load is missing)" : "before it was ready";
      this.#fail(`${this.#describe(r)} ${event.reason} ${when}`, ExitCode.engineError);
      return;
    }
    const m = event.message;
    switch (m.type) {
      case "ready":
        if (r.state === "starting") r.state = "ready";
        return;
      case "snapshot":
      case "done":
        if (m.seq !== r.seq) {
          r.state = "lost";
          r.reason = `sent snapshot ${m.seq} after ${r.seq - 1}`;
          r.link.kill();
          return this.#fail(`${this.#describe(r)} ${r.reason}: its data is incomplete; the run is stopped`, ExitCode.engineError);
        }
        r.seq++;
        this.#merge(r, m);
        if (m.type === "done") {
          r.state = this.#aborting && m.aborted === undefined ? "stopped" : "done";
          this.#exitSoon(r);
          for (const e of m.errors) this.#errors.add(e);
          if (m.kperf !== undefined) r.kperf = m.kperf;
          if (m.modules !== undefined) r.modules = m.modules;
          if (m.aborted !== undefined) this.#fail(`${r.link.name}: ${m.aborted.reason}`, m.aborted.exitCode as ExitCodeValue);
        }
        return;
      case "failed":
        r.state = "failed";
        r.reason = m.reason;
        this.#exitSoon(r);
        return this.#fail(`${this.#describe(r)} failed: ${m.reason}`, m.exitCode as ExitCodeValue);
    }
  }

  #merge(r: RunnerState, m: Extract<RunnerMessage, { type: "snapshot" | "done" }>): void {
    this.#run.engine.merge(m.metrics);
    r.vus = m.vus;
    r.vusMax = m.vusMax;
    this.tick();
    r.scenarios = m.scenarios;
    r.cpuMs = m.cpuMs;
    r.startedAtMs = m.startedAtMs;
    r.iterations += counted(m.metrics, (name) => name === "iterations");
    r.requests += counted(m.metrics, (name) => REQUEST_METRICS.has(name));
  }

  /** A runner that said its last word exits; one that lingers (sockets a scenario left open) is ended. */
  #exitSoon(r: RunnerState): void {
    setTimeout(() => {
      if (!r.gone) r.link.kill();
    }, EXIT_GRACE_MS).unref();
  }

  #describe(r: RunnerState): string {
    return `${r.link.name} (segment ${r.link.segment}, ${r.link.where()})`;
  }

  /** The first failure decides the run's end: every other runner is stopped. */
  #fail(reason: string, exitCode: ExitCodeValue): void {
    this.#failure ??= { reason, exitCode };
    this.#abortAll(reason);
  }

  #abortAll(reason: string): void {
    if (this.#aborting) return;
    this.#aborting = true;
    for (const r of this.#runners) if (!r.gone && r.state !== "done" && r.state !== "failed") r.link.send({ v: 1, type: "abort", reason });
    // A runner that does not answer an abort in time is ended: a stopping run must not hang on it.
    const timer = setTimeout(() => {
      for (const r of this.#runners) {
        if (r.gone || r.state === "done" || r.state === "stopped" || r.state === "failed") continue;
        r.reason = `did not stop within ${this.#o.stopTimeoutMs ?? 30_000} ms of being told to`;
        r.link.kill();
      }
    }, this.#o.stopTimeoutMs ?? 30_000);
    timer.unref();
    this.#changed();
  }

  /** Resolves once every runner is gone (a runner exits right after its last word: `done` or `failed`). */
  #untilAllEnded(): Promise<void> {
    return this.#until(() => this.#runners.every((r) => r.gone));
  }

  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  #changed(): void {
    for (const check of [...this.#waiters]) check();
  }

  #sum(f: (r: RunnerState) => number): number {
    return this.#runners.reduce((n, r) => n + f(r), 0);
  }
}

/** The total count of a snapshot's counter series whose metric `pick` chooses. */
function counted(snapshot: EngineSnapshot, pick: (name: string) => boolean): number {
  let n = 0;
  for (const s of snapshot.series) if (s.sink.type === "counter" && pick(s.metric)) n += s.sink.count;
  return n;
}
