// KubeVirt perfscale-load-generator workloads through the CLI (`npm run build` first, as `npm test` does):
// `loadgen run workload.yaml` creates the objects, waits until they run and leaves them, as the tool did;
// `--delete` removes them; a steady-state workload churns; a broken workload names its field or template line.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig, CustomObjectsApi, CoreV1Api } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { repoRoot, runCli } from "../fixtures/run-scenario.ts";

const VMI_TEMPLATE = readFileSync(path.join(repoRoot, "stdlib/kubevirt/templates/vmi-ephemeral.yaml"), "utf8");

function workloadDir(workload: string, template = VMI_TEMPLATE): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-kv-workload-"));
  mkdirSync(path.join(dir, "templates"));
  writeFileSync(path.join(dir, "templates", "vmi-ephemeral.yaml"), template);
  writeFileSync(path.join(dir, "workload.yaml"), workload);
  return dir;
}

async function vmisIn(namespace: string): Promise<Array<{ metadata: { name: string; labels?: Record<string, string> }; status?: { phase?: string } }>> {
  const kc = new KubeConfig();
  kc.loadFromFile((await useLocalCluster()).kubeconfig);
  const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances", namespace })) as { items: any[] };
  return list.items;
}

async function namespaceExists(name: string): Promise<boolean> {
  const kc = new KubeConfig();
  kc.loadFromFile((await useLocalCluster()).kubeconfig);
  try {
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name });
    return ns.status?.phase !== "Terminating";
  } catch {
    return false;
  }
}

test("a burst workload runs (objects created, Running, left in place) and --delete deletes it", async () => {
  const { kubeconfig } = await useLocalCluster();
  const ns = `kv-wl-burst-${Date.now().toString(36)}`;
  const dir = workloadDir(`name: kubevirt-burst-test
timeout: 5m
count: 10
type: burst
object:
  templateFile: templates/vmi-ephemeral.yaml
  inputVars:
    containerPrefix: ""
    containerImg: cirros-container-disk-demo
    containerTag: ""
    namespace: ${ns}
`);
  const summary = path.join(dir, "summary.json");
  const run = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--summary-export", summary, path.join(dir, "workload.yaml")], { timeoutMs: 120_000 });
  assert.is(run.exitCode, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /KubeVirt: objects created/);
  assert.match(run.stdout, /KubeVirt: VMI phase transitions/);
  assert.match(run.stdout, /KubeVirt: Kubernetes REST calls/);
  const ext = JSON.parse(readFileSync(summary, "utf8")).extensions["loadgen/kubevirt"];
  assert.is(ext.data.creation.VirtualMachineInstance.count, 10);
  assert.is(ext.data.phases.Running.count, 10);
  const left = await vmisIn(ns);
  assert.equal(left.map((v) => v.metadata.name).sort(), Array.from({ length: 10 }, (_, i) => `kubevirt-density-1-${i + 1}`).sort(), "named by the template's iteration and replica");
  assert.ok(left.every((v) => v.status?.phase === "Running" && v.metadata.labels?.["loadgen.io/workload"] === "kubevirt-burst-test"));

  const del = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--delete", path.join(dir, "workload.yaml")], { timeoutMs: 120_000 });
  assert.is(del.exitCode, 0, del.stderr + del.stdout);
  assert.match(del.stderr, /deleted 10 VirtualMachineInstance/);
  assert.is((await vmisIn(ns)).length, 0, "every VMI gone");
  assert.not.ok(await namespaceExists(ns), "the namespace loadgen created for the workload goes too");
});

test("a steady-state workload ramps up, churns until its timeout and reports recovery times", async () => {
  const { kubeconfig } = await useLocalCluster();
  const ns = `kv-wl-steady-${Date.now().toString(36)}`;
  // timeout: the tool's minimum is over 30s; 31s of churn with 10s pauses gives a few rounds.
  const dir = workloadDir(`name: kubevirt-steady-state-test
timeout: 31s
count: 10
churn: 3
minChurnSleep: 8s
type: steady-state
object:
  templateFile: templates/vmi-ephemeral.yaml
  inputVars: {containerPrefix: "", containerImg: cirros-container-disk-demo, containerTag: "", namespace: ${ns}}
`);
  const summary = path.join(dir, "summary.json");
  const run = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--summary-export", summary, path.join(dir, "workload.yaml")], { timeoutMs: 180_000 });
  assert.is(run.exitCode, 0, run.stderr + run.stdout);
  const s = JSON.parse(readFileSync(summary, "utf8"));
  const rounds = s.metrics.vmi_churn_recovery_seconds?.values;
  assert.ok(rounds && rounds.max > 0, "recovery times recorded: " + JSON.stringify(s.metrics.vmi_churn_recovery_seconds));
  const created = s.extensions["loadgen/kubevirt"].data.creation.VirtualMachineInstance.count;
  assert.ok(created >= 13 && (created - 10) % 3 === 0, `10 to ramp up, then 3 per round: ${created}`);
  assert.is((await vmisIn(ns)).length, 10, "the workload is left at count");
  const del = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--delete", path.join(dir, "workload.yaml")], { timeoutMs: 120_000 });
  assert.is(del.exitCode, 0, del.stderr + del.stdout);
  assert.is((await vmisIn(ns)).length, 0);
});

test("a broken workload names the field, and a template that does not render names the template and line; nothing runs", async () => {
  const bad = workloadDir(`name: w
count: many
type: sideways
object: {templateFile: templates/missing.yaml}
`);
  const r1 = await runCli(["run", "--quiet", path.join(bad, "workload.yaml")]);
  assert.is(r1.exitCode, 104, r1.stderr);
  for (const field of ["count:", "type:", "object.templateFile:"]) assert.ok(r1.stderr.includes(field), `${field} named:\n${r1.stderr}`);

  const undef = workloadDir(`name: w\ncount: 1\nobject: {templateFile: templates/vmi-ephemeral.yaml, inputVars: {namespace: x}}\n`, VMI_TEMPLATE.replace("{{.containerImg}}", "{{.containerImage}}"));
  const r2 = await runCli(["run", "--quiet", path.join(undef, "workload.yaml")]);
  assert.is(r2.exitCode, 104, r2.stderr);
  assert.match(r2.stderr, /vmi-ephemeral\.yaml: template variable \{\{\.containerImage\}\} is not defined/);

  const yamlBad = workloadDir(`name: w\ncount: 1\nobject: {templateFile: templates/vmi-ephemeral.yaml, inputVars: {namespace: x}}\n`, VMI_TEMPLATE.replace("spec:\n  domain:", "spec:\n  domain: [\n"));
  const r3 = await runCli(["run", "--quiet", path.join(yamlBad, "workload.yaml")]);
  assert.is(r3.exitCode, 104, r3.stderr);
  assert.match(r3.stderr, /vmi-ephemeral\.yaml: malformed object: .*\(\d+:\d+\)/);
});

test.run();
