/**
 * `loadgen/kubevirt`: KubeVirt lifecycles and KubeVirt's scale SLIs from scenarios. VMIs, VMs, VMI replica sets and
 * VM pools are created from templates (KubeVirt's classic ephemeral container-disk VMI and its VM, replica set and
 * pool variants are built in), on the run's shared Kubernetes connection (`loadgen/k8s`, same `options.k8s`).
 *
 * A watch per namespace, on the host, follows every VMI that carries the run's label (VMIs that the run's VMs, replica
 * sets and pools create carry it too) and records, for each VMI and phase, the time from creation to the phase:
 * watch-based (loadgen's create request → the first watch event showing the phase; millisecond precision, the
 * metrics' value) and from KubeVirt's `status.phaseTransitionTimestamps` (RFC3339, second precision in KubeVirt).
 * Each (VMI, phase) is counted once, across watch reconnects and relists.
 *
 * Metrics: `vmi_phase_seconds{phase}` (trend, s), `vmi_creation_to_running_seconds` (trend, s; KubeVirt's SLO:
 * p50 ≤ 45, p95 ≤ 60), `vmi_deletion_seconds` (trend, s: delete request → gone), `objects_created{kind}` (counter),
 * `vmi_phase_timeouts{phase,last_phase}` (counter: VMIs a wait gave up on), plus loadgen/k8s's `k8s_*` request metrics.
 *
 * The summary adds three tables (and `extensions["loadgen/kubevirt"]` in `--summary-export`): objects created per kind
 * with the creation rate; VMI phase transitions with creation → phase p50/p95/p99; Kubernetes REST calls by verb from
 * the API server's apiserver_request_total. Objects the run created and did not delete are deleted at the end of the
 * run unless `options.kubevirt.cleanup` is false.
 * @module
 */

/** A VMI phase. */
export type Phase = "Pending" | "Scheduling" | "Scheduled" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** Options of the create functions. */
export interface CreateOptions {
  /** The namespace (also the template's `namespace` variable). Default: the template's, else the kubeconfig's, else "default". */
  namespace?: string;
  /** The object's name (replaces the template's). */
  name?: string;
  /** A built-in template name (see {@link TEMPLATES}) or YAML text with `{{.var}}` variables. Default: the kind's built-in. */
  template?: string;
  /**
   * Template variables. Built-in templates use containerPrefix, containerImg, containerTag, namespace, iteration,
   * replica (a per-template counter from 1, unless given; in a split test — `--workers`, `loadgen rg run` — each runner takes its stripe of the numbers, so names never collide), runStrategy, replicas. Also Iteration, VU, RunID, Scenario.
   */
  vars?: Record<string, unknown>;
  /** Extra labels on the object (and on the VMIs it makes). */
  labels?: Record<string, string>;
  /** Tags on this call's request samples. */
  tags?: Record<string, string>;
  /** Request timeout, e.g. "30s". */
  timeout?: string | number;
}

/** What a create returns. */
export interface Created {
  kind: string;
  name: string;
  namespace: string;
  /** HTTP status (201). */
  status: number;
}

/** Options naming where an object is. */
export interface ObjectOptions {
  namespace?: string;
  tags?: Record<string, string>;
  timeout?: string | number;
}

/** Options of {@link waitForPhase}. */
export interface WaitForPhaseOptions {
  /** Only VMIs of this namespace (default: every VMI of the run). */
  namespace?: string;
  /** One VMI by name. */
  name?: string;
  /** Until this many VMIs have reached the phase (default: all the run's VMIs there are, at least one). */
  count?: number;
  /** How long to wait (default "5m"). */
  timeout?: string | number;
}

/** What {@link waitForPhase} found. It does not throw on timeout: check `timedOut`. */
export interface WaitForPhaseResult {
  phase: string;
  /** VMIs that reached the phase (or went past it). */
  reached: number;
  /** What was waited for. */
  expected: number;
  /** VMIs of the run (not deleted) in the selection. */
  total: number;
  elapsedMs: number;
  timedOut: boolean;
  /** Up to 100 VMIs that had not reached the phase, with their last phase. */
  notReached: Array<{ name: string; namespace: string; phase: string }>;
}

/** Options of {@link waitForDeleted} and {@link deleteAll}. */
export interface SelectionOptions {
  namespace?: string;
  /** Objects matching this selector instead of the run's label. */
  labelSelector?: string;
  /** deleteAll: deletes in flight at once (default 20). */
  concurrency?: number;
  timeout?: string | number;
  tags?: Record<string, string>;
}

/** What {@link waitForDeleted} found. */
export interface WaitForDeletedResult {
  remaining: number;
  elapsedMs: number;
  timedOut: boolean;
}

/** Options of {@link createNamespace}. */
export interface NamespaceOptions {
  /** Extra labels on the namespace (besides the run's). */
  labels?: Record<string, string>;
}

/** Options of {@link deleteNamespace}. */
export interface DeleteNamespaceOptions {
  /** Wait until the namespace is gone (default true). */
  wait?: boolean;
  /** How long to wait (default "2m"). */
  timeout?: string | number;
}

/** Options of {@link vmis}. */
export interface VmisOptions {
  namespace?: string;
  /** Only VMIs whose last phase is this one. */
  phase?: Phase;
}

/** A VMI as the tracker knows it. */
export interface VmiInfo {
  name: string;
  namespace: string;
  uid: string;
  /** The last status.phase seen ("" before the first). */
  phase: string;
  deleting: boolean;
}

/**
 * `loadgen.io/run=<run id>`: selects every object of this run.
 * @example Usage
 * ```ts
 * import { deleteAll, runSelector } from "loadgen/kubevirt";
 * await deleteAll("vm", { namespace: "density", labelSelector: runSelector });
 * ```
 */
export const runSelector: string;
/**
 * The built-in templates: vmi-ephemeral, vm-ephemeral, vmirs-ephemeral, vmpool-ephemeral.
 * @example Usage
 * ```ts
 * import { TEMPLATES, createVMI } from "loadgen/kubevirt";
 * if (TEMPLATES.includes("vmi-ephemeral")) await createVMI({ namespace: "density", template: "vmi-ephemeral" });
 * ```
 */
export const TEMPLATES: readonly string[];

/**
 * Creates a VirtualMachineInstance from a template (default: KubeVirt's classic `vmi-ephemeral`) and tracks its phases.
 * Emits `objects_created{kind:VirtualMachineInstance}`; as the VMI goes through its phases, `vmi_phase_seconds{phase}`
 * and `vmi_creation_to_running_seconds`.
 * @throws {K8sError} code InvalidTemplate (an undefined variable), InvalidObject (YAML that does not parse, with its
 * line:column), or the API server's refusal (Invalid 422, AlreadyExists 409, ...).
 * @example Usage
 * ```ts
 * import { createVMI } from "loadgen/kubevirt";
 * const vmi = await createVMI({ namespace: "density", vars: { containerTag: "v1.5.0" } });
 * console.log(vmi.name);
 * ```
 */
export function createVMI(options?: CreateOptions): Promise<Created>;

/**
 * Creates a VirtualMachine (default template `vm-ephemeral`, runStrategy Always; `running: false` creates it Halted).
 * Emits `objects_created{kind:VirtualMachine}`; its VMI's phases are measured like any VMI's.
 * @example Usage
 * ```ts
 * import { createVM } from "loadgen/kubevirt";
 * await createVM({ namespace: "density", name: "vm-1" });
 * await createVM({ namespace: "density", name: "vm-2", running: false });
 * ```
 */
export function createVM(options?: CreateOptions & { running?: boolean }): Promise<Created>;

/**
 * Creates a VirtualMachineInstanceReplicaSet (default template `vmirs-ephemeral`) of `replicas` VMIs.
 * Emits `objects_created{kind:VirtualMachineInstanceReplicaSet}`; its VMIs are measured.
 * @example Usage
 * ```ts
 * import { createVMIReplicaSet } from "loadgen/kubevirt";
 * await createVMIReplicaSet({ namespace: "density", replicas: 10 });
 * ```
 */
export function createVMIReplicaSet(options?: CreateOptions & { replicas?: number }): Promise<Created>;

/**
 * Creates a VirtualMachinePool (default template `vmpool-ephemeral`) of `replicas` VMs.
 * Emits `objects_created{kind:VirtualMachinePool}`; the VMIs of its VMs are measured.
 * @example Usage
 * ```ts
 * import { createVMPool } from "loadgen/kubevirt";
 * await createVMPool({ namespace: "density", replicas: 10 });
 * ```
 */
export function createVMPool(options?: CreateOptions & { replicas?: number }): Promise<Created>;

/**
 * Creates any object from a template (a built-in name or YAML text) or an object. Emits `objects_created{kind}`.
 * @example Usage
 * ```ts
 * import { create } from "loadgen/kubevirt";
 * await create(open("./my-vmi.yaml"), { namespace: "density", vars: { size: "2Gi" } });
 * ```
 */
export function create(template: string | Record<string, unknown>, options?: CreateOptions): Promise<Created>;

/**
 * Starts a VM: sets spec.runStrategy to Always (one PATCH). Its VMI's phases are measured.
 * @example Usage
 * ```ts
 * import { startVM } from "loadgen/kubevirt";
 * await startVM("vm-2", { namespace: "density" });
 * ```
 */
export function startVM(name: string, options?: ObjectOptions): Promise<void>;

/**
 * Stops a VM: sets spec.runStrategy to Halted (one PATCH); KubeVirt's controller then deletes its VMI.
 * @example Usage
 * ```ts
 * import { stopVM } from "loadgen/kubevirt";
 * await stopVM("vm-1", { namespace: "density" });
 * ```
 */
export function stopVM(name: string, options?: ObjectOptions): Promise<void>;

/**
 * Restarts a VM as `virtctl restart` does: deletes its VMI, and KubeVirt's controller starts a new one. The old VMI's
 * deletion lands in `vmi_deletion_seconds`, the new one's phases in `vmi_phase_seconds`.
 * @example Usage
 * ```ts
 * import { restartVM } from "loadgen/kubevirt";
 * await restartVM("vm-1", { namespace: "density" });
 * ```
 */
export function restartVM(name: string, options?: ObjectOptions): Promise<void>;

/**
 * Deletes one object of a kind (`vmi`, `vm`, `VirtualMachinePool`, ...). A VMI's deletion → gone is recorded in `vmi_deletion_seconds`.
 * Exported as `delete`.
 * @example Usage
 * ```ts
 * import * as kubevirt from "loadgen/kubevirt";
 * await kubevirt.delete("vmi", "kubevirt-density-1-1", { namespace: "density" });
 * ```
 */
declare function del(kind: string, name: string, options?: ObjectOptions): Promise<number>;
export { del as delete };

/**
 * Deletes one VMI. Records `vmi_deletion_seconds` when it is gone.
 * @example Usage
 * ```ts
 * import { deleteVMI } from "loadgen/kubevirt";
 * await deleteVMI("kubevirt-density-1-1", { namespace: "density" });
 * ```
 */
export function deleteVMI(name: string, options?: ObjectOptions): Promise<number>;

/**
 * Deletes one VM (its VMI goes with it).
 * @example Usage
 * ```ts
 * import { deleteVM } from "loadgen/kubevirt";
 * await deleteVM("vm-1", { namespace: "density" });
 * ```
 */
export function deleteVM(name: string, options?: ObjectOptions): Promise<number>;

/**
 * Deletes every object of a kind that this run created (or that matches `labelSelector`), one DELETE each,
 * `concurrency` at a time. Records `vmi_deletion_seconds` for VMIs.
 * @returns How many were deleted.
 * @example Usage
 * ```ts
 * import { deleteAll, waitForDeleted } from "loadgen/kubevirt";
 * await deleteAll("vmi", { namespace: "density", concurrency: 50 });
 * await waitForDeleted("vmi", { namespace: "density", timeout: "5m" });
 * ```
 */
export function deleteAll(kind: string, options?: SelectionOptions): Promise<number>;

/**
 * Waits until VMIs of the run reach a phase (or go past it): `count` of them, or all there are. Served from the
 * tracker's watch: no requests while waiting. On timeout it resolves with `timedOut: true`, logs the VMIs that did not
 * make it with their last phase, and counts them in `vmi_phase_timeouts{phase,last_phase}`.
 * @example Usage
 * ```ts
 * import { check } from "loadgen";
 * import { waitForPhase } from "loadgen/kubevirt";
 * const r = await waitForPhase("Running", { namespace: "density", count: 100, timeout: "10m" });
 * check(r, { "all VMIs Running": (x) => !x.timedOut });
 * ```
 */
export function waitForPhase(phase: Phase, options?: WaitForPhaseOptions): Promise<WaitForPhaseResult>;

/**
 * Waits until no object of a kind of this run (or matching `labelSelector`) is left. VMIs are followed by the
 * tracker's watch; other kinds are listed every 500 ms.
 * @example Usage
 * ```ts
 * import { waitForDeleted } from "loadgen/kubevirt";
 * const r = await waitForDeleted("vm", { namespace: "density" });
 * console.log(r.remaining);
 * ```
 */
export function waitForDeleted(kind: string, options?: SelectionOptions): Promise<WaitForDeletedResult>;

/**
 * Creates a namespace labelled with the run (an existing one is used as it is). Default name: `kubevirt-<run id>`.
 * @returns The namespace's name.
 * @example Usage
 * ```ts
 * import { createNamespace } from "loadgen/kubevirt";
 * const ns = await createNamespace();
 * ```
 */
export function createNamespace(name?: string, options?: NamespaceOptions): Promise<string>;

/**
 * Deletes a namespace and (unless `wait: false`) waits until it is gone.
 * @returns false when it was still there at the timeout (default 2m).
 * @example Usage
 * ```ts
 * import { deleteNamespace } from "loadgen/kubevirt";
 * await deleteNamespace("density", { timeout: "5m" });
 * ```
 */
export function deleteNamespace(name: string, options?: DeleteNamespaceOptions): Promise<boolean>;

/**
 * The run's VMIs that are not deleted, as the tracker knows them (no request).
 * @example Usage
 * ```ts
 * import { vmis } from "loadgen/kubevirt";
 * const running = vmis({ namespace: "density", phase: "Running" }).length;
 * ```
 */
export function vmis(options?: VmisOptions): VmiInfo[];

/**
 * The text of a built-in template.
 * @example Usage
 * ```ts
 * import { template } from "loadgen/kubevirt";
 * const yaml = template("vmi-ephemeral");
 * ```
 */
export function template(name: string): string;

/**
 * Drops the tracker's watches and starts them again from a fresh list, as after a long disconnect. Nothing is counted
 * twice; VMIs that went away meanwhile are marked deleted.
 * @example Usage
 * ```ts
 * import { resync } from "loadgen/kubevirt";
 * await resync();
 * ```
 */
export function resync(): Promise<void>;
