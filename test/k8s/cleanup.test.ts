// Every object a run creates carries loadgen.io/run and loadgen.io/scenario; `loadgen cleanup --run <id>` deletes
// them (namespaced and cluster-scoped, namespaces last) and waits until they are gone; options.k8s.cleanup does the
// same at the end of a run; --all refuses to go on without a confirmation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CoreV1Api } from "@kubernetes/client-node";
import { createTestNamespace, deleteTestNamespace, localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli } from "../fixtures/run-scenario.ts";
import { errorsOf, failedChecks, runK8sScenario } from "./helpers.ts";

let ns = "";
test.before(async () => {
  ns = await createTestNamespace(await localKubeConfig(), "k8s-cleanup");
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

const creates = (extraOptions: string) => `
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 3, k8s: { ${extraOptions} } };
export default async function () {
  const cm = await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "cl-" } }, { namespace: __ENV.NS, decode: true });
  check(cm, { "labelled": (o) => o.metadata.labels["loadgen.io/run"] === k8s.runId && o.metadata.labels["loadgen.io/scenario"] === "default" });
}
export async function setup() {
  await k8s.create({ apiVersion: "v1", kind: "Namespace", metadata: { generateName: "cl-ns-" } });
}
`;

async function labelled(runId: string): Promise<{ configmaps: number; namespaces: number }> {
  const core = (await localKubeConfig()).makeApiClient(CoreV1Api);
  const selector = `loadgen.io/run=${runId}`;
  const cms = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: selector });
  const nss = await core.listNamespace({ labelSelector: selector });
  return { configmaps: cms.items.length, namespaces: nss.items.filter((n) => n.status?.phase !== "Terminating").length };
}

test("loadgen cleanup --run deletes a run's namespaced and cluster-scoped objects and waits until they are gone", async () => {
  const run = await runK8sScenario(creates(""), { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), []);
  const runId = run.prepared!.runId;
  assert.equal(await labelled(runId), { configmaps: 3, namespaces: 1 });
  const { kubeconfig } = await useLocalCluster();
  const r = await runCli(["cleanup", "--run", runId, "--kubeconfig", kubeconfig], { timeoutMs: 180_000 });
  assert.is(r.exitCode, 0, r.stderr);
  assert.match(r.stderr, "deleted 4 object(s)");
  assert.match(r.stderr, "all gone");
  const core = (await localKubeConfig()).makeApiClient(CoreV1Api);
  assert.is((await core.listNamespace({ labelSelector: `loadgen.io/run=${runId}` })).items.length, 0, "the namespace is gone, not just terminating");
  assert.is((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: `loadgen.io/run=${runId}` })).items.length, 0);
  const again = await runCli(["cleanup", "--run", runId, "--kubeconfig", kubeconfig]);
  assert.is(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, "no objects of run");
});

test("options.k8s.cleanup deletes the run's objects when it ends", async () => {
  const run = await runK8sScenario(creates("cleanup: true"), { env: { NS: ns } });
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.match(run.logs.join("\n"), /cleanup deleted 4 object\(s\)/);
  const core = (await localKubeConfig()).makeApiClient(CoreV1Api);
  const runId = run.prepared!.runId;
  assert.is((await core.listNamespace({ labelSelector: `loadgen.io/run=${runId}` })).items.length, 0);
  assert.is((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: `loadgen.io/run=${runId}` })).items.length, 0);
});

test("loadgen cleanup --all without --yes and without a terminal asks for --yes and deletes nothing", async () => {
  const { kubeconfig } = await useLocalCluster();
  const run = await runK8sScenario(creates(""), { env: { NS: ns } });
  const r = await runCli(["cleanup", "--all", "--kubeconfig", kubeconfig]);
  assert.is(r.exitCode, 1, r.stderr);
  assert.match(r.stderr, "add --yes to confirm");
  assert.is((await labelled(run.prepared!.runId)).configmaps, 3, "nothing was deleted");
  const neither = await runCli(["cleanup", "--kubeconfig", kubeconfig]);
  assert.is(neither.exitCode, 1);
  assert.match(neither.stderr, "give either --run <id> or --all");
  await runCli(["cleanup", "--run", run.prepared!.runId, "--kubeconfig", kubeconfig], { timeoutMs: 180_000 });
});

test.run();
