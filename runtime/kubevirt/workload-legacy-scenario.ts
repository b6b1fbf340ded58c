// The scenario that runs a workload file of the older perfscale-load-generator format (workload-legacy.ts) the way
// the tool's executor did (executor/executor.go, Run): the workloads one after the other; per workload
// iterationCount iterations, each of which
//   1. renders and creates every object × replicas, in order, creating each object's namespace first (labelled with
//      the run, as the tool labelled it with its run's UUID; once per namespace, where the tool POSTed it before
//      every object and got 409s), pausing after each create as the workload's qps/burst token bucket says
//      (golang.org/x/time/rate's Wait);
//   2. iterationCreationWait: waits up to maxWaitTimeout until the VMIs are Running (VMs: status.ready);
//   3. iterationCleanup: deletes the run's objects of the iteration's kinds and the namespaces the run created;
//      iterationDeletionWait: waits up to maxWaitTimeout per kind until they (their VMIs, the namespaces) are gone;
//   4. sleeps iterationInterval (after the last iteration too);
// then sleeps waitWhenFinished. globalConfig's qps/burst are the client's rate limit (options.k8s.qps/burst).
//
// One VU runs one loadgen iteration per workload iteration, inside group(<workload name>), so the summary counts
// them and the checks say which wait failed. Where the tool panicked (a failed create or wait) the run stops: the
// check fails (exit 99 through `checks: rate==1`), a failed creation wait first deletes the iteration as the tool
// did, and the remaining iterations do nothing.
import path from "node:path";
import { labelValue } from "../kube/labels.ts";
import type { LegacyWorkloadFile } from "./workload-legacy.ts";
import { CREATE_DEFAULT_VARS } from "./workload-template.ts";
import { WORKLOAD_LABEL } from "./workload-label.ts";
import { WORKLOAD_ERROR_JS, writeWorkloadScript, type WorkloadScript } from "./workload-script.ts";

/** client-go's rest.Config as the tool set it: QPS 0 means DefaultQPS (5), Burst 0 DefaultBurst (10), a negative QPS no limiter. */
export function clientRateLimit(qps: number, burst: number): { qps: number; burst: number } {
  if (qps < 0) return { qps: 0, burst: 1 }; // options.k8s: qps 0 = unlimited
  return { qps: qps === 0 ? 5 : qps, burst: burst === 0 ? 10 : burst };
}

// Owners first: deleting a VM (pool, replica set) takes its VMIs with it.
const DELETE_ORDER = ["VirtualMachinePool", "VirtualMachineInstanceReplicaSet", "VirtualMachine", "VirtualMachineInstance"];

/**
 * A bound on how long the workloads can take when every wait runs to its timeout, so the scenario's maxDuration
 * never cuts a legitimate run short; the waits, not maxDuration, are what end a stuck run.
 */
function maxDurationS(f: LegacyWorkloadFile): number {
  const client = clientRateLimit(f.qps, f.burst).qps;
  let total = 600;
  for (const w of f.workloads) {
    const creates = w.objects.reduce((n, o) => n + o.replicas, 0);
    const rates = [client, w.qps > 0 && w.burst >= 1 ? w.qps : 0].filter((r) => r > 0);
    const perRequestS = rates.length ? 1 / Math.min(...rates) : 0;
    const kinds = new Set(w.objects.map((o) => o.kind)).size;
    const maxWaitS = w.maxWaitTimeoutMs / 1000;
    const waits = (w.iterationCreationWait ? 2 : 0) + (w.iterationCleanup && w.iterationDeletionWait ? kinds + 2 : 0);
    const requests = creates * 2 + (w.iterationCleanup ? creates + 10 : 0);
    const perIteration = requests * (perRequestS + 0.1) + waits * maxWaitS + w.iterationIntervalMs / 1000 + 60;
    total += w.iterationCount * perIteration + w.waitWhenFinishedMs / 1000;
  }
  return Math.ceil(total);
}

/** The scenario that runs the workload file (or, with `delete`, deletes what it left). */
export function legacyWorkloadScenario(f: LegacyWorkloadFile, o: { delete: boolean }): string {
  const client = clientRateLimit(f.qps, f.burst);
  const config = {
    client,
    maxDurationS: maxDurationS(f),
    // kubevirt.cleanup deletes what a run leaves: right when every workload cleans up after itself anyway (an
    // interrupted or failed run then leaves nothing, as the tool's Ctrl-C handler did), wrong when one keeps its objects.
    cleanupAtEnd: f.workloads.every((w) => w.iterationCleanup),
    workloadSelector: `${WORKLOAD_LABEL} in (${[...new Set(f.workloads.map((w) => labelValue(w.name)))].join(",")})`,
    kinds: DELETE_ORDER.filter((k) => f.workloads.some((w) => w.objects.some((x) => x.kind === k))),
    createDefaults: CREATE_DEFAULT_VARS,
    workloads: f.workloads.map((w) => ({
      name: w.name,
      labels: { [WORKLOAD_LABEL]: labelValue(w.name) },
      iterationCount: w.iterationCount,
      iterationIntervalS: w.iterationIntervalMs / 1000,
      iterationCreationWait: w.iterationCreationWait,
      iterationCleanup: w.iterationCleanup,
      iterationDeletionWait: w.iterationDeletionWait,
      namespacedIterations: w.namespacedIterations,
      maxWaitTimeoutMs: w.maxWaitTimeoutMs,
      qps: w.qps,
      burst: w.burst,
      waitWhenFinishedS: w.waitWhenFinishedMs / 1000,
      kinds: DELETE_ORDER.filter((k) => w.objects.some((x) => x.kind === k)),
      objects: w.objects.map((x) => ({ kind: x.kind, replicas: x.replicas, vmisPerObject: x.vmisPerObject, inputVars: x.inputVars, template: x.template })),
    })),
  };
  const head = `// Generated by loadgen from a KubeVirt perfscale-load-generator workload file (globalConfig + workloads[])${o.delete ? ", --delete" : ""}.
import { check, group, sleep } from "loadgen";
import exec from "loadgen/execution";
import * as k8s from "loadgen/k8s";
import * as kubevirt from "loadgen/kubevirt";

const C = ${JSON.stringify(config, null, 2)};
`;
  if (o.delete) {
    return (
      head +
      `
// --delete: every object of these workloads (by their label, whatever run made them) and the namespaces they made.
export const options = {
  iterations: 1,
  k8s: { qps: C.client.qps, burst: C.client.burst },
  kubevirt: { cleanup: false },
  thresholds: { checks: ["rate==1"] },
};

export default async function () {
  const selector = { labelSelector: C.workloadSelector, concurrency: 20 };
  let deleted = 0;
  for (const kind of C.kinds) deleted += await kubevirt.deleteAll(kind, selector);
  const namespaces = await kubevirt.deleteAll("Namespace", selector);
  const left = [];
  for (const kind of [...C.kinds.filter((k) => k !== "VirtualMachineInstance"), "VirtualMachineInstance", "Namespace"]) {
    const r = await kubevirt.waitForDeleted(kind, { ...selector, timeout: "5m" });
    if (r.remaining > 0) left.push(r.remaining + " " + kind);
  }
  console.log("workloads " + C.workloads.map((w) => w.name).join(", ") + ": deleted " + deleted + " object(s) and " + namespaces + " namespace(s)" + (left.length ? "; left: " + left.join(", ") : ""));
  check(left, { "the workloads are deleted": (l) => l.length === 0 });
}
`
    );
  }
  return (
    head +
    `
// [workload index, iteration] per loadgen iteration; a workload of 0 iterations still waits when finished, as there.
const STEPS = [];
C.workloads.forEach((w, wi) => {
  for (let i = 1; i <= w.iterationCount; i++) STEPS.push([wi, i]);
  if (w.iterationCount === 0) STEPS.push([wi, 0]);
});

export const options = {
  scenarios: { workloads: { executor: "per-vu-iterations", vus: 1, iterations: STEPS.length, maxDuration: C.maxDurationS + "s" } },
  k8s: { qps: C.client.qps, burst: C.client.burst },
  kubevirt: { cleanup: C.cleanupAtEnd },
  thresholds: { vmi_creation_to_running_seconds: ["p(50)<=45", "p(95)<=60"], checks: ["rate==1"] },
};

// What the run has made and not cleaned up: namespaces created, VMIs that must be Running, VMs that must be Ready.
const namespaces = new Set();
let vmisExpected = 0;
let vmsExpected = 0;
// Set where the tool panicked: the iterations left do nothing.
let stopped = false;

${WORKLOAD_ERROR_JS}
/** golang.org/x/time/rate's Wait after each create: a token bucket that starts full; off unless qps > 0 and burst >= 1. */
function limiter(qps, burst) {
  if (!(qps > 0) || !(burst >= 1)) return async () => {};
  let tokens = burst;
  let last = Date.now();
  return async () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000) - 1;
    last = now;
    if (tokens < 0) await sleep(-tokens / qps);
  };
}
const limiters = C.workloads.map((w) => limiter(w.qps, w.burst));

/** The template variables of one object, as the tool made them (object/template.go). */
function varsFor(w, obj, iteration, replica) {
  const vars = { iteration, replica };
  for (const [k, v] of Object.entries(obj.inputVars)) vars[k] = k === "namespace" ? v + "-" + (w.namespacedIterations ? iteration : 1) : v;
  return vars;
}

/** The namespace an object goes to: the rendered template's, with create's defaults for variables the workload leaves out. */
function namespaceOf(obj, vars) {
  const all = { ...C.createDefaults };
  for (const [k, v] of Object.entries(vars)) if (!((k === "containerPrefix" || k === "containerTag") && v === "")) all[k] = v;
  return k8s.render(obj.template, all).metadata.namespace;
}

async function create(w, wi, iteration) {
  const made = new Set();
  for (const obj of w.objects) {
    for (let replica = 1; replica <= obj.replicas; replica++) {
      const vars = varsFor(w, obj, iteration, replica);
      const namespace = namespaceOf(obj, vars);
      if (!namespaces.has(namespace)) {
        await kubevirt.createNamespace(namespace, { labels: w.labels });
        namespaces.add(namespace);
      }
      try {
        await kubevirt.create(obj.template, { vars, labels: w.labels });
      } catch (e) {
        throw workloadError(e, "workload " + w.name + ": iteration " + iteration + ": " + obj.kind + " " + replica + " of " + obj.replicas + " in " + namespace);
      }
      made.add(namespace);
      // The VMIs of VMs, replica sets and pools carry the run's label too, so they are waited for with the rest; a
      // halted VM makes none and is never ready (the tool would wait for it until maxWaitTimeout; loadgen does not).
      vmisExpected += obj.vmisPerObject;
      if (obj.kind === "VirtualMachine" && obj.vmisPerObject > 0) vmsExpected++;
      await limiters[wi]();
    }
  }
  console.log("workload " + w.name + ": iteration " + iteration + ": created " + w.objects.map((o) => o.replicas + " " + o.kind).join(", ") + " in " + [...made].join(", "));
}

async function waitCreated(w, iteration) {
  const timeout = w.maxWaitTimeoutMs;
  let ok = true;
  if (vmisExpected > 0) {
    const up = await kubevirt.waitForPhase("Running", { count: vmisExpected, timeout });
    console.log("workload " + w.name + ": iteration " + iteration + ": " + up.reached + " of " + vmisExpected + " VMIs Running after " + (up.elapsedMs / 1000).toFixed(1) + " s");
    ok = check(up, { "iteration: every VMI reached Running": (r) => !r.timedOut }) && ok;
  }
  if (vmsExpected > 0) {
    let ready = false;
    try {
      const until = (vm) => vm.status?.ready === true && !vm.metadata?.deletionTimestamp;
      await k8s.waitFor("virtualmachines.kubevirt.io", { labelSelector: kubevirt.runSelector, until, count: vmsExpected, timeout });
      ready = true;
    } catch (e) {
      console.warn("workload " + w.name + ": iteration " + iteration + ": " + e.message);
    }
    ok = check(ready, { "iteration: every VM is ready": (r) => r }) && ok;
  }
  return ok;
}

/** Deletes the run's objects of the workload's kinds and the run's namespaces (executor.go, cleanUp). */
async function cleanUp(w) {
  for (const kind of w.kinds) await kubevirt.deleteAll(kind, { labelSelector: kubevirt.runSelector, concurrency: 20 });
  await kubevirt.deleteAll("Namespace", { labelSelector: kubevirt.runSelector, concurrency: 20 });
  namespaces.clear();
  vmisExpected = 0;
  vmsExpected = 0;
}

async function waitDeleted(w, iteration) {
  const timeout = w.maxWaitTimeoutMs;
  const left = [];
  for (const kind of w.kinds) {
    if (kind === "VirtualMachineInstance") continue;
    const r = await kubevirt.waitForDeleted(kind, { labelSelector: kubevirt.runSelector, timeout });
    if (r.remaining > 0) left.push(r.remaining + " " + kind);
  }
  // Every VMI of the run, followed by the phase tracker's watch: the VMIs of VMs, replica sets and pools too.
  const vmis = await kubevirt.waitForDeleted("VirtualMachineInstance", { timeout });
  if (vmis.remaining > 0) left.push(vmis.remaining + " VirtualMachineInstance");
  const ns = await kubevirt.waitForDeleted("Namespace", { labelSelector: kubevirt.runSelector, timeout });
  if (ns.remaining > 0) left.push(ns.remaining + " Namespace");
  console.log("workload " + w.name + ": iteration " + iteration + ": cleaned up" + (left.length ? "; still there after " + timeout / 1000 + " s: " + left.join(", ") : ""));
  return check(left, { "iteration: everything deleted": (l) => l.length === 0 });
}

async function iterate(w, wi, iteration) {
  try {
    await create(w, wi, iteration);
  } catch (e) {
    stopped = true;
    check(false, { "iteration: objects created": (x) => x });
    throw e;
  }
  check(true, { "iteration: objects created": (x) => x });
  if (w.iterationCreationWait && !(await waitCreated(w, iteration))) {
    stopped = true;
    await cleanUp(w);
    return;
  }
  if (w.iterationCleanup) {
    await cleanUp(w);
    if (w.iterationDeletionWait && !(await waitDeleted(w, iteration))) {
      stopped = true;
      return;
    }
  }
  if (w.iterationIntervalS > 0) await sleep(w.iterationIntervalS);
}

export default async function () {
  const step = STEPS[exec.scenario.iterationInTest];
  if (stopped || step === undefined) return;
  const [wi, iteration] = step;
  const w = C.workloads[wi];
  await group(w.name, async () => {
    if (iteration > 0) await iterate(w, wi, iteration);
    if (!stopped && iteration >= w.iterationCount && w.waitWhenFinishedS > 0) await sleep(w.waitWhenFinishedS);
  });
}
`
  );
}

/** Writes the scenario of the workload file (or, with `del`, the one that deletes what it left) to a temporary folder, named after the file. */
export function legacyWorkloadScript(f: LegacyWorkloadFile, file: string, del: boolean): WorkloadScript {
  const name = labelValue(path.basename(file).replace(/\.ya?ml$/i, ""));
  return writeWorkloadScript(file, `${name}${del ? "-delete" : ""}`, legacyWorkloadScenario(f, { delete: del }));
}
