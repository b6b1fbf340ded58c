// A watch survives an API server restart: the scenario's watch loses its connection while kube-apiserver restarts,
// reconnects from its last resourceVersion (or, when the restarted server's watch cache no longer reaches back that
// far, lists again: a RELIST event), and every object created after the restart still reaches the scenario.
// The restart happens on a throwaway cluster in its own dir, so the shared cluster other tests use is never touched.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { clusterDown, clusterUp } from "../../runtime/cluster/local-cluster.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { count, errorsOf, failedChecks, runK8sScenario } from "./helpers.ts";

const dir = mkdtempSync(path.join(tmpdir(), "loadgen-watch-restart-"));
let kubeconfig = "";

test.before(async () => {
  await useLocalCluster(); // binaries built (or cached) once
  kubeconfig = (await clusterUp({ dir })).kubeconfig;
});
test.after(async () => {
  await clusterDown({ dir });
  rmSync(dir, { recursive: true, force: true });
});

const scenario = `
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { iterations: 1, k8s: { timeout: "10s" } };
export default async function () {
  const sel = "restart=1";
  const start = await k8s.list("configmaps", { namespace: "default", labelSelector: sel, decode: true });
  const w = k8s.watch("configmaps", { namespace: "default", labelSelector: sel, resourceVersion: start.resourceVersion });
  await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "before", labels: { restart: "1" } } }, { namespace: "default" });
  const seen = new Map();
  const note = (name, how) => seen.set(name, (seen.get(name) ?? "") + how);
  let relists = 0;
  const deadline = Date.now() + 150000;
  while (Date.now() < deadline && !["after-0", "after-1", "after-2"].every((n) => seen.has(n))) {
    for (const ev of await w.poll(2000)) {
      if (ev.type === "ADDED") note(ev.object.metadata.name, "A");
      if (ev.type === "RELIST") { relists++; for (const o of ev.object.items) if (!seen.has(o.metadata.name)) note(o.metadata.name, "R"); }
    }
    // Tell the test the watch is live; it restarts the API server once it sees this.
    if (seen.has("before") && !seen.has("ready")) {
      await k8s.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ready", labels: { restart: "marker" } } }, { namespace: "default" });
      seen.set("ready", "");
    }
  }
  await w.close();
  console.log("seen " + JSON.stringify([...seen]) + " relists " + relists);
  check(seen, {
    "the object created before the restart arrived once": (s) => s.get("before") === "A",
    "every object created after the restart arrived, once": (s) => ["after-0", "after-1", "after-2"].every((n) => s.get(n) === "A" || s.get(n) === "R"),
  });
}
`;

test("a watch resumes across a kube-apiserver restart and misses no object created after it", async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const running = runK8sScenario(scenario, { kubeconfig });
  // Wait for the scenario's marker, then restart the API server (a changed APF setting restarts just that component).
  for (let i = 0; ; i++) {
    const markers = await core.listNamespacedConfigMap({ namespace: "default", labelSelector: "restart=marker" });
    if (markers.items.length > 0) break;
    if (i > 300) throw new Error("the scenario never got its watch going");
    await new Promise((r) => setTimeout(r, 200));
  }
  const restarted = await clusterUp({ dir, apf: false });
  assert.equal(restarted.restarted, ["kube-apiserver"]);
  for (let i = 0; i < 3; i++) {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: `after-${i}`, labels: { restart: "1" } } } });
  }
  const run = await running;
  assert.is(run.exitCode, 0, errorsOf(run));
  assert.equal(failedChecks(run), [], errorsOf(run));
  assert.ok(count(run, "k8s_requests", { verb: "watch" }) >= 2, "the watch was opened again after the restart");
});

test.run();
