// Pods on kwok's fake Nodes: the real kube-controller-manager turns a
// Deployment into a ReplicaSet and Pods, the real kube-scheduler binds them,
// and kwok (standing in for the kubelets) reports them Running.
import { randomBytes } from "node:crypto";
import { AppsV1Api, CoreV1Api, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestNamespace, deleteTestNamespace, localKubeConfig } from "../fixtures/local-cluster.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** A Node that kwok manages, tainted so only pods that ask for fake nodes land there (as kwok's docs do). */
function fakeNode(name: string): V1Node {
  return {
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake" },
      labels: { type: "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" },
    },
    spec: { taints: [{ key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" }] },
  };
}

test("fake nodes become Ready, and a 50-replica Deployment's pods are scheduled onto them and become Running", async () => {
  const kc = await localKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const suffix = randomBytes(3).toString("hex");
  const nodeNames = [0, 1, 2].map((i) => `kwok-node-${suffix}-${i}`);
  const ns = await createTestNamespace(kc, "deploy-50");
  try {
    for (const name of nodeNames) await core.createNode({ body: fakeNode(name) });
    for (const name of nodeNames) {
      await eventually(`node ${name} Ready`, async () => {
        const n = await core.readNode({ name });
        return n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? n : undefined;
      }, 60_000);
    }

    const labels = { app: `web-${suffix}` };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 50,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              // Only our fake nodes: other tests' nodes may be in the cluster too.
              affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: nodeNames }] }] } } },
              tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Exists", effect: "NoSchedule" }],
              containers: [{ name: "web", image: "registry.invalid/web:1" }],
            },
          },
        },
      },
    });

    const pods = await eventually("50 Running pods", async () => {
      const list = await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${labels.app}` });
      const running = list.items.filter((p: V1Pod) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
      return running.length === 50 ? running : undefined;
    });
    for (const pod of pods) {
      assert.ok(nodeNames.includes(pod.spec!.nodeName!), `${pod.metadata!.name} is bound to a fake node`);
      assert.ok(pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"), `${pod.metadata!.name} is Ready`);
      assert.ok(pod.status?.podIP, `${pod.metadata!.name} has a pod IP`);
    }
    assert.ok(new Set(pods.map((p) => p.spec!.nodeName)).size > 1, "the scheduler spreads pods over the nodes");

    const d = await eventually("the Deployment to report 50 available", async () => {
      const dep = await apps.readNamespacedDeployment({ namespace: ns, name: "web" });
      return dep.status?.availableReplicas === 50 ? dep : undefined;
    }, 60_000);
    assert.is(d.status?.readyReplicas, 50);
  } finally {
    await deleteTestNamespace(kc, ns);
    // Let the namespace's pods go first (kwok finishes their deletion), then the nodes.
    await eventually("the test namespace to be deleted", async () => {
      try {
        await core.readNamespace({ name: ns });
        return undefined;
      } catch {
        return true;
      }
    }, 120_000).catch(() => {});
    for (const name of nodeNames) await core.deleteNode({ name }).catch(() => {});
  }
});

test.run();
