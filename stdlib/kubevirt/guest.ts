// Guest shim of `loadgen/kubevirt`: thin. Every operation is one host call; the phase tracking, the waits and the
// report run on the host, so a VU does no work per watch event. Options and results are kubevirt.d.ts's types.
import type {
  CreateOptions,
  Created,
  DeleteNamespaceOptions,
  NamespaceOptions,
  ObjectOptions,
  Phase,
  SelectionOptions,
  VmiInfo,
  VmisOptions,
  WaitForDeletedResult,
  WaitForPhaseOptions,
  WaitForPhaseResult,
} from "loadgen/kubevirt";
import type { KubevirtCreateOptions } from "../host-calls.ts";
import { host, jsonText, parseJson } from "../guest-host.ts";

const createHost = /* @__PURE__ */ host.async("kubevirt.create");
const runStrategyHost = /* @__PURE__ */ host.async("kubevirt.runStrategy");
const restartHost = /* @__PURE__ */ host.async("kubevirt.restart");
const deleteHost = /* @__PURE__ */ host.async("kubevirt.delete");
const deleteAllHost = /* @__PURE__ */ host.async("kubevirt.deleteAll");
const waitForPhaseHost = /* @__PURE__ */ host.async("kubevirt.waitForPhase");
const waitForDeletedHost = /* @__PURE__ */ host.async("kubevirt.waitForDeleted");
const createNamespaceHost = /* @__PURE__ */ host.async("kubevirt.createNamespace");
const deleteNamespaceHost = /* @__PURE__ */ host.async("kubevirt.deleteNamespace");
const resyncHost = /* @__PURE__ */ host.async("kubevirt.resync");
const templateHost = /* @__PURE__ */ host.sync("kubevirt.template");
const vmisHost = /* @__PURE__ */ host.sync("kubevirt.vmis");
const infoHost = /* @__PURE__ */ host.sync("kubevirt.info");

const info = /* @__PURE__ */ parseJson(/* @__PURE__ */ infoHost());
export const runSelector: string = info.runSelector;
export const TEMPLATES: readonly string[] = /* @__PURE__ */ Object.freeze(info.templates);

function templateArg(t: string | Record<string, unknown> | undefined): string | undefined {
  if (t === undefined) return undefined;
  return typeof t === "string" ? t : JSON.stringify(t);
}

export async function create(template: string | Record<string, unknown>, options?: CreateOptions): Promise<Created> {
  return parseJson(await createHost(undefined, templateArg(template), jsonText(options)));
}
export async function createVMI(options?: CreateOptions): Promise<Created> {
  return parseJson(await createHost("VirtualMachineInstance", templateArg(options?.template), jsonText(options)));
}
export async function createVM(options?: KubevirtCreateOptions): Promise<Created> {
  return parseJson(await createHost("VirtualMachine", templateArg(options?.template), jsonText(options)));
}
export async function createVMIReplicaSet(options?: KubevirtCreateOptions): Promise<Created> {
  return parseJson(await createHost("VirtualMachineInstanceReplicaSet", templateArg(options?.template), jsonText(options)));
}
export async function createVMPool(options?: KubevirtCreateOptions): Promise<Created> {
  return parseJson(await createHost("VirtualMachinePool", templateArg(options?.template), jsonText(options)));
}

export async function startVM(name: string, options?: ObjectOptions): Promise<void> {
  await runStrategyHost(String(name), "Always", jsonText(options));
}
export async function stopVM(name: string, options?: ObjectOptions): Promise<void> {
  await runStrategyHost(String(name), "Halted", jsonText(options));
}
export async function restartVM(name: string, options?: ObjectOptions): Promise<void> {
  await restartHost(String(name), jsonText(options));
}

function del(kind: string, name: string, options?: ObjectOptions): Promise<number> {
  return deleteHost(String(kind), String(name), jsonText(options));
}
export { del as delete };
export function deleteVMI(name: string, options?: ObjectOptions): Promise<number> {
  return del("VirtualMachineInstance", name, options);
}
export function deleteVM(name: string, options?: ObjectOptions): Promise<number> {
  return del("VirtualMachine", name, options);
}
export function deleteAll(kind: string, options?: SelectionOptions): Promise<number> {
  return deleteAllHost(String(kind), jsonText(options));
}

export async function waitForPhase(phase: Phase, options?: WaitForPhaseOptions): Promise<WaitForPhaseResult> {
  return parseJson(await waitForPhaseHost(String(phase) as Phase, jsonText(options)));
}
export async function waitForDeleted(kind: string, options?: SelectionOptions): Promise<WaitForDeletedResult> {
  return parseJson(await waitForDeletedHost(String(kind), jsonText(options)));
}

export function createNamespace(name?: string, options?: NamespaceOptions): Promise<string> {
  return createNamespaceHost(name, jsonText(options));
}
export async function deleteNamespace(name: string, options?: DeleteNamespaceOptions): Promise<boolean> {
  return !!(await deleteNamespaceHost(String(name), jsonText(options)));
}

export function vmis(options?: VmisOptions): VmiInfo[] {
  return parseJson(vmisHost(jsonText(options)));
}
export function template(name: string): string {
  return templateHost(String(name));
}
export async function resync(): Promise<void> {
  await resyncHost();
}
