// A workload run names the workload file the user gave, in either format, wherever the run shows a file: the
// "loadgen: run <id>: <file>" line, options errors, iteration error locations (and the summary's list of them),
// setup errors. The generated scenario's temporary folder (loadgen-kubevirt-workload-…) never shows.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { repoRoot, runCli } from "../fixtures/run-scenario.ts";

const VMI_TEMPLATE = readFileSync(path.join(repoRoot, "test/fixtures/kubevirt/kubevirt-density/templates/vmi-ephemeral.yaml"), "utf8");
// metadata.name must be a DNS subdomain: the API server refuses every create (422), in the iteration.
const REFUSED_TEMPLATE = VMI_TEMPLATE.replace("name: kubevirt-density-{{.iteration}}-{{.replica}}\n  labels", "name: Not_A_Name-{{.replica}}\n  labels");
const GENERATED = /loadgen-kubevirt-workload-/;

function workloadDir(workload: string, template: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-kv-names-"));
  mkdirSync(path.join(dir, "templates"));
  writeFileSync(path.join(dir, "templates", "vmi-ephemeral.yaml"), template);
  writeFileSync(path.join(dir, "workload.yaml"), workload);
  return dir;
}

test("older format: the run line, an iteration error's location and the summary's error list name workload.yaml", async () => {
  assert.is.not(REFUSED_TEMPLATE, VMI_TEMPLATE);
  const { kubeconfig } = await useLocalCluster();
  const ns = `kv-names-${Date.now().toString(36)}`;
  const dir = workloadDir(
    `workloads:
  - name: names
    iterationCount: 2
    iterationCleanup: true
    objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 1, inputVars: {namespace: ${ns}}}]
`,
    REFUSED_TEMPLATE,
  );
  const file = path.join(dir, "workload.yaml");
  const run = await runCli(["run", "--kubeconfig", kubeconfig, file], { timeoutMs: 120_000 });
  assert.is(run.exitCode, 99, run.stderr + run.stdout);
  assert.ok(run.stderr.includes(`loadgen: run `) && run.stderr.includes(`: ${file}, scenarios: workloads (per-vu-iterations)`), run.stderr);
  assert.ok(run.stderr.includes(`${file}:1:1`), `the iteration error is located in the workload file:\n${run.stderr}`);
  assert.match(run.stdout, /iteration errors:\n\s+1 × \S+: .*\(.*workload\.yaml:1:1\)/, "one error: the run stopped after it, as the tool did");
  assert.not.match(run.stderr + run.stdout, GENERATED);
});

test("older format: an options error of the generated scenario names workload.yaml", async () => {
  const { kubeconfig } = await useLocalCluster();
  const dir = workloadDir(`workloads: [{name: w, iterationCount: 1, objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 1, inputVars: {namespace: x}}]}]\n`, VMI_TEMPLATE);
  const file = path.join(dir, "workload.yaml");
  const run = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "-d", "soon", file]);
  assert.is(run.exitCode, 104, run.stderr);
  assert.ok(run.stderr.includes(`invalid options in ${file}:`), run.stderr);
  assert.not.match(run.stderr, GENERATED);
});

test("newer format: a setup error's location and the run line name workload.yaml", async () => {
  const { kubeconfig } = await useLocalCluster();
  const ns = `kv-names-ss-${Date.now().toString(36)}`;
  // steady-state creates its objects in setup(): the refused create makes setup throw (exit 107).
  const dir = workloadDir(
    `name: names-steady
timeout: 31s
count: 2
churn: 1
type: steady-state
object:
  templateFile: templates/vmi-ephemeral.yaml
  inputVars: {namespace: ${ns}}
`,
    REFUSED_TEMPLATE,
  );
  const file = path.join(dir, "workload.yaml");
  const run = await runCli(["run", "--kubeconfig", kubeconfig, file], { timeoutMs: 120_000 });
  assert.is(run.exitCode, 107, run.stderr + run.stdout);
  assert.ok(run.stderr.includes(`: ${file}, scenarios: churn (constant-vus)`), run.stderr);
  assert.ok(run.stderr.includes(`${file}:1:1`), `the setup error is located in the workload file:\n${run.stderr}`);
  assert.not.match(run.stderr + run.stdout, GENERATED);
  // The namespace setup created for the workload stays, as the workload would have: --delete removes it.
  const del = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--delete", file], { timeoutMs: 120_000 });
  assert.is(del.exitCode, 0, del.stderr + del.stdout);
});

test.run();
