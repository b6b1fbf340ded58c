// The deploy-a-controller path, object by object: the namespace, ServiceAccount, ClusterRole and binding, the Stage
// ConfigMap and the Deployment, made when asked for, found (not made twice) by the next pool, and removed by the delete
// of the last pool. On the local cluster the Deployment's pod runs on the real node (test/node/kwok-controller.test.ts
// follows it running and keeping its pool Ready); what a remote cluster gets is checked from the objects themselves.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { K8sError } from "../../runtime/kube/errors.ts";
import { R } from "../../runtime/kwok/kube-api.ts";
import { KWOK_IMAGE } from "../../runtime/image/kwok-image.ts";
import type { KubeApi } from "../../runtime/kwok/kube-api.ts";
import {
  CONTROLLER_LABEL,
  CONTROLLER_NAME,
  CONTROLLER_NAMESPACE,
  CONTROLLER_ROLE,
  controllerObjects,
  controllerTarget,
  DEFAULT_CONTROLLER_IMAGE,
  detectController,
  STAGES_CONFIGMAP,
} from "../../runtime/kwok/controller-deploy.ts";
import { addNodePool, deleteNodePool, listNodePools } from "../../runtime/kwok/node-pool.ts";
import { poolContext, poolName, type TestPoolContext } from "./helpers.ts";

let ctx: TestPoolContext;
const pools: string[] = [];

test.before(async () => {
  ctx = await poolContext();
});
test.after(async () => {
  for (const p of pools) await deleteNodePool(ctx, p).catch(() => {});
  await ctx.close();
});

async function gone(resource: keyof typeof R, name: string, namespace?: string): Promise<boolean> {
  try {
    const o = await ctx.api.get(R[resource], { name, namespace });
    return !!o.metadata?.deletionTimestamp; // a namespace may still be terminating
  } catch (e) {
    if (e instanceof K8sError && e.status === 404) return true;
    throw e;
  }
}

test("--controller deploy makes the controller's objects; the next pool reuses them; the last delete removes them", async () => {
  const others = (await listNodePools(ctx)).map((p) => p.name);
  assert.equal(others, [], `this test needs a cluster without other node pools (found ${others.join(", ")})`);
  const a = poolName("npctl-a");
  const b = poolName("npctl-b");
  pools.push(a, b);

  const first = await addNodePool(ctx, { name: a, nodes: 2, cpu: 4, memory: 8, maxPods: 20, labels: {}, taints: [] }, { controller: "deploy" });
  assert.equal(first.controller, { kind: "loadgen", deployed: true, detail: "deployed by loadgen in namespace loadgen-kwok" });

  const ns = await ctx.api.get(R.namespaces, { name: CONTROLLER_NAMESPACE });
  assert.is(ns.metadata.labels["app.kubernetes.io/managed-by"], "loadgen");
  const sa = await ctx.api.get(R.serviceaccounts, { namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME });
  assert.ok(sa.metadata.uid);
  const role = await ctx.api.get(R.clusterroles, { name: CONTROLLER_ROLE });
  const rule = (res: string) => role.rules.find((r: { resources: string[] }) => r.resources.includes(res))?.verbs ?? [];
  assert.ok(["get", "list", "watch"].every((v) => rule("nodes").includes(v)), "kwok watches nodes");
  assert.ok(["patch", "update"].every((v) => rule("nodes/status").includes(v) && rule("pods/status").includes(v)), "kwok writes node and pod status");
  assert.ok(rule("leases").includes("create"), "kwok renews node leases");
  assert.not.ok(rule("nodes").includes("create"), "the controller cannot create nodes");
  const binding = await ctx.api.get(R.clusterrolebindings, { name: CONTROLLER_ROLE });
  assert.equal(binding.subjects, [{ kind: "ServiceAccount", name: CONTROLLER_NAME, namespace: CONTROLLER_NAMESPACE }]);
  assert.is(binding.roleRef.name, CONTROLLER_ROLE);
  const cm = await ctx.api.get(R.configmaps, { namespace: CONTROLLER_NAMESPACE, name: STAGES_CONFIGMAP });
  for (const stage of ["node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete", "pod-delete"]) assert.match(cm.data["stages.yaml"], `name: ${stage}`);
  const dep = await ctx.api.get(R.deployments, { namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME });
  const c = dep.spec.template.spec.containers[0];
  assert.is(c.image, KWOK_IMAGE, "on the local cluster: kwok's image, built for the real node");
  assert.is(dep.spec.template.spec.hostNetwork, true);
  assert.ok(c.args.includes("--config=/etc/kwok/stages.yaml"), c.args.join(" "));
  assert.ok(c.args.includes(`--manage-nodes-with-label-selector=${CONTROLLER_LABEL}=${CONTROLLER_NAMESPACE}`), c.args.join(" "));
  const nodes = await ctx.api.list(R.nodes, { labelSelector: `loadgen.io/nodepool=${a}` });
  assert.ok(nodes.items.every((n) => n.metadata.labels[CONTROLLER_LABEL] === CONTROLLER_NAMESPACE), "the pool's nodes are labelled for it");
  assert.is(dep.spec.template.spec.serviceAccountName, CONTROLLER_NAME);
  assert.equal(dep.spec.template.spec.volumes, [{ name: "stages", configMap: { name: STAGES_CONFIGMAP, defaultMode: 420 } }]);
  assert.equal(await detectController(ctx), { kind: "loadgen", detail: `Deployment ${CONTROLLER_NAMESPACE}/${CONTROLLER_NAME}` });

  const second = await addNodePool(ctx, { name: b, nodes: 1, cpu: 4, memory: 8, maxPods: 20, labels: {}, taints: [] });
  assert.equal({ kind: second.controller.kind, deployed: second.controller.deployed }, { kind: "loadgen", deployed: false }, "found, not deployed twice");

  const da = await deleteNodePool(ctx, a);
  assert.is(da.controllerRemoved, false, "another pool still needs it");
  assert.not.ok(await gone("deployments", CONTROLLER_NAME, CONTROLLER_NAMESPACE));

  const db = await deleteNodePool(ctx, b);
  assert.is(db.controllerRemoved, true, "the last pool's delete removes it");
  assert.ok(await gone("clusterroles", CONTROLLER_ROLE));
  assert.ok(await gone("clusterrolebindings", CONTROLLER_ROLE));
  assert.ok(await gone("namespaces", CONTROLLER_NAMESPACE));
  assert.ok(await gone("deployments", CONTROLLER_NAME, CONTROLLER_NAMESPACE));
  assert.is((await detectController(ctx)).kind, "local", "the local cluster's kwok is what remains");
});

test("auto mode on the local cluster uses its kwok and deploys nothing", async () => {
  const name = poolName("npctl-auto");
  pools.push(name);
  const r = await addNodePool(ctx, { name, nodes: 1, cpu: 1, memory: 1, maxPods: 10, labels: {}, taints: [] });
  assert.is(r.controller.kind, "local");
  assert.is(r.controller.deployed, false);
  assert.ok(await gone("clusterroles", CONTROLLER_ROLE), "no controller objects");
  assert.is((await deleteNodePool(ctx, name)).controllerRemoved, false);
});

test("on another cluster the controller goes to any node but a fake one, on its pod network, with kwok's release image", async () => {
  const api = { origin: "https://remote.example:6443" } as KubeApi;
  const target = await controllerTarget({ api, localCluster: async () => ({ server: "https://127.0.0.1:6443", running: ["kwok"] }) });
  assert.equal(target, { image: DEFAULT_CONTROLLER_IMAGE, placement: { kind: "cluster" } });
  const dep = controllerObjects(target).find((o) => o.resource === "deployments")!.body;
  const spec = dep.spec.template.spec;
  assert.is(spec.hostNetwork, undefined);
  assert.equal(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions, [{ key: "type", operator: "NotIn", values: ["kwok"] }]);
  assert.ok(spec.containers[0].args.includes("--server-address=0.0.0.0:10247"), spec.containers[0].args.join(" "));
  assert.is(spec.containers[0].image, DEFAULT_CONTROLLER_IMAGE);
});

test("on a local cluster without a real node, deploying the controller fails before anything is made, saying why", async () => {
  const api = { origin: "https://127.0.0.1:6443" } as KubeApi;
  const e = await controllerTarget({ api, localCluster: async () => ({ server: "https://127.0.0.1:6443", running: ["kwok"] }) }).then(() => undefined, (err: K8sError) => err);
  assert.instance(e, K8sError);
  assert.is(e!.code, "Unavailable");
  assert.match(e!.message, "runs no real node");
  assert.match(e!.message, "--no-real-node");
});

test.run();
