// KubeVirt perfscale-load-generator workloads (`tools/perfscale-load-generator` in kubevirt/kubevirt):
//
//   name: kubevirt-density          # the workload; its objects carry loadgen.io/workload=<name>
//   timeout: 5m                     # per wait; for steady-state also how long it churns (values <= 30s mean 5m, as there)
//   count: 100                      # objects to create
//   type: burst | steady-state      # burst: create count, wait until they run; steady-state: then churn until timeout
//   churn: 5                        # steady-state: objects deleted and recreated per round
//   minChurnSleep: 20s              # steady-state: pause between rounds (default 20s)
//   object:
//     templateFile: templates/vmi-ephemeral.yaml   # relative to the workload file
//     inputVars: {containerPrefix: "", containerImg: cirros-container-disk-demo, containerTag: "", namespace: kubevirt-density}
//
// `loadgen run workload.yaml` turns it into a scenario on loadgen/kubevirt and runs that through the normal engine,
// so thresholds (creation → Running p50 ≤ 45 s, p95 ≤ 60 s), the summary and its KubeVirt tables work as for any
// scenario. As with the tool, the objects stay after the run; `loadgen run workload.yaml --delete` deletes them (every
// object with the workload's label, and the namespace if loadgen created it) and waits until they are gone.
//
// The older format of the tool (globalConfig + workloads[], iterations) is read by workload-legacy.ts and run by
// workload-legacy-scenario.ts. `loadgen run` tells the formats apart in runtime/formats/.
//
// Layer: runtime/kubevirt is the host-side library behind the KubeVirt input formats. It may import runtime/errors,
// runtime/bundle, runtime/metrics (durations) and the Kubernetes client library (labels, templates); not the CLI,
// runtime/formats, runtime/execution, or any stdlib module's guest shim or host binding.
import { readFileSync } from "node:fs";
import path from "node:path";
import { InvalidOptionsError } from "../errors.ts";
import { labelValue } from "../kube/labels.ts";
import { parseGoDuration } from "../metrics/go-duration.ts";
import { WORKLOAD_LABEL } from "./workload-label.ts";
import { WORKLOAD_ERROR_JS, writeWorkloadScript, type WorkloadScript } from "./workload-script.ts";
import { sampleTemplate } from "./workload-template.ts";

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MIN_CHURN_SLEEP_MS = 20_000;

/** A parsed workload, ready to become a scenario. */
export interface Workload {
  readonly name: string;
  readonly type: "burst" | "steady-state";
  readonly count: number;
  readonly churn: number;
  readonly timeoutMs: number;
  readonly minChurnSleepMs: number;
  readonly templateFile: string;
  readonly template: string;
  readonly inputVars: Readonly<Record<string, unknown>>;
  /** What the template makes, and how many VMIs one object stands for. */
  readonly kind: string;
  readonly vmisPerObject: number;
  readonly namespace: string;
}

/** Is this YAML document a perfscale workload (rather than a kperf profile)? */
export function isKubevirtWorkload(doc: unknown): boolean {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  return typeof d.object === "object" && d.object !== null && ("count" in d || "type" in d) && !("spec" in d) && !("specs" in d);
}

/**
 * Reads and checks a workload.
 * @throws {InvalidOptionsError} naming every field that is wrong, or a template that does not render.
 */
export function parseWorkload(doc: unknown, file: string): Workload {
  const d = doc as Record<string, unknown>;
  const problems: string[] = [];
  const name = typeof d.name === "string" && d.name !== "" ? d.name : (problems.push(`name: required, a string`), "workload");
  const type = d.type === undefined ? "burst" : d.type;
  if (type !== "burst" && type !== "steady-state") problems.push(`type: "burst" or "steady-state", got ${JSON.stringify(d.type)}`);
  const int = (key: string, def: number | undefined): number => {
    const v = d[key];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      problems.push(`${key}: a whole number >= 0, got ${JSON.stringify(v)}`);
      return def ?? 0;
    }
    return v;
  };
  const count = int("count", undefined);
  const churn = int("churn", 0);
  if (type === "steady-state" && churn > count) problems.push(`churn: at most count (${count}), got ${churn}`);
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  let minChurnSleepMs = DEFAULT_MIN_CHURN_SLEEP_MS;
  try {
    if (d.timeout !== undefined) timeoutMs = parseGoDuration(d.timeout, "timeout");
  } catch (e) {
    problems.push((e as Error).message);
  }
  // perfscale-load-generator: a timeout of 30s or less means the default.
  if (timeoutMs <= 30_000) timeoutMs = DEFAULT_TIMEOUT_MS;
  try {
    if (d.minChurnSleep !== undefined) minChurnSleepMs = parseGoDuration(d.minChurnSleep, "minChurnSleep");
  } catch (e) {
    problems.push((e as Error).message);
  }
  const object = d.object as Record<string, unknown>;
  const inputVars = object.inputVars ?? {};
  if (inputVars === null || typeof inputVars !== "object" || Array.isArray(inputVars)) problems.push("object.inputVars: a mapping of variables");
  let templateFile = "";
  let template = "";
  if (typeof object.templateFile !== "string" || object.templateFile === "") problems.push("object.templateFile: required, a path relative to the workload file");
  else {
    templateFile = path.resolve(path.dirname(file), object.templateFile);
    try {
      template = readFileSync(templateFile, "utf8");
    } catch (e) {
      problems.push(`object.templateFile: cannot read ${templateFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (problems.length > 0) throw new InvalidOptionsError(problems, file);
  const sample = sampleTemplate(template, inputVars as Record<string, unknown>, "object.templateFile", templateFile, file);
  const { kind, vmisPerObject } = sample;
  const namespace = sample.namespace ?? String((inputVars as Record<string, unknown>).namespace ?? "default");
  return { name, type: type as Workload["type"], count, churn, timeoutMs, minChurnSleepMs, templateFile, template, inputVars: inputVars as Record<string, unknown>, kind, vmisPerObject, namespace };
}

/** The scenario that does what the workload says (or deletes it). */
export function workloadScenario(w: Workload, o: { delete: boolean }): string {
  const config = {
    name: w.name,
    type: w.type,
    count: w.count,
    churn: w.churn,
    timeoutS: w.timeoutMs / 1000,
    minChurnSleepS: w.minChurnSleepMs / 1000,
    kind: w.kind,
    expectedVmis: w.count * w.vmisPerObject,
    namespace: w.namespace,
    template: w.template,
    inputVars: w.inputVars,
    labels: { [WORKLOAD_LABEL]: labelValue(w.name) },
    selector: `${WORKLOAD_LABEL}=${labelValue(w.name)}`,
  };
  const head = `// Generated by loadgen from ${w.templateFile ? "a KubeVirt perfscale workload" : "a workload"} "${w.name}" (${w.type}${o.delete ? ", --delete" : ""}).
import { check, sleep } from "loadgen";
import { Trend } from "loadgen/metrics";
import * as kubevirt from "loadgen/kubevirt";

const W = ${JSON.stringify(config, null, 2)};
const VUS = Number(__ENV.VUS ?? 1);
const timeout = W.timeoutS + "s";
`;
  if (o.delete) {
    return (
      head +
      `
export const options = {
  iterations: 1,
  teardownTimeout: "60s",
  kubevirt: { cleanup: false },
  thresholds: { checks: ["rate==1"] },
};

export default async function () {
  const selector = { namespace: W.namespace, labelSelector: W.selector, concurrency: 20, timeout };
  const deleted = await kubevirt.deleteAll(W.kind, selector);
  const gone = await kubevirt.waitForDeleted(W.kind, selector);
  const vmis = await kubevirt.waitForDeleted("VirtualMachineInstance", selector);
  console.log("workload " + W.name + ": deleted " + deleted + " " + W.kind + "(s); gone after " + (gone.elapsedMs / 1000).toFixed(1) + " s");
  check({ gone, vmis }, { "the workload is deleted": (r) => r.gone.remaining === 0 && r.vmis.remaining === 0 });
  // The namespace goes too when loadgen created it for this workload (it carries the workload's label).
  await kubevirt.deleteAll("Namespace", { labelSelector: W.selector });
}
`
    );
  }
  const common = `
${WORKLOAD_ERROR_JS}
async function createOne() {
  try {
    await kubevirt.create(W.template, { namespace: W.namespace, vars: W.inputVars, labels: W.labels });
  } catch (e) {
    throw workloadError(e, "workload " + W.name + ": creating a " + W.kind);
  }
}
`;
  if (w.type === "burst") {
    return (
      head +
      `
export const options = {
  scenarios: { burst: { executor: "shared-iterations", vus: Math.max(1, Math.min(VUS, W.count)), iterations: W.count, maxDuration: timeout } },
  teardownTimeout: (W.timeoutS + 60) + "s",
  // As with perfscale-load-generator, the workload stays after the run: \`--delete\` removes it.
  kubevirt: { cleanup: false },
  thresholds: { vmi_creation_to_running_seconds: ["p(50)<=45", "p(95)<=60"], checks: ["rate==1"] },
};
${common}
export async function setup() {
  await kubevirt.createNamespace(W.namespace, { labels: W.labels });
}

export default async function () {
  let ok = false;
  try {
    await createOne();
    ok = true;
  } finally {
    check(ok, { "object created": (x) => x });
  }
}

export async function teardown() {
  const up = await kubevirt.waitForPhase("Running", { namespace: W.namespace, count: W.expectedVmis, timeout });
  console.log("workload " + W.name + ": " + up.reached + " of " + W.expectedVmis + " VMIs Running after " + (up.elapsedMs / 1000).toFixed(1) + " s of waiting");
  check(up, { "every VMI reached Running": (r) => !r.timedOut });
}
`
    );
  }
  return (
    head +
    `
// steady-state: ramp up to count, then churn until the timeout: sleep minChurnSleep, delete churn objects and wait
// until they are gone, recreate them and wait until count VMIs run again (vmi_churn_recovery_seconds).
const recovery = new Trend("vmi_churn_recovery_seconds");

export const options = {
  scenarios: { churn: { executor: "constant-vus", vus: 1, duration: timeout, gracefulStop: timeout } },
  setupTimeout: (W.timeoutS + 120) + "s",
  kubevirt: { cleanup: false },
  thresholds: { vmi_creation_to_running_seconds: ["p(50)<=45", "p(95)<=60"], checks: ["rate==1"] },
};
${common}
export async function setup() {
  await kubevirt.createNamespace(W.namespace, { labels: W.labels });
  for (let i = 0; i < W.count; i++) await createOne();
  const up = await kubevirt.waitForPhase("Running", { namespace: W.namespace, count: W.expectedVmis, timeout });
  check(up, { "ramp-up: every VMI reached Running": (r) => !r.timedOut });
}

export default async function () {
  await sleep(W.minChurnSleepS);
  if (W.churn === 0) return;
  const started = Date.now();
  const victims = kubevirt.vmis({ namespace: W.namespace, phase: "Running" }).slice(0, W.churn);
  for (const v of victims) await kubevirt.delete("VirtualMachineInstance", v.name, { namespace: W.namespace });
  for (let i = 0; i < victims.length; i++) await createOne();
  const back = await kubevirt.waitForPhase("Running", { namespace: W.namespace, count: W.expectedVmis, timeout });
  if (!back.timedOut) recovery.add((Date.now() - started) / 1000);
  check(back, { "back to count Running VMIs": (r) => !r.timedOut });
}
`
  );
}

/** Writes the scenario of `w` (or, with `del`, the one that deletes it) to a temporary folder, named after the workload. */
export function workloadScript(w: Workload, file: string, del: boolean): WorkloadScript {
  return writeWorkloadScript(file, `${labelValue(w.name)}${del ? "-delete" : ""}`, workloadScenario(w, { delete: del }));
}
