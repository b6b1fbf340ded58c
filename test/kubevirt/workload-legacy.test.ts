// The older perfscale-load-generator workload format (globalConfig + workloads[]) on the local cluster, through the
// CLI (`npm run build` first): the tool's default workload kubevirt-density.yaml runs unchanged; iterations create
// every object × replicas, one namespace per iteration with namespacedIterations, and leave them without
// iterationCleanup (`--delete` removes them); iterationCleanup + iterationDeletionWait leave nothing; a creation
// wait that times out stops the run as the tool's panic did.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig, CustomObjectsApi, CoreV1Api } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { repoRoot, runCli } from "../fixtures/run-scenario.ts";

const DENSITY = "test/fixtures/kubevirt/kubevirt-density/kubevirt-density.yaml";
const TEMPLATES: Record<string, string> = {
  "vmi-ephemeral.yaml": readFileSync(path.join(repoRoot, "test/fixtures/kubevirt/kubevirt-density/templates/vmi-ephemeral.yaml"), "utf8"),
  "vm-ephemeral.yaml": readFileSync(path.join(repoRoot, "stdlib/kubevirt/templates/vm-ephemeral.yaml"), "utf8"),
  "vmirs-ephemeral.yaml": readFileSync(path.join(repoRoot, "stdlib/kubevirt/templates/vmirs-ephemeral.yaml"), "utf8"),
};

function workloadDir(workload: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-kv-legacy-"));
  mkdirSync(path.join(dir, "templates"));
  for (const [name, text] of Object.entries(TEMPLATES)) writeFileSync(path.join(dir, "templates", name), text);
  writeFileSync(path.join(dir, "workload.yaml"), workload);
  return dir;
}

async function kubeConfig(): Promise<KubeConfig> {
  const kc = new KubeConfig();
  kc.loadFromFile((await useLocalCluster()).kubeconfig);
  return kc;
}

type Obj = { metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string }; status?: { phase?: string; ready?: boolean } };

async function kubevirtObjects(plural: string, o: { namespace?: string; labelSelector?: string }): Promise<Obj[]> {
  const api = (await kubeConfig()).makeApiClient(CustomObjectsApi);
  const list = (o.namespace
    ? await api.listNamespacedCustomObject({ group: "kubevirt.io", version: "v1", plural, namespace: o.namespace, labelSelector: o.labelSelector })
    : await api.listClusterCustomObject({ group: "kubevirt.io", version: "v1", plural, labelSelector: o.labelSelector })) as { items: Obj[] };
  return list.items;
}

async function namespaces(labelSelector: string): Promise<string[]> {
  const list = await (await kubeConfig()).makeApiClient(CoreV1Api).listNamespace({ labelSelector });
  return list.items.filter((n) => n.status?.phase !== "Terminating").map((n) => n.metadata!.name!);
}

async function namespaceGone(name: string, waitMs = 0): Promise<boolean> {
  const api = (await kubeConfig()).makeApiClient(CoreV1Api);
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      await api.readNamespace({ name });
    } catch {
      return true;
    }
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Samples of `metric` in a --out json file whose tags include `tags`. */
function points(file: string, metric: string, tags: Record<string, string> = {}): number {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type: string; metric: string; data: { tags?: Record<string, string> } })
    .filter((p) => p.type === "Point" && p.metric === metric && Object.entries(tags).every(([k, v]) => p.data.tags?.[k] === v)).length;
}

/** The run id from the "loadgen: run <id>: <file>, scenarios: ..." line. */
function runIdOf(stderr: string, file: string): string {
  const m = new RegExp(`^loadgen: run (\\S+): ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, scenarios: workloads \\(per-vu-iterations\\)$`, "m").exec(stderr);
  assert.ok(m, `the run line names the workload file ${file}:\n${stderr}`);
  return m![1]!;
}

test("the tool's kubevirt-density.yaml runs unchanged: 100 VMIs in kubevirt-density-1, all Running, then deleted with their namespace", async () => {
  const { kubeconfig } = await useLocalCluster();
  // A leftover of an interrupted earlier run would not be the run's namespace, and would stay.
  if (!(await namespaceGone("kubevirt-density-1"))) {
    await (await kubeConfig()).makeApiClient(CoreV1Api).deleteNamespace({ name: "kubevirt-density-1" });
    assert.ok(await namespaceGone("kubevirt-density-1", 120_000), "an old kubevirt-density-1 went away first");
  }
  const out = mkdtempSync(path.join(os.tmpdir(), "loadgen-kv-legacy-"));
  const summary = path.join(out, "summary.json");
  const samples = path.join(out, "samples.ndjson");
  const run = await runCli(["run", "--kubeconfig", kubeconfig, "--summary-export", summary, "--out", `json=${samples}`, DENSITY], { timeoutMs: 300_000 });
  assert.is(run.exitCode, 0, run.stderr + run.stdout);
  const runId = runIdOf(run.stderr, DENSITY);
  assert.not.match(run.stderr + run.stdout, /loadgen-kubevirt-workload-/, "the generated scenario's folder is never shown");
  assert.match(run.stderr, /workload kubevirt-density-100: iteration 1: created 100 VirtualMachineInstance in kubevirt-density-1  \(vu 1\)\n/);
  assert.match(run.stderr, /workload kubevirt-density-100: iteration 1: 100 of 100 VMIs Running after/);
  assert.match(run.stderr, /workload kubevirt-density-100: iteration 1: cleaned up  \(vu 1\)\n/);
  assert.match(run.stdout, /KubeVirt: objects created/);
  assert.match(run.stdout, /KubeVirt: VMI phase transitions/);
  assert.match(run.stdout, /KubeVirt: Kubernetes REST calls/);
  const s = JSON.parse(readFileSync(summary, "utf8"));
  const ext = s.extensions["loadgen/kubevirt"].data;
  assert.is(ext.creation.VirtualMachineInstance.count, 100);
  assert.is(ext.phases.Running.count, 100);
  const vmis = { group: "kubevirt.io", resource: "virtualmachineinstances" };
  assert.is(points(samples, "k8s_requests", { ...vmis, verb: "create" }), 100);
  assert.is(points(samples, "k8s_requests", { resource: "namespaces", verb: "create" }), 1, "one namespace for the iteration");
  assert.is(points(samples, "k8s_requests", { ...vmis, verb: "delete" }), 100, "the iteration's cleanup deletes every VMI");
  assert.is(points(samples, "k8s_requests", { resource: "namespaces", verb: "delete" }), 1, "and the namespace");
  assert.is(points(samples, "vmi_deletion_seconds"), 100, "every VMI seen gone");
  assert.is(s.metrics.iterations.values.count, 1);
  assert.equal([s.metrics.checks.values.passes, s.metrics.checks.values.fails], [3, 0], "created, Running, deleted");
  assert.ok(await namespaceGone("kubevirt-density-1"), "the namespace the run created is gone when it ends");
  assert.is((await kubevirtObjects("virtualmachineinstances", { labelSelector: `loadgen.io/run=${runId}` })).length, 0);
});

test("iterations × objects × replicas, one namespace per iteration, left in place without iterationCleanup; --delete removes them", async () => {
  const { kubeconfig } = await useLocalCluster();
  const ns = `kv-legacy-it-${Date.now().toString(36)}`;
  const dir = workloadDir(`globalConfig:
  qps: 100
  burst: 100
workloads:
  - name: legacy-iterations
    iterationCount: 3
    iterationInterval: 0
    iterationCreationWait: true
    iterationCleanup: false
    namespacedIterations: true
    maxWaitTimeout: 2m
    qps: 0
    burst: 0
    objects:
      - templateFile: templates/vmi-ephemeral.yaml
        replicas: 4
        inputVars: {containerPrefix: "", containerImg: cirros-container-disk-demo, containerTag: "", namespace: ${ns}}
      - templateFile: templates/vm-ephemeral.yaml
        replicas: 2
        inputVars: {namespace: ${ns}}
`);
  const file = path.join(dir, "workload.yaml");
  const summary = path.join(dir, "summary.json");
  const samples = path.join(dir, "samples.ndjson");
  const run = await runCli(["run", "--kubeconfig", kubeconfig, "--summary-export", summary, "--out", `json=${samples}`, file], { timeoutMs: 180_000 });
  assert.is(run.exitCode, 0, run.stderr + run.stdout);
  runIdOf(run.stderr, file);
  assert.is(points(samples, "k8s_requests", { resource: "namespaces", verb: "create" }), 3, "one namespace per iteration");
  assert.is(points(samples, "k8s_requests", { verb: "delete" }), 0, "nothing deleted without iterationCleanup");
  const s = JSON.parse(readFileSync(summary, "utf8"));
  const ext = s.extensions["loadgen/kubevirt"].data;
  assert.is(ext.creation.VirtualMachineInstance.count, 12, "4 VMIs per iteration");
  assert.is(ext.creation.VirtualMachine.count, 6, "2 VMs per iteration");
  assert.is(s.metrics.iterations.values.count, 3);
  assert.equal([s.metrics.checks.values.passes, s.metrics.checks.values.fails], [9, 0], "per iteration: created, VMIs Running, VMs ready");
  assert.equal((await namespaces("loadgen.io/workload=legacy-iterations")).filter((n) => n.startsWith(ns)).sort(), [`${ns}-1`, `${ns}-2`, `${ns}-3`]);
  for (const i of [1, 2, 3]) {
    const vmis = await kubevirtObjects("virtualmachineinstances", { namespace: `${ns}-${i}` });
    const expected = [1, 2, 3, 4].map((r) => `kubevirt-density-${i}-${r}`).concat([1, 2].map((r) => `kubevirt-vm-${i}-${r}`));
    assert.equal(vmis.map((v) => v.metadata.name).sort(), expected.sort(), `iteration ${i}: its VMIs (and its VMs' VMIs), named by iteration and replica`);
    assert.ok(vmis.every((v) => v.status?.phase === "Running" && v.metadata.labels?.["loadgen.io/workload"] === "legacy-iterations"));
    const vms = await kubevirtObjects("virtualmachines", { namespace: `${ns}-${i}` });
    assert.equal(vms.map((v) => v.metadata.name).sort(), [`kubevirt-vm-${i}-1`, `kubevirt-vm-${i}-2`]);
    assert.ok(vms.every((v) => v.status?.ready === true));
  }

  const del = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--delete", file], { timeoutMs: 180_000 });
  assert.is(del.exitCode, 0, del.stderr + del.stdout);
  assert.match(del.stderr, /workloads legacy-iterations: deleted \d+ object\(s\) and 3 namespace\(s\)  \(vu 1\)\n/);
  for (const i of [1, 2, 3]) assert.ok(await namespaceGone(`${ns}-${i}`, 60_000), `${ns}-${i} deleted`);
  assert.is((await kubevirtObjects("virtualmachineinstances", { labelSelector: "loadgen.io/workload=legacy-iterations" })).filter((v) => v.metadata.namespace?.startsWith(ns)).length, 0);
  assert.is((await kubevirtObjects("virtualmachines", { labelSelector: "loadgen.io/workload=legacy-iterations" })).filter((v) => v.metadata.namespace?.startsWith(ns)).length, 0);
});

test("iterationCleanup + iterationDeletionWait: each iteration creates its objects in <namespace>-1 and leaves nothing", async () => {
  const { kubeconfig } = await useLocalCluster();
  const ns = `kv-legacy-cl-${Date.now().toString(36)}`;
  const dir = workloadDir(`globalConfig: {qps: -1, burst: 0}
workloads:
  - name: legacy-cleanup
    iterationCount: 2
    iterationInterval: 1s
    iterationCreationWait: true
    iterationCleanup: true
    iterationDeletionWait: true
    namespacedIterations: false
    maxWaitTimeout: 2m
    qps: 50
    burst: 5
    waitWhenFinished: 1s
    objects:
      - templateFile: templates/vmi-ephemeral.yaml
        replicas: 5
        inputVars: {containerPrefix: "", containerImg: cirros-container-disk-demo, containerTag: "", namespace: ${ns}}
`);
  const file = path.join(dir, "workload.yaml");
  const summary = path.join(dir, "summary.json");
  const samples = path.join(dir, "samples.ndjson");
  const run = await runCli(["run", "--kubeconfig", kubeconfig, "--summary-export", summary, "--out", `json=${samples}`, file], { timeoutMs: 180_000 });
  assert.is(run.exitCode, 0, run.stderr + run.stdout);
  const runId = runIdOf(run.stderr, file);
  for (const i of [1, 2]) {
    assert.match(run.stderr, new RegExp(`workload legacy-cleanup: iteration ${i}: created 5 VirtualMachineInstance in ${ns}-1  \\(vu 1\\)\\n`));
    assert.match(run.stderr, new RegExp(`workload legacy-cleanup: iteration ${i}: cleaned up  \\(vu 1\\)\\n`));
  }
  const s = JSON.parse(readFileSync(summary, "utf8"));
  assert.is(s.extensions["loadgen/kubevirt"].data.creation.VirtualMachineInstance.count, 10);
  assert.is(points(samples, "k8s_requests", { resource: "virtualmachineinstances", verb: "delete" }), 10, "each iteration deletes its VMIs");
  assert.is(points(samples, "vmi_deletion_seconds"), 10, "and sees them gone");
  assert.is(points(samples, "k8s_requests", { resource: "namespaces", verb: "create" }), 2, "the namespace again for iteration 2: iteration 1 deleted it");
  assert.is(points(samples, "k8s_requests", { resource: "namespaces", verb: "delete" }), 2);
  assert.equal([s.metrics.checks.values.passes, s.metrics.checks.values.fails], [6, 0]);
  assert.ok(await namespaceGone(`${ns}-1`));
  assert.is((await kubevirtObjects("virtualmachineinstances", { labelSelector: `loadgen.io/run=${runId}` })).length, 0);
  assert.equal(await namespaces(`loadgen.io/run=${runId}`), []);
});

test("a creation wait that times out stops the run as the tool's panic did: that iteration is deleted, the rest do nothing, exit 99", async () => {
  const { kubeconfig } = await useLocalCluster();
  const ns = `kv-legacy-st-${Date.now().toString(36)}`;
  // The local cluster plays no VMI replica set controller: its VMIs never come.
  const dir = workloadDir(`workloads:
  - name: legacy-stuck
    iterationCount: 3
    iterationCreationWait: true
    maxWaitTimeout: 3s
    objects:
      - templateFile: templates/vmirs-ephemeral.yaml
        replicas: 1
        inputVars: {namespace: ${ns}}
`);
  const file = path.join(dir, "workload.yaml");
  const summary = path.join(dir, "summary.json");
  const run = await runCli(["run", "--kubeconfig", kubeconfig, "--summary-export", summary, file], { timeoutMs: 120_000 });
  assert.is(run.exitCode, 99, run.stderr + run.stdout);
  const runId = runIdOf(run.stderr, file);
  assert.match(run.stderr, /VMIs reached Running within 3s/);
  assert.match(run.stderr, /thresholds failed: .*checks/);
  const s = JSON.parse(readFileSync(summary, "utf8"));
  assert.is(s.extensions["loadgen/kubevirt"].data.creation.VirtualMachineInstanceReplicaSet.count, 1, "iterations 2 and 3 created nothing");
  assert.is(s.metrics.iterations.values.count, 3);
  assert.equal([s.metrics.checks.values.passes, s.metrics.checks.values.fails], [1, 1], "created; not Running");
  assert.ok(await namespaceGone(`${ns}-1`, 60_000), "the failed iteration was cleaned up");
  assert.is((await kubevirtObjects("virtualmachineinstancereplicasets", { labelSelector: `loadgen.io/run=${runId}` })).length, 0);
});

test.run();
