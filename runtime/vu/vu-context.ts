import type { LifecyclePhase, VuContext } from "../../stdlib/host-module.ts";
import type { MetricsEngine } from "../metrics/engine.ts";
import type { Metric } from "../metrics/metric.ts";
import type { TagSet } from "../metrics/tags.ts";

/**
 * One VU's VuContext (stdlib/host-module.ts): what host functions learn about their caller. The VU that owns it is
 * the only one holding it by this type, and the only writer (the methods below the VuContext ones); host functions
 * get it as VuContext, which can only enter or leave a group.
 */
export class WritableVuContext implements VuContext {
  readonly id: number;
  readonly idInInstance: number;
  readonly #engine: MetricsEngine;
  #scenario: string | undefined;
  #iterationInScenario = 0;
  #scenarioIterationInTest = 0;
  #phase: LifecyclePhase = "init";
  /** The scenario's tags; #tags adds the group to them. */
  #baseTags: TagSet;
  #tags: TagSet;
  #groupPath = "";
  /** Made when a host function first asks for the signal in an iteration (most never do). */
  #abort: AbortController | undefined;

  constructor(id: number, engine: MetricsEngine, tags: TagSet, idInInstance: number = id) {
    this.id = id;
    this.idInInstance = idInInstance;
    this.#engine = engine;
    this.#baseTags = tags;
    this.#tags = tags;
  }

  // ---- VuContext, read by host functions ----

  get scenario(): string | undefined {
    return this.#scenario;
  }

  get iterationInScenario(): number {
    return this.#iterationInScenario;
  }

  get scenarioIterationInTest(): number {
    return this.#scenarioIterationInTest;
  }

  get phase(): LifecyclePhase {
    return this.#phase;
  }

  get tags(): TagSet {
    return this.#tags;
  }

  get groupPath(): string {
    return this.#groupPath;
  }

  /** Enters or leaves a group (loadgen's group()): samples inside carry `group: ::a::b`. */
  setGroupPath(path: string): void {
    this.#groupPath = path;
    this.#tags = path === "" ? this.#baseTags : this.#baseTags.with("group", path);
  }

  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    return this.#abort.signal;
  }

  emit(metric: Metric, value: number, tags?: TagSet): void {
    this.#engine.add(metric, tags ?? this.#tags, value);
  }

  // ---- written by the owning VU only ----

  setPhase(phase: LifecyclePhase): void {
    this.#phase = phase;
  }

  /** The VU moves into a scenario: its samples carry `tags` from now on; a new scenario counts iterations from 0. */
  enterScenario(name: string, tags: TagSet): void {
    if (this.#scenario !== name) this.#iterationInScenario = 0;
    this.#scenario = name;
    this.#baseTags = tags;
    this.#groupPath = "";
    this.#tags = tags;
    this.#phase = "iteration";
  }

  /** An iteration starts at the root group with a fresh signal; `iterationInTest` is its number in the scenario. */
  startIteration(iterationInTest: number): void {
    this.#scenarioIterationInTest = iterationInTest;
    this.#groupPath = "";
    this.#tags = this.#baseTags;
    this.#abort = undefined;
  }

  /** The iteration ended (however it ended). */
  endIteration(): void {
    this.#iterationInScenario++;
  }

  /** Aborts the signal host functions of the current call were given, if any asked for it. */
  abortSignal(reason: string): void {
    this.#abort?.abort(new Error(reason));
  }
}
