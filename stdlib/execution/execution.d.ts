/**
 * `loadgen/execution`: what the running VU, its scenario and the test look like right now (k6's `k6/execution`),
 * and `test.abort()`.
 * @module
 */

/** The current VU. */
export interface VuInfo {
  /** 1-based VU number in the whole test, unique across the instances of an execution-segment sequence (0 in setup/teardown). */
  readonly idInTest: number;
  /** 1-based VU number in this loadgen instance (equal to idInTest unless the run is one segment of a test). */
  readonly idInInstance: number;
  /** 0-based iteration of this VU in its current scenario. */
  readonly iterationInScenario: number;
  readonly iterationInInstance: number;
  /** The tags the VU's samples carry now. */
  readonly tags: Record<string, string>;
}

/** The scenario the VU runs. */
export interface ScenarioInfo {
  readonly name: string;
  readonly executor: string;
  /** The scenario's startTime, in ms. */
  readonly startTime: number;
  /** 0..1 */
  readonly progress: number;
  /** 0-based number of this iteration among all of the scenario's iterations. */
  readonly iterationInTest: number;
}

/** This loadgen process. */
export interface InstanceInfo {
  readonly vusActive: number;
  readonly vusInitialized: number;
  readonly iterationsCompleted: number;
  /** Milliseconds since the scenarios started. */
  readonly currentTestRunDuration: number;
}

/** The test run. */
export interface TestInfo {
  /**
   * Stops the whole run now; teardown and the summary still run, and loadgen exits with code 108.
   * @example Usage
   * ```ts
   * import exec from "loadgen/execution";
   * exec.test.abort("the cluster is not healthy");
   * ```
   */
  abort(reason?: string): never;
  /** The resolved options. */
  readonly options: Record<string, unknown>;
}

/**
 * The current VU, read live (each property asks the host at the moment it is read).
 * @example Usage
 * ```ts
 * import { vu } from "loadgen/execution";
 * const name = `cm-${vu.idInTest}-${vu.iterationInScenario}`;
 * ```
 */
export const vu: VuInfo;
/**
 * The scenario the VU is running, read live.
 * @example Usage
 * ```ts
 * import { scenario } from "loadgen/execution";
 * if (scenario.progress > 0.5) console.log(`${scenario.name} is past half-way`);
 * ```
 */
export const scenario: ScenarioInfo;
/**
 * This loadgen process: VUs and iterations so far.
 * @example Usage
 * ```ts
 * import { instance } from "loadgen/execution";
 * console.log(`${instance.vusActive} VUs active, ${instance.iterationsCompleted} iterations done`);
 * ```
 */
export const instance: InstanceInfo;
/**
 * The test run: its resolved options, and `abort()`.
 * @example Usage
 * ```ts
 * import { test } from "loadgen/execution";
 * if (test.options.k8s === undefined) test.abort("this scenario needs options.k8s");
 * ```
 */
export const test: TestInfo;

/**
 * All of the above in one object.
 * @example Usage
 * ```ts
 * import exec from "loadgen/execution";
 * const name = `vmi-${exec.vu.idInTest}-${exec.vu.iterationInScenario}`;
 * ```
 */
declare const execution: { readonly vu: VuInfo; readonly scenario: ScenarioInfo; readonly instance: InstanceInfo; readonly test: TestInfo };
export default execution;
