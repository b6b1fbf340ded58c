// `loadgen nodepool add --controller deploy` on the local cluster: the kwok controller Deployment's pod really runs, on
// the real node (kwok's image built there, no registry), and keeps its pool Ready, while the cluster's own kwok leaves
// that pool alone (and keeps managing the others). Who manages a node is read where kwok records it: the holder of the
// node's Lease is the managing kwok's identity, which each kwok also prints in its log. In a cluster of its own (the
// controller is cluster-wide, one per cluster; the shared cluster is never touched), taken down at the end.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CoordinationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Lease, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { NODE_NAME } from "../../runtime/cluster/kubelet.ts";
import { clusterDown, clusterUp } from "../../runtime/cluster/local-cluster.ts";
import { KWOK_IMAGE } from "../../runtime/image/kwok-image.ts";
import { CONTROLLER_LABEL, CONTROLLER_NAME, CONTROLLER_NAMESPACE, CONTROLLER_ROLE } from "../../runtime/kwok/controller-deploy.ts";
import { KWOK_TAINT, POOL_LABEL } from "../../runtime/kwok/node-pool.ts";
import { runCli } from "../fixtures/run-scenario.ts";
import { eventually } from "../fixtures/real-node.ts";

const dir = mkdtempSync(join(tmpdir(), "lg-kwokctl-"));
const suffix = randomBytes(3).toString("hex");
/** The pool loadgen's controller manages, and one the cluster's kwok manages beside it. */
const deployed = `kwokctl-${suffix}`;
const other = `kwokloc-${suffix}`;
const ns = `kwokctl-pods-${suffix}`;

let kubeconfig: string;
let core: CoreV1Api;
let apps: AppsV1Api;
let leases: CoordinationV1Api;
let rbac: RbacAuthorizationV1Api;
/** kwok identities (hostname_uuid), from their logs. */
let clusterKwokId: string;
let deployedKwokId: string;

const cli = (...args: string[]) => runCli(["nodepool", ...args, "--kubeconfig", kubeconfig], { timeoutMs: 300_000, env: { LOADGEN_CLUSTER_DIR: dir } });

test.before(async () => {
  const up = await clusterUp({ dir, log: (line) => process.stderr.write(`[kwok-controller cluster] ${line}\n`) });
  if (!up.realNode) throw new Error(`this test needs the real node: ${up.realNodeMissing}`);
  kubeconfig = up.kubeconfig;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  leases = kc.makeApiClient(CoordinationV1Api);
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

test.after(async () => {
  await clusterDown({ dir });
  rmSync(dir, { recursive: true, force: true });
});

const poolNodes = async (pool: string): Promise<V1Node[]> => (await core.listNode({ labelSelector: `${POOL_LABEL}=${pool}` })).items;
const ready = (n: V1Node) => n.status?.conditions?.find((c) => c.type === "Ready");
const controllerPods = async (): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace: CONTROLLER_NAMESPACE })).items;
const leaseOf = (node: string): Promise<V1Lease> => leases.readNamespacedLease({ namespace: "kube-node-lease", name: node });
async function holders(pool: string): Promise<string[]> {
  return Promise.all((await poolNodes(pool)).map(async (n) => (await leaseOf(n.metadata!.name!)).spec?.holderIdentity ?? "none"));
}

/** The identity and node selectors a kwok prints when it starts (its "Watch nodes" line; the last start's). */
function watchLine(log: string): { id: string; label: string; annotation: string } {
  const lines = log.split("\n").filter((l) => l.includes(`"msg":"Watch nodes"`));
  if (lines.length === 0) throw new Error(`no "Watch nodes" line in kwok's log:\n${log.slice(0, 2000)}`);
  return JSON.parse(lines[lines.length - 1]!) as { id: string; label: string; annotation: string };
}

/** A pod for a pool's fake nodes; its image exists nowhere (kwok never pulls anything). */
function poolPod(name: string, pool: string): V1Pod {
  return {
    metadata: { name, labels: { app: "on-pool" } },
    spec: {
      nodeSelector: { [POOL_LABEL]: pool },
      tolerations: [{ key: KWOK_TAINT.key, operator: "Equal", value: KWOK_TAINT.value, effect: KWOK_TAINT.effect }],
      containers: [{ name: "c", image: "registry.invalid/none:1", imagePullPolicy: "IfNotPresent" }],
    },
  };
}
const podPhase = async (name: string) => (await core.readNamespacedPod({ namespace: ns, name })).status?.phase;

async function scaleController(replicas: number): Promise<void> {
  await apps.patchNamespacedDeploymentScale(
    { namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME, body: [{ op: "replace", path: "/spec/replicas", value: replicas }] },
  );
}

test("`nodepool add --controller deploy` runs kwok's controller in a pod on the real node, and its pool comes Ready", async () => {
  const first = await cli("add", other, "--nodes", "2");
  assert.is(first.exitCode, 0, first.stderr);
  assert.match(first.stdout, "kwok: the local loadgen cluster's kwok", "without --controller deploy the cluster's kwok keeps the pool");

  const add = await cli("add", deployed, "--nodes", "3", "--controller", "deploy", "--json");
  assert.is(add.exitCode, 0, add.stderr);
  const pool = JSON.parse(add.stdout) as { ready: number; status: string; controller: { kind: string; deployed: boolean } };
  assert.equal(pool.controller.kind, "loadgen");
  assert.is(pool.controller.deployed, true);
  assert.is(pool.ready, 3);
  assert.is(pool.status, "Ready");
  assert.match(add.stderr, `on the real node ${NODE_NAME}`);

  const pod = await eventually("the controller's pod to be Ready", async () => {
    const pods = await controllerPods();
    return pods.length === 1 && pods[0]!.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? pods[0] : undefined;
  }, 120_000, async () => JSON.stringify((await controllerPods()).map((p) => p.status)));
  assert.is(pod.spec?.nodeName, NODE_NAME);
  assert.is(pod.spec?.hostNetwork, true);
  assert.is(pod.status?.podIP, NODE_NAME, "the node's network, on loopback");
  const c = pod.spec!.containers[0]!;
  assert.is(c.image, KWOK_IMAGE, "kwok's image built for the node");
  assert.is(c.imagePullPolicy, "IfNotPresent");
  const status = pod.status!.containerStatuses![0]!;
  assert.ok(status.state?.running, "its container runs");
  assert.match(status.containerID ?? "", /^containerd:\/\//, "a real container, started by the node's containerd");

  for (const n of await poolNodes(deployed)) {
    assert.is(n.metadata?.labels?.[CONTROLLER_LABEL], CONTROLLER_NAMESPACE, `${n.metadata?.name} is labelled for loadgen's controller`);
    assert.is(ready(n)?.status, "True");
  }
  for (const n of await poolNodes(other)) assert.is(n.metadata?.labels?.[CONTROLLER_LABEL], undefined, "the other pool is not");
});

test("each pool is held by its own kwok: the pool's leases by the deployed one, the other pool's by the cluster's; both keep renewing and stay Ready", async () => {
  const pod = (await controllerPods())[0]!;
  // Through the API server and the real kubelet: the controller's own log.
  const deployedLog = watchLine(await core.readNamespacedPodLog({ namespace: CONTROLLER_NAMESPACE, name: pod.metadata!.name!, container: "kwok" }));
  const clusterLog = watchLine(readFileSync(join(dir, "logs", "kwok.log"), "utf8"));
  deployedKwokId = deployedLog.id;
  clusterKwokId = clusterLog.id;
  assert.is(deployedLog.label, `${CONTROLLER_LABEL}=${CONTROLLER_NAMESPACE}`, "the deployed kwok watches only the nodes labelled for it");
  assert.is(clusterLog.label, `!${CONTROLLER_LABEL}`, "the cluster's kwok watches every fake node but those");
  assert.is(clusterLog.annotation, "kwok.x-k8s.io/node=fake");
  assert.is.not(deployedKwokId, clusterKwokId);

  const held = await eventually("every pool node's lease to be held", async () => {
    const [mine, theirs] = [await holders(deployed), await holders(other)];
    return mine.includes("none") || theirs.includes("none") ? undefined : { mine, theirs };
  }, 60_000);
  assert.equal(held.mine, [deployedKwokId, deployedKwokId, deployedKwokId]);
  assert.equal(held.theirs, [clusterKwokId, clusterKwokId]);

  // Heartbeats go on (kwok renews a 40 s lease every 10 s), by the same holders, and no node's Ready flips meanwhile.
  const nodes = [...(await poolNodes(deployed)), ...(await poolNodes(other))];
  const before = new Map(await Promise.all(nodes.map(async (n) => [n.metadata!.name!, (await leaseOf(n.metadata!.name!)).spec!.renewTime!] as const)));
  const since = new Map(nodes.map((n) => [n.metadata!.name!, String(ready(n)?.lastTransitionTime)]));
  await eventually("every pool node's lease to be renewed", async () => {
    for (const [name, at] of before) if (new Date((await leaseOf(name)).spec!.renewTime!).getTime() <= new Date(at).getTime()) return undefined;
    return true;
  }, 90_000);
  assert.equal(await holders(deployed), [deployedKwokId, deployedKwokId, deployedKwokId]);
  assert.equal(await holders(other), [clusterKwokId, clusterKwokId]);
  for (const n of [...(await poolNodes(deployed)), ...(await poolNodes(other))]) {
    assert.is(ready(n)?.status, "True", `${n.metadata?.name} Ready`);
    assert.is(String(ready(n)?.lastTransitionTime), since.get(n.metadata!.name!), `${n.metadata?.name} stayed Ready (no transition)`);
    assert.not.ok((await leaseOf(n.metadata!.name!)).spec?.leaseTransitions, `${n.metadata?.name}'s lease never changed hands`);
  }
});

test("pods scheduled on the pool run as kwok plays them: Running, a pod IP from kwok's range, no container anywhere", async () => {
  const names = ["p0", "p1", "p2", "p3", "p4"];
  for (const n of names) await core.createNamespacedPod({ namespace: ns, body: poolPod(n, deployed) });
  const pool = new Set((await poolNodes(deployed)).map((n) => n.metadata!.name!));
  for (const n of names) {
    const pod = await eventually(`pod ${n} to run`, async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: n });
      return p.status?.phase === "Running" ? p : undefined;
    }, 60_000);
    assert.ok(pool.has(pod.spec!.nodeName!), `${n} is on the pool (${pod.spec?.nodeName})`);
    assert.match(pod.status?.podIP ?? "", /^10\.0\./, "an address from kwok's --cidr");
    const c = pod.status!.containerStatuses![0]!;
    assert.ok(c.state?.running, "kwok reports its container running");
    assert.is(c.containerID, undefined, "but no runtime ever made one");
  }
});

test("the cluster's kwok leaves the pool alone: with the deployed controller stopped a pod there stays Pending and the leases expire untaken, while the other pool's pod runs; scaled up, a new controller takes the pool back", async () => {
  await scaleController(0);
  await eventually("the controller's pod to be gone", async () => ((await controllerPods()).length === 0 ? true : undefined), 120_000);

  await core.createNamespacedPod({ namespace: ns, body: poolPod("orphan", deployed) });
  await core.createNamespacedPod({ namespace: ns, body: poolPod("observer", other) });
  await eventually("the other pool's pod to run", async () => ((await podPhase("observer")) === "Running" ? true : undefined), 60_000);

  // Past every lease's expiry a kwok that managed these nodes would take them (kwok acquires expired leases).
  const names = (await poolNodes(deployed)).map((n) => n.metadata!.name!);
  const outcome = await eventually("the pool's leases to expire (or be taken)", async () => {
    let expired = 0;
    for (const name of names) {
      const l = (await leaseOf(name)).spec!;
      if (l.holderIdentity !== deployedKwokId) return `${name}'s lease taken by ${l.holderIdentity} (the cluster's kwok is ${clusterKwokId})`;
      if (Date.now() >= new Date(l.renewTime!).getTime() + (l.leaseDurationSeconds! + 5) * 1000) expired++;
    }
    return expired === names.length ? "expired, untaken" : undefined;
  }, 120_000);
  assert.is(outcome, "expired, untaken", "nobody took the pool's expired leases");
  const orphan = await core.readNamespacedPod({ namespace: ns, name: "orphan" });
  assert.ok(names.includes(orphan.spec?.nodeName ?? ""), "the scheduler bound it to the pool");
  assert.is(orphan.status?.phase, "Pending", "but no kwok played it");
  assert.is(await podPhase("observer"), "Running");

  await scaleController(1);
  await eventually("the orphan pod to run once a controller is back", async () => ((await podPhase("orphan")) === "Running" ? true : undefined), 120_000);
  const back = await eventually("the new controller to hold the pool's leases", async () => {
    const h = await holders(deployed);
    return h.every((x) => x !== deployedKwokId && x !== clusterKwokId && x !== "none") && new Set(h).size === 1 ? h[0] : undefined;
  }, 120_000, async () => JSON.stringify(await holders(deployed)));
  assert.ok(back!.length > 0);
  assert.equal(await holders(other), [clusterKwokId, clusterKwokId], "the other pool's leases never moved");
  await eventually("the pool to be Ready again", async () => ((await poolNodes(deployed)).every((n) => ready(n)?.status === "True") ? true : undefined), 120_000);
});

test("`nodepool delete` of the controller's last pool removes its nodes, Deployment, namespace and RBAC; the other pool stays with the cluster's kwok", async () => {
  await core.deleteNamespace({ name: ns });
  const del = await cli("delete", deployed);
  assert.is(del.exitCode, 0, del.stderr);
  assert.match(del.stdout, "the kwok controller loadgen deployed was removed");
  assert.equal(await poolNodes(deployed), []);
  const gone = async (read: () => Promise<{ metadata?: { deletionTimestamp?: Date } }>) =>
    read().then((o) => !!o.metadata?.deletionTimestamp, (e: { code?: number }) => e.code === 404);
  assert.ok(await gone(() => apps.readNamespacedDeployment({ namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME })), "Deployment");
  assert.ok(await gone(() => core.readNamespace({ name: CONTROLLER_NAMESPACE })), "namespace");
  assert.ok(await gone(() => rbac.readClusterRole({ name: CONTROLLER_ROLE })), "ClusterRole");
  assert.ok(await gone(() => rbac.readClusterRoleBinding({ name: CONTROLLER_ROLE })), "ClusterRoleBinding");
  await eventually("the controller's pod to be gone", async () => ((await controllerPods()).length === 0 ? true : undefined), 120_000);

  const left = await poolNodes(other);
  assert.is(left.length, 2);
  for (const n of left) assert.is(ready(n)?.status, "True");
  assert.equal(await holders(other), [clusterKwokId, clusterKwokId]);
  const last = await cli("delete", other);
  assert.is(last.exitCode, 0, last.stderr);
  assert.not.match(last.stdout, "removed", "nothing of loadgen's controller was left to remove");
});

test.run();
