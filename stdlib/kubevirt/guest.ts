// Guest shim of `loadgen/kubevirt`: thin. Every operation is one host call; the phase tracking, the waits and the
// report run on the host, so a VU does no work per watch event.
import { host } from "../guest-host.ts";

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

type Obj = Record<string, any>;
const text = (o: Obj | undefined): string | undefined => (o === undefined ? undefined : JSON.stringify(o));

const info = /* @__PURE__ */ JSON.parse(/* @__PURE__ */ infoHost()) as { runId: string; runSelector: string; templates: string[] };
export const runSelector: string = info.runSelector;
export const TEMPLATES: readonly string[] = /* @__PURE__ */ Object.freeze(info.templates);

function templateArg(t: unknown): string | undefined {
  if (t === undefined) return undefined;
  return typeof t === "string" ? t : JSON.stringify(t);
}

export async function create(template: string | Obj, options?: Obj): Promise<any> {
  return JSON.parse(await createHost(undefined, templateArg(template), text(options)));
}
export async function createVMI(options?: Obj): Promise<any> {
  return JSON.parse(await createHost("VirtualMachineInstance", templateArg(options?.template), text(options)));
}
export async function createVM(options?: Obj): Promise<any> {
  return JSON.parse(await createHost("VirtualMachine", templateArg(options?.template), text(options)));
}
export async function createVMIReplicaSet(options?: Obj): Promise<any> {
  return JSON.parse(await createHost("VirtualMachineInstanceReplicaSet", templateArg(options?.template), text(options)));
}
export async function createVMPool(options?: Obj): Promise<any> {
  return JSON.parse(await createHost("VirtualMachinePool", templateArg(options?.template), text(options)));
}

export async function startVM(name: string, options?: Obj): Promise<void> {
  await runStrategyHost(String(name), "Always", text(options));
}
export async function stopVM(name: string, options?: Obj): Promise<void> {
  await runStrategyHost(String(name), "Halted", text(options));
}
export async function restartVM(name: string, options?: Obj): Promise<void> {
  await restartHost(String(name), text(options));
}

function del(kind: string, name: string, options?: Obj): Promise<number> {
  return deleteHost(String(kind), String(name), text(options));
}
export { del as delete };
export function deleteVMI(name: string, options?: Obj): Promise<number> {
  return del("VirtualMachineInstance", name, options);
}
export function deleteVM(name: string, options?: Obj): Promise<number> {
  return del("VirtualMachine", name, options);
}
export function deleteAll(kind: string, options?: Obj): Promise<number> {
  return deleteAllHost(String(kind), text(options));
}

export async function waitForPhase(phase: string, options?: Obj): Promise<any> {
  return JSON.parse(await waitForPhaseHost(String(phase), text(options)));
}
export async function waitForDeleted(kind: string, options?: Obj): Promise<any> {
  return JSON.parse(await waitForDeletedHost(String(kind), text(options)));
}

export function createNamespace(name?: string, options?: Obj): Promise<string> {
  return createNamespaceHost(name, text(options));
}
export async function deleteNamespace(name: string, options?: Obj): Promise<boolean> {
  return !!(await deleteNamespaceHost(String(name), text(options)));
}

export function vmis(options?: Obj): Array<{ name: string; namespace: string; uid: string; phase: string; deleting: boolean }> {
  return JSON.parse(vmisHost(text(options)));
}
export function template(name: string): string {
  return templateHost(String(name));
}
export async function resync(): Promise<void> {
  await resyncHost();
}
