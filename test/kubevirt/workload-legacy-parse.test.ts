// The older perfscale-load-generator workload format (globalConfig + workloads[]), read without a cluster: the
// tool's own example files (test/fixtures/kubevirt/kubevirt-density, copied unchanged from kubevirt/kubevirt
// ed284175a0, the last commit with this format) parse with the tool's meaning, the template variables are the ones
// the tool made, the generated scenario's options say what the file says, and a bad field is named with its file.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidOptionsError } from "../../runtime/errors.ts";
import { prepareRun } from "../../runtime/execution/prepare-run.ts";
import { kubevirtWorkloadLegacy } from "../../runtime/formats/kubevirt-workload-legacy.ts";
import { formatOf, readInput } from "../../runtime/formats/registry.ts";
import { isLegacyWorkload, legacyVars, parseLegacyWorkload } from "../../runtime/kubevirt/workload-legacy.ts";
import { clientRateLimit, legacyWorkloadScript } from "../../runtime/kubevirt/workload-legacy-scenario.ts";
import { isKubevirtWorkload } from "../../runtime/kubevirt/workload.ts";
import { repoRoot, runCli } from "../fixtures/run-scenario.ts";

const FIXTURES = path.join(repoRoot, "test/fixtures/kubevirt/kubevirt-density");
const VMI_TEMPLATE = readFileSync(path.join(FIXTURES, "templates/vmi-ephemeral.yaml"), "utf8");

function load(file: string): unknown {
  return yaml.load(readFileSync(file, "utf8"));
}

function workloadDir(workload: string, template = VMI_TEMPLATE): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-kv-legacy-"));
  mkdirSync(path.join(dir, "templates"));
  writeFileSync(path.join(dir, "templates", "vmi-ephemeral.yaml"), template);
  writeFileSync(path.join(dir, "workload.yaml"), workload);
  return dir;
}

function problemsOf(fn: () => unknown): { problems: readonly string[]; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidOptionsError) return { problems: e.problems, message: e.message };
    throw e;
  }
  throw new Error("expected an InvalidOptionsError");
}

test("the tool's kubevirt-density.yaml is the older format and parses with its meaning", () => {
  const file = path.join(FIXTURES, "kubevirt-density.yaml");
  const doc = load(file);
  assert.ok(isLegacyWorkload(doc));
  assert.not.ok(isKubevirtWorkload(doc), "not the newer single-object format");
  const f = parseLegacyWorkload(doc, file);
  assert.is(f.qps, 0);
  assert.is(f.burst, 0);
  assert.is(f.workloads.length, 1);
  const w = f.workloads[0]!;
  assert.equal(
    { name: w.name, iterationCount: w.iterationCount, iterationIntervalMs: w.iterationIntervalMs, creationWait: w.iterationCreationWait, cleanup: w.iterationCleanup, deletionWait: w.iterationDeletionWait, namespaced: w.namespacedIterations, maxWaitTimeoutMs: w.maxWaitTimeoutMs, qps: w.qps, burst: w.burst, waitWhenFinishedMs: w.waitWhenFinishedMs },
    { name: "kubevirt-density-100", iterationCount: 1, iterationIntervalMs: 0, creationWait: true, cleanup: true, deletionWait: true, namespaced: false, maxWaitTimeoutMs: 30 * 60_000, qps: 20, burst: 20, waitWhenFinishedMs: 30_000 },
  );
  assert.is(w.objects.length, 1);
  const o = w.objects[0]!;
  assert.is(o.replicas, 100);
  assert.is(o.kind, "VirtualMachineInstance");
  assert.is(o.templateFile, path.join(FIXTURES, "templates/vmi-ephemeral.yaml"));
  assert.equal(o.inputVars, { containerPrefix: "", containerImg: "cirros-container-disk-demo", containerTag: "", namespace: "kubevirt-density" });
});

test("the tool's warmup and scale variants parse: one workload of 1 VMI; three of 200, 400 and 600", () => {
  const warm = parseLegacyWorkload(load(path.join(FIXTURES, "kubevirt-density-warmup.yaml")), path.join(FIXTURES, "kubevirt-density-warmup.yaml"));
  assert.equal(warm.workloads.map((w) => [w.name, w.objects[0]!.replicas]), [["kubevirt-density-1", 1]]);
  const scale = parseLegacyWorkload(load(path.join(FIXTURES, "kubevirt-density-scale.yaml")), path.join(FIXTURES, "kubevirt-density-scale.yaml"));
  assert.equal(
    scale.workloads.map((w) => [w.name, w.objects[0]!.replicas, w.maxWaitTimeoutMs, w.waitWhenFinishedMs]),
    [
      ["kubevirt-density-200", 200, 3_600_000, 600_000],
      ["kubevirt-density-400", 400, 3_600_000, 600_000],
      ["kubevirt-density-600", 600, 3_600_000, 30_000],
    ],
  );
});

test("template variables are the tool's: iteration, replica, inputVars, namespace <prefix>-1 or -<iteration>", () => {
  const input = { containerImg: "cirros", namespace: "density" };
  assert.equal(legacyVars(input, 3, 7, false), { iteration: 3, replica: 7, containerImg: "cirros", namespace: "density-1" });
  assert.equal(legacyVars(input, 3, 7, true), { iteration: 3, replica: 7, containerImg: "cirros", namespace: "density-3" });
  assert.equal(legacyVars({ replica: "fixed" }, 1, 2, false), { iteration: 1, replica: "fixed" }, "inputVars come last, as in GenerateObjectTemplateData");
});

test("globalConfig qps/burst mean what client-go made of them: 0 = its defaults (5, 10), negative qps = no limit", () => {
  assert.equal(clientRateLimit(0, 0), { qps: 5, burst: 10 });
  assert.equal(clientRateLimit(50, 0), { qps: 50, burst: 10 });
  assert.equal(clientRateLimit(50, 100), { qps: 50, burst: 100 });
  assert.equal(clientRateLimit(-1, 0), { qps: 0, burst: 1 }, "options.k8s.qps 0 is unlimited");
});

test("the generated scenario's options: one VU, one loadgen iteration per workload iteration, the client's rate limit", async () => {
  const dir = workloadDir(`globalConfig: {qps: 40, burst: 0}
workloads:
  - name: first
    iterationCount: 3
    objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 2, inputVars: {namespace: a}}]
  - name: second
    iterationCount: 2
    iterationCleanup: true
    objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 1, inputVars: {namespace: b}}]
`);
  const file = path.join(dir, "workload.yaml");
  const input = readInput(file);
  assert.is(formatOf(input), kubevirtWorkloadLegacy, "loadgen run reads it as the older workload format");
  const w = legacyWorkloadScript(parseLegacyWorkload(input.document, file), file, false);
  assert.is(w.displayName, path.join(dir, "workload.yaml"), "outside the working directory: the absolute path");
  assert.not.ok(w.script.startsWith(dir), "the generated scenario lives elsewhere");
  const run = await prepareRun({ scriptPath: w.script, cli: {}, env: {}, log: () => {}, connectCluster: false });
  const [s, ...more] = run.options.scenarios;
  assert.is(more.length, 0);
  assert.equal({ name: s!.name, executor: s!.executor, vus: (s as { vus?: number }).vus, iterations: (s as { iterations?: number }).iterations }, { name: "workloads", executor: "per-vu-iterations", vus: 1, iterations: 5 });
  assert.equal(run.options.raw.k8s, { qps: 40, burst: 10 });
  assert.equal(run.options.raw.kubevirt, { cleanup: false }, "the first workload keeps its objects, so the run does not delete them");
});

test("a cluster-less check of every field: each wrong one is named with its path, in the workload file", () => {
  const dir = workloadDir(`globalConfig: {qps: fast, burst: 1.5, extra: 1}
workloads:
  - name: ""
    iterationCount: -1
    iterationInterval: soon
    iterationCreationWait: maybe
    iterationCleanup: true
    iterationDeletionWait: yes
    maxWaitTimeout: 0
    qps: -3
    objects:
      - {templateFile: templates/missing.yaml, replicas: 0, inputVars: [a]}
      - {replicas: 1, objectTemplate: x}
  - name: w2
    objects: []
    iterationcount: 1
`);
  const file = path.join(dir, "workload.yaml");
  const { problems, message } = problemsOf(() => parseLegacyWorkload(load(file), file));
  assert.ok(message.includes(file), "names the file: " + message);
  for (const field of [
    "globalConfig.qps:",
    "globalConfig.burst:",
    "globalConfig.extra: unknown field",
    "workloads[0].name: required",
    "workloads[0].iterationCount:",
    "workloads[0].iterationInterval:",
    "workloads[0].iterationCreationWait: true or false",
    "workloads[0].maxWaitTimeout: required",
    "workloads[0].qps:",
    "workloads[0].objects[0].templateFile: cannot read",
    "workloads[0].objects[0].replicas: a whole number >= 1",
    "workloads[0].objects[0].inputVars:",
    "workloads[0].objects[1].templateFile: required",
    "workloads[0].objects[1].objectTemplate: unknown field",
    "workloads[1].iterationCount: required",
    "workloads[1].objects:",
    "workloads[1].iterationcount: unknown field",
  ]) {
    assert.ok(problems.some((p) => p.startsWith(field)), `${field} named:\n${problems.join("\n")}`);
  }
  assert.is(problems.length, 17, problems.join("\n"));
});

test("a template that does not render names the workload field, the template and the variable", () => {
  const dir = workloadDir(
    `workloads: [{name: w, iterationCount: 1, objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 1, inputVars: {namespace: x}}]}]\n`,
    VMI_TEMPLATE.replace("{{.containerImg}}", "{{.containerImage}}"),
  );
  const file = path.join(dir, "workload.yaml");
  const { problems } = problemsOf(() => parseLegacyWorkload(load(file), file));
  assert.is(problems.length, 1);
  assert.match(problems[0]!, /^workloads\[0\]\.objects\[0\]\.templateFile .*vmi-ephemeral\.yaml: template variable \{\{\.containerImage\}\} is not defined/);

  const noNs = workloadDir(`workloads: [{name: w, iterationCount: 1, objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 1, inputVars: {}}]}]\n`);
  const f2 = path.join(noNs, "workload.yaml");
  assert.match(problemsOf(() => parseLegacyWorkload(load(f2), f2)).problems[0]!, /templateFile .*\{\{\.namespace\}\} is not defined/, "the tool's templates need inputVars.namespace");
});

test("every workload with 0 iterations and nothing to wait for is an error, not an empty run", () => {
  const dir = workloadDir(`workloads: [{name: w, iterationCount: 0, objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 1, inputVars: {namespace: x}}]}]\n`);
  const file = path.join(dir, "workload.yaml");
  assert.match(problemsOf(() => parseLegacyWorkload(load(file), file)).problems[0]!, /iterationCount: every workload has 0 iterations/);
});

test("through the CLI: a broken workload file exits 104 naming the file and the fields; nothing runs", async () => {
  const dir = workloadDir(`globalConfig: {qps: 0, burst: 0}
workloads:
  - name: w
    iterationCount: many
    iterationCreationWait: true
    objects: [{templateFile: templates/vmi-ephemeral.yaml, replicas: 1, inputVars: {namespace: x}}]
`);
  const file = path.join(dir, "workload.yaml");
  const r = await runCli(["run", "--quiet", file]);
  assert.is(r.exitCode, 104, r.stderr);
  assert.ok(r.stderr.includes(`invalid options in ${file}`), r.stderr);
  assert.ok(r.stderr.includes("workloads[0].iterationCount:"), r.stderr);
  assert.ok(r.stderr.includes("workloads[0].maxWaitTimeout: required"), r.stderr);
  assert.not.match(r.stderr, /loadgen-kubevirt-workload-/);
});

test.run();
