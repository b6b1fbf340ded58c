// YAML inputs archive too: a kperf profile as the document it is (with the flags given, which a run's own replace),
// a KubeVirt workload as the scenario it becomes (its template file is in the code, so the archive runs where the
// template is not). Run against the local cluster from an empty folder.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestNamespace, deleteTestNamespace, localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";
import { repoRoot, runCli, type CliOutcome } from "../fixtures/run-scenario.ts";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "loadgen-archive-yaml-"));
const ok = (r: CliOutcome, code = 0) => assert.is(r.exitCode, code, `exit ${r.exitCode}\n${r.stderr}\n${r.stdout}`);
let ns = "";

test.before(async () => {
  ns = await createTestNamespace(await localKubeConfig(), "archive-yaml");
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

test("a kperf profile archives as its document with the flags given; run elsewhere, its --total holds unless the run gives its own", async () => {
  const { kubeconfig } = await useLocalCluster();
  const dir = tmp();
  const profile = path.join(dir, "lists.yaml");
  writeFileSync(profile, `version: 1\nspec:\n  rate: 0\n  total: 50\n  conns: 1\n  client: 1\n  requests:\n  - shares: 1\n    staleList: { version: v1, resource: configmaps, namespace: ${ns} }\n`);
  const archive = path.join(dir, "lists.tar");
  ok(await runCli(["archive", profile, "-o", archive, "--total", "7"]));
  const inspected = JSON.parse((await runCli(["inspect", archive])).stdout);
  assert.is(inspected.archive.content, "document");
  assert.is(inspected.archive.input.format, "kperf-profile");
  assert.equal(inspected.archive.kperf.overrides, { total: 7 });
  const elsewhere = tmp();
  ok(await runCli(["run", "--kubeconfig", kubeconfig, "--summary-export", "s.json", archive], { cwd: elsewhere, timeoutMs: 120_000 }));
  const summary = JSON.parse(readFileSync(path.join(elsewhere, "s.json"), "utf8"));
  assert.is(summary.metrics.k8s_requests.values.count, 7, "the archived --total 7, not the profile's 50");
  ok(await runCli(["run", "--kubeconfig", kubeconfig, "--total", "3", "--summary-export", "s3.json", archive], { cwd: elsewhere, timeoutMs: 120_000 }));
  assert.is(JSON.parse(readFileSync(path.join(elsewhere, "s3.json"), "utf8")).metrics.k8s_requests.values.count, 3, "the run's --total replaces the archive's");
});

test("a KubeVirt workload archives as the scenario it becomes, and runs from a folder without its template", async () => {
  const { kubeconfig } = await useLocalCluster();
  const dir = tmp();
  mkdirSync(path.join(dir, "templates"));
  writeFileSync(path.join(dir, "templates", "vmi-ephemeral.yaml"), readFileSync(path.join(repoRoot, "stdlib/kubevirt/templates/vmi-ephemeral.yaml"), "utf8"));
  writeFileSync(path.join(dir, "workload.yaml"), `name: archived-burst
timeout: 2m
count: 3
type: burst
object:
  templateFile: templates/vmi-ephemeral.yaml
  inputVars:
    containerPrefix: ""
    containerImg: cirros-container-disk-demo
    containerTag: ""
    namespace: ${ns}
`);
  const archive = path.join(dir, "workload.tar");
  ok(await runCli(["archive", path.join(dir, "workload.yaml"), "-o", archive], { cwd: dir }));
  const inspected = JSON.parse((await runCli(["inspect", archive])).stdout);
  assert.is(inspected.archive.content, "scenario");
  assert.is(inspected.archive.input.format, "kubevirt-workload");
  assert.is(inspected.archive.input.source, "workload.yaml");
  const elsewhere = tmp();
  const r = await runCli(["run", "--kubeconfig", kubeconfig, archive], { cwd: elsewhere, timeoutMs: 120_000 });
  ok(r);
  assert.match(r.stderr, "workload.yaml (archive ");
  const kc = await localKubeConfig();
  const vmis = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances", namespace: ns })) as { items: unknown[] };
  assert.is(vmis.items.length, 3);
});

test.run();
