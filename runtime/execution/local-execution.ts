import { performance } from "node:perf_hooks";
import type { ScenarioConfig } from "../config/scenario-config.ts";
import { executorFor } from "../executor/mod.ts";
import { ExecutionTuple } from "../segment/execution-tuple.ts";
import type { VirtualUser } from "../vu/vu.ts";
import type { ExecutionView } from "../../stdlib/host-module.ts";
import type { ErrorLog } from "./error-log.ts";
import type { PreparedRun } from "./prepare-run.ts";
import type { ScenarioExecution, ScenarioProgress } from "./scenario-execution.ts";
import { ScenarioRun } from "./scenario-run.ts";
import { VuPool } from "./vu-pool.ts";

/**
 * The scenarios executed in this process: VUs initialised up front from the prepared script, then every scenario on
 * its start time through its executor, taking this instance's execution segment of the test. A one-process run uses
 * it directly; each runner of a group uses it for its segment (runtime/group/runner.ts).
 */
export class LocalExecution implements ScenarioExecution {
  readonly #run: PreparedRun;
  readonly #errors: ErrorLog;
  readonly #pool: VuPool;
  readonly #scenarioRuns: ScenarioRun[] = [];
  readonly #states = new Map<ScenarioRun, ScenarioProgress["state"]>();
  #setupJson: string | undefined;
  #startedAt = performance.now();
  /** Wall-clock start of the scenarios (ExecutionView.startedAtMs); undefined before. */
  #startedAtMs: number | undefined;
  /** False in a runner of a group: the coordinator records the group's VU gauges from every runner's counts. */
  readonly #recordVuGauges: boolean;
  readonly view: ExecutionView;

  constructor(run: PreparedRun, errors: ErrorLog, o: { recordVuGauges?: boolean } = {}) {
    this.#run = run;
    this.#errors = errors;
    this.#recordVuGauges = o.recordVuGauges ?? true;
    this.#pool = new VuPool(async (id, idInInstance) => {
      const vu = await run.createVu(id, idInInstance);
      vu.setData(this.#setupJson);
      return vu;
    }, run.options.segment);
    const pool = this.#pool;
    const runs = this.#scenarioRuns;
    this.view = {
      scenario: (name) => {
        const sr = runs.find((s) => s.config.name === name);
        return sr && { executor: sr.config.executor, startTimeMs: sr.config.startTimeMs, progress: () => sr.progress() };
      },
      vusActive: () => pool.active,
      vusInitialized: () => pool.initialized,
      iterationsCompleted: () => runs.reduce((n, s) => n + s.completed, 0),
      elapsedMs: () => performance.now() - this.#startedAt,
      startedAtMs: () => this.#startedAtMs,
    };
  }

  /** Initialises every VU the plan needs, as k6 does before setup: no VU is compiled mid-measurement. */
  async prepare(): Promise<undefined> {
    await this.#pool.ensure(plannedVus(this.#run.options.scenarios, this.#run.options.segment));
    return undefined;
  }

  async run(setupJson: string | undefined): Promise<undefined> {
    const { options, tags, engine, builtins, controller } = this.#run;
    this.#setupJson = setupJson;
    // VUs initialised before setup get its data now; later ones get it from the pool's factory.
    if (setupJson !== undefined) {
      const idle: VirtualUser[] = [];
      for (let vu = this.#pool.tryTake(); vu; vu = this.#pool.tryTake()) idle.push(vu);
      for (const vu of idle) {
        vu.setData(setupJson);
        this.#pool.give(vu);
      }
    }
    this.#startedAt = performance.now();
    this.#startedAtMs = Date.now();
    await Promise.all(
      options.scenarios.map(async (config) => {
        const scenarioTags = tags.empty.withAll(options.tags).withAll(config.tags).with("scenario", config.name);
        const sr = new ScenarioRun(config, {
          pool: this.#pool,
          engine,
          builtins,
          tags: scenarioTags,
          errors: this.#errors,
          runSignal: controller.signal,
          segment: options.segment,
        });
        this.#scenarioRuns.push(sr);
        this.#states.set(sr, "waiting");
        if (config.startTimeMs > 0) await sr.wait(config.startTimeMs);
        if (controller.signal.aborted) return void this.#states.set(sr, "done");
        this.#states.set(sr, "running");
        sr.start();
        await executorFor(config).run(config, sr);
        this.#states.set(sr, "done");
      }),
    );
    return undefined;
  }

  tick(): void {
    if (!this.#recordVuGauges) return;
    const { engine, builtins, tags } = this.#run;
    engine.add(builtins.vus, tags.empty, this.#pool.active);
    engine.add(builtins.vusMax, tags.empty, this.#pool.peak);
  }

  /** VUs taken by scenarios now, and the most alive at once so far (a runner reports them to its coordinator). */
  vuCounts(): { vus: number; vusMax: number } {
    return { vus: this.#pool.active, vusMax: this.#pool.peak };
  }

  progress(): ScenarioProgress[] {
    return this.#scenarioRuns.map((r) => ({
      name: r.config.name,
      executor: r.config.executor,
      state: this.#states.get(r) ?? "waiting",
      vus: r.vus,
      completed: r.completed,
      interrupted: r.interrupted,
      dropped: r.dropped,
      progress: Math.max(0, Math.min(1, r.progress())),
    }));
  }

  report(): undefined {
    return undefined;
  }

  async close(): Promise<void> {}
}

/** The most VUs the scenarios can hold at once in `segment`, given their start times and longest durations. */
export function plannedVus(scenarios: readonly ScenarioConfig[], segment: ExecutionTuple = ExecutionTuple.whole): number {
  const events: Array<[number, number]> = [];
  for (const s of scenarios) {
    const ex = executorFor(s);
    const vus = ex.plannedVus(s, segment);
    events.push([s.startTimeMs, vus], [s.startTimeMs + ex.maxDurationMs(s), -vus]);
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
