import { performance } from "node:perf_hooks";
import type { ScenarioConfig } from "../config/scenario-config.ts";
import type { BuiltinMetrics } from "../metrics/builtin.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { TagSet } from "../metrics/tags.ts";
import type { ExecutionTuple } from "../segment/execution-tuple.ts";
import { SegmentedIndex } from "../segment/segmented-index.ts";
import type { VirtualUser } from "../vu/vu.ts";
import type { ErrorLog } from "./error-log.ts";
import type { VuPool } from "./vu-pool.ts";

/** What a scenario run needs from the test run. */
export interface ScenarioDeps {
  readonly pool: VuPool;
  readonly engine: MetricsEngine;
  readonly builtins: BuiltinMetrics;
  /** Tags of the scenario's samples: the run's tags, the scenario's tags and `scenario: <name>`. */
  readonly tags: TagSet;
  readonly errors: ErrorLog;
  /** Aborted when the whole run must stop now (test.abort(), abortOnFail, a signal): no grace period. */
  readonly runSignal: AbortSignal;
  /** This instance's segment of the test: the executor runs its share. */
  readonly segment: ExecutionTuple;
}

/**
 * The toolbox an executor works with: VUs from the pool, one iteration at a time with its metrics recorded,
 * dropped iterations, and the stop machinery (stop starting iterations; interrupt the ones in flight).
 * Executors decide *when* iterations start; this class decides *how* one runs.
 */
export class ScenarioRun {
  readonly config: ScenarioConfig;
  readonly #deps: ScenarioDeps;
  #startedAt = 0;
  /** Numbers the iterations in the whole test: this segment's stripe of them (k6's iterSegIndex). */
  #iterationNumbers: SegmentedIndex;
  #completed = 0;
  #interrupted = 0;
  #dropped = 0;
  readonly #inFlight = new Set<VirtualUser>();
  readonly #held = new Set<VirtualUser>();
  #stopping = false;
  #lastYield = 0;
  #hardStopped = false;
  readonly #stopWaiters: Array<() => void> = [];
  /** Progress in 0..1 as the executor defines it (time- or iteration-based). */
  progress: () => number = () => 0;

  readonly #envJson: string | undefined;

  constructor(config: ScenarioConfig, deps: ScenarioDeps) {
    this.config = config;
    this.#envJson = Object.keys(config.env).length ? JSON.stringify(config.env) : undefined;
    this.#deps = deps;
    this.#iterationNumbers = new SegmentedIndex(deps.segment);
    deps.runSignal.addEventListener("abort", () => this.hardStop("the test was aborted"), { once: true });
  }

  /** This instance's segment of the test. */
  get segment(): ExecutionTuple {
    return this.#deps.segment;
  }

  /**
   * Numbers iterations by `stripe` instead of the segment: executors that hand out work by a re-cut sequence (shared
   * iterations by VUs, arrivals by maxVUs) number it the same way, so `scenario.iterationInTest` stays unique across
   * the instances of a sequence. Call before the first iteration.
   */
  stripeIterations(stripe: ExecutionTuple): void {
    this.#iterationNumbers = new SegmentedIndex(stripe);
  }

  /** Marks the scenario's start; `elapsed()` counts from here. */
  start(): void {
    this.#startedAt = performance.now();
  }

  /** Milliseconds since the scenario started. */
  elapsed(): number {
    return performance.now() - this.#startedAt;
  }

  /** True once the executor must not start new iterations (its time is up, or the run is stopping). */
  get stopping(): boolean {
    return this.#stopping || this.#deps.runSignal.aborted;
  }

  /** Stops new iterations; those in flight may finish (the executor gives them gracefulStop). */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const wake of this.#stopWaiters.splice(0)) wake();
  }

  /** Interrupts every iteration in flight now. */
  hardStop(reason: string): void {
    this.stop();
    this.#hardStopped = true;
    for (const vu of this.#inFlight) vu.interrupt(`iteration interrupted: ${reason}`);
  }

  /** Resolves after `ms`, or earlier when the scenario stops. */
  wait(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const waiters = this.#stopWaiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  /** A VU for this scenario from the pool (initialising one when none is idle). */
  async takeVu(): Promise<VirtualUser> {
    const vu = await this.#deps.pool.take();
    this.#hold(vu);
    return vu;
  }

  /** An idle VU without waiting, or undefined (arrival-rate executors drop the iteration then). */
  tryTakeVu(): VirtualUser | undefined {
    const vu = this.#deps.pool.tryTake();
    if (vu) this.#hold(vu);
    return vu;
  }

  /** Gives a VU back to the pool. */
  releaseVu(vu: VirtualUser): void {
    this.#held.delete(vu);
    this.#deps.pool.give(vu);
  }

  /** The same VU, or a fresh one in its place when it broke (was interrupted or ran out of memory). */
  async healthyVu(vu: VirtualUser): Promise<VirtualUser> {
    if (!vu.broken) return vu;
    this.#held.delete(vu);
    const fresh = await this.#deps.pool.replace(vu);
    this.#hold(fresh);
    return fresh;
  }

  #hold(vu: VirtualUser): void {
    this.#held.add(vu);
    vu.enterScenario(this.config.name, this.#deps.tags, this.#envJson);
    // Taking a VU is rare (once per VU per scenario), so the gauge can follow every change.
    this.#deps.engine.add(this.#deps.builtins.vus, this.#deps.engine.tags.empty, this.#deps.pool.active);
  }

  /**
   * Runs one iteration of the scenario's exec function on `vu` and records `iterations` and
   * `iteration_duration` (iterations stopped by a hard stop are counted apart, not as iterations).
   * @returns the VU to run the next iteration on: `vu`, or a fresh one when `vu` broke.
   */
  async iterate(vu: VirtualUser): Promise<VirtualUser> {
    const { engine, builtins, tags } = this.#deps;
    const iterationInTest = this.#iterationNumbers.next() - 1;
    this.#inFlight.add(vu);
    const started = performance.now();
    const outcome = await vu.iterate(this.config.exec, iterationInTest);
    const duration = performance.now() - started;
    this.#inFlight.delete(vu);
    // Iterations that never wait on a timer or socket would run on microtasks forever and starve the
    // scheduler's timers: give the event loop a turn every few milliseconds.
    if (started - this.#lastYield > 5) {
      this.#lastYield = started;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!outcome.ok && outcome.error.kind === "interrupted" && this.#hardStopped) {
      this.#interrupted++;
      return vu;
    }
    this.#completed++;
    engine.add(builtins.iterationDuration, tags, duration);
    engine.add(builtins.iterations, tags, 1);
    if (outcome.ok) return vu;
    this.#deps.errors.report(outcome.error, `scenario ${this.config.name}, vu ${vu.id}`);
    // A VU that was interrupted or ran out of memory is replaced, unless the scenario is ending anyway.
    return vu.broken && !this.stopping ? this.healthyVu(vu) : vu;
  }

  /** Counts iterations an arrival-rate executor could not start because no VU was free. */
  drop(count = 1): void {
    this.#dropped += count;
    this.#deps.engine.add(this.#deps.builtins.droppedIterations, this.#deps.tags, count);
  }

  /** Iterations in flight now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** VUs this scenario holds now. */
  get vus(): number {
    return this.#held.size;
  }

  get completed(): number {
    return this.#completed;
  }

  get interrupted(): number {
    return this.#interrupted;
  }

  get dropped(): number {
    return this.#dropped;
  }
}
