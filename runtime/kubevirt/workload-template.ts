// A workload's object template, checked before anything is created: rendered once with the variables of its first
// object, so an undefined variable or broken YAML is reported with the template's name (and line) and the run never
// starts half-way; and what it makes (kind, VMIs per object, namespace) is read from that sample.
import path from "node:path";
import { InvalidOptionsError } from "../errors.ts";
import { renderTemplate } from "../kube/template.ts";

/** What a workload may create: the kinds loadgen/kubevirt follows. */
export const WORKLOAD_KINDS: readonly string[] = ["VirtualMachineInstance", "VirtualMachine", "VirtualMachineInstanceReplicaSet", "VirtualMachinePool"];

/**
 * The values loadgen/kubevirt's create fills in for variables a workload leaves out (stdlib/kubevirt/host.ts); an
 * empty containerPrefix or containerTag means these too, as perfscale-load-generator's flag defaults did. A render
 * outside create (the sample here, a namespace lookup in a generated scenario) needs the same to agree with it.
 */
export const CREATE_DEFAULT_VARS: Readonly<Record<string, unknown>> = {
  containerPrefix: "quay.io/kubevirt",
  containerImg: "cirros-container-disk-demo",
  containerTag: "latest",
  runStrategy: "Always",
  replicas: 1,
};

/** `vars` over the create defaults, with an empty containerPrefix/containerTag meaning the default. */
export function withCreateDefaults(vars: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...CREATE_DEFAULT_VARS, iteration: 1, replica: 1 };
  for (const [k, v] of Object.entries(vars)) if (!((k === "containerPrefix" || k === "containerTag") && v === "")) out[k] = v;
  return out;
}

/** What one rendering of a template makes. */
export interface TemplateSample {
  readonly kind: string;
  /** VMIs one object stands for: spec.replicas of a replica set or pool, 1 for a VMI or a VM that runs, 0 for a halted VM. */
  readonly vmisPerObject: number;
  /** metadata.namespace of the rendered object, if it has one. */
  readonly namespace: string | undefined;
}

/**
 * Renders `template` with `vars` (over the create defaults) and checks it makes one object of a {@link WORKLOAD_KINDS} kind.
 * @param field the workload field that names the template, e.g. `object.templateFile`.
 * @throws {InvalidOptionsError} naming `field`, the template file (and the line, for YAML that does not parse), in `file`.
 */
export function sampleTemplate(template: string, vars: Readonly<Record<string, unknown>>, field: string, templateFile: string, file: string): TemplateSample {
  let sample: Record<string, unknown>;
  try {
    const docs = renderTemplate(template, withCreateDefaults(vars));
    if (docs.length !== 1) throw new Error(`expected one object, got ${docs.length}`);
    sample = docs[0]!;
  } catch (e) {
    throw new InvalidOptionsError([`${field} ${path.relative(process.cwd(), templateFile)}: ${(e as Error).message}`], file);
  }
  const kind = typeof sample.kind === "string" ? sample.kind : "";
  if (!WORKLOAD_KINDS.includes(kind)) throw new InvalidOptionsError([`${field}: makes a ${kind || "object without a kind"}; a workload creates ${WORKLOAD_KINDS.join(", ")}`], file);
  const spec = (sample.spec ?? {}) as { replicas?: unknown; runStrategy?: unknown; running?: unknown };
  const replicas = Number(spec.replicas ?? 1);
  let vmisPerObject = 1;
  if (kind === "VirtualMachineInstanceReplicaSet" || kind === "VirtualMachinePool") vmisPerObject = Number.isInteger(replicas) ? replicas : 1;
  // A VM makes its VMI only when it is to run (runStrategy Always, RerunOnFailure or Once; the older running: true).
  if (kind === "VirtualMachine") vmisPerObject = ["Always", "RerunOnFailure", "Once"].includes(String(spec.runStrategy)) || spec.running === true ? 1 : 0;
  const ns = (sample.metadata as { namespace?: unknown } | undefined)?.namespace;
  return { kind, vmisPerObject, namespace: ns === undefined || ns === null || ns === "" ? undefined : String(ns) };
}
