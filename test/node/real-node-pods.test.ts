// loadgen's own image on the real node, through the real API server: `loadgen run` in a pod ends with the pod's
// phase and container exit code a CI job reads (0, or 99 for a failed threshold), its logs come back through the API
// (API server → kubelet), a pod over its memory limit is reported OOMKilled, a missing image fails at once, and a pod
// reaches the API server with its service account through loadgen/k8s's in-cluster config, refused what its Role
// does not grant.
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestNamespace, deleteTestNamespace } from "../fixtures/local-cluster.ts";
import { eventually, podEnded, realNodePod, useLoadgenImage, useRealNode } from "../fixtures/real-node.ts";

let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let image: string;

/** Scenarios the pods run, mounted from a ConfigMap at /scenarios (as one runs k6's image). */
const scenarios = {
  "fails-threshold.ts": `
import { check } from "loadgen";
export const options = { iterations: 1, thresholds: { checks: ["rate==1"] } };
export default function () { check(1, { "is two": (n) => n === 2 }); }
`,
  "in-cluster.ts": `
import { check } from "loadgen";
import * as k8s from "loadgen/k8s";
export const options = { iterations: 1, thresholds: { checks: ["rate==1"] } };
export default async function () {
  const ns = __ENV.NAMESPACE;
  const pods = await k8s.list("pods", { namespace: ns, decode: true });
  check(pods, { "lists the pods of its namespace": (p) => p.items.some((i) => i.metadata.name === "in-cluster") });
  let refused = 0;
  try { await k8s.list("secrets", { namespace: ns }); } catch (e) { refused = e.status; console.log("secrets: " + e.status + " " + e.code); }
  check(refused, { "is refused the secrets (403)": (s) => s === 403 });
}
`,
};

const withScenarios = {
  volumes: [{ name: "scenarios", configMap: { name: "scenarios" } }],
};
const scenarioMount = [{ name: "scenarios", mountPath: "/scenarios", readOnly: true }];

test.before(async () => {
  kc = await useRealNode();
  image = await useLoadgenImage();
  core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace(kc, "real-node-pods");
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "scenarios" }, data: scenarios } });
});

test.after(async () => {
  await deleteTestNamespace(kc, ns);
});

test("a pod running `loadgen run scenarios/hello.ts` ends Succeeded with exit code 0, its logs read through the API", async () => {
  await core.createNamespacedPod({ namespace: ns, body: realNodePod("hello", [{ name: "loadgen", image, args: ["run", "--no-color", "scenarios/hello.ts"] }]) });
  const pod = await podEnded(kc, ns, "hello");
  assert.is(pod.status?.phase, "Succeeded");
  assert.is(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  assert.is(pod.spec?.containers[0]?.imagePullPolicy, "IfNotPresent");
  const logs = await core.readNamespacedPodLog({ namespace: ns, name: "hello" });
  assert.match(logs, "scenarios/hello.ts");
  assert.match(logs, /✓ checks\.+: 100\.00% ✓ 100/);
});

test("a scenario that fails a threshold ends its pod Failed, with loadgen's exit code 99 in the container status", async () => {
  await core.createNamespacedPod({
    namespace: ns,
    body: realNodePod("fails", [{ name: "loadgen", image, args: ["run", "--no-color", "/scenarios/fails-threshold.ts"], volumeMounts: scenarioMount }], withScenarios),
  });
  const pod = await podEnded(kc, ns, "fails");
  assert.is(pod.status?.phase, "Failed");
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  assert.is(terminated?.exitCode, 99);
  assert.is(terminated?.reason, "Error");
  assert.match(await core.readNamespacedPodLog({ namespace: ns, name: "fails" }), "✗ is two");
});

test("a pod over its memory limit is OOM-killed and reported so", async () => {
  await core.createNamespacedPod({
    namespace: ns,
    body: realNodePod("oom", [{
      name: "hog",
      image,
      // Buffers live outside V8's heap, so nothing but the cgroup's limit stops this.
      command: ["/usr/local/bin/node", "-e", "const kept = []; for (;;) kept.push(Buffer.alloc(1 << 20, 1));"],
      resources: { limits: { memory: "64Mi" }, requests: { memory: "64Mi" } },
    }]),
  });
  const pod = await podEnded(kc, ns, "oom");
  assert.is(pod.status?.phase, "Failed");
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  assert.is(terminated?.reason, "OOMKilled");
  assert.is(terminated?.exitCode, 137);
});

test("a pod whose image is not on the node fails to pull at once (ErrImagePull, then ImagePullBackOff), pulling from nowhere", async () => {
  await core.createNamespacedPod({ namespace: ns, body: realNodePod("missing", [{ name: "main", image: "registry.invalid/not-here:1.0" }]) });
  const waiting = await eventually("the pull to fail", async () => {
    const pod = await core.readNamespacedPod({ namespace: ns, name: "missing" });
    const w = pod.status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === "ErrImagePull" || w?.reason === "ImagePullBackOff" ? w : undefined;
  }, 30_000);
  assert.ok(waiting.reason === "ErrImagePull" || waiting.reason === "ImagePullBackOff");
  const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=missing" });
  const failed = events.items.find((e) => e.reason === "Failed" && /pull/i.test(e.message ?? ""));
  assert.ok(failed, "a Failed event says why");
  assert.match(failed!.message!, "127.0.0.1:1", "the pull went to the dead loopback endpoint, not to registry.invalid");
});

test("a pod lists pods with its service account through loadgen/k8s's in-cluster config, and is refused (403) what its Role does not grant", async () => {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "runner" } } });
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: "list-pods" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "get"] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: "runner-lists-pods" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "list-pods" },
      subjects: [{ kind: "ServiceAccount", name: "runner", namespace: ns }],
    },
  });
  await core.createNamespacedPod({
    namespace: ns,
    body: realNodePod("in-cluster", [{
      name: "loadgen", image, args: ["run", "--no-color", "-e", `NAMESPACE=${ns}`, "/scenarios/in-cluster.ts"], volumeMounts: scenarioMount,
    }], { ...withScenarios, serviceAccountName: "runner" }),
  });
  const pod = await podEnded(kc, ns, "in-cluster");
  const logs = await core.readNamespacedPodLog({ namespace: ns, name: "in-cluster" });
  assert.is(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0, logs);
  assert.is(pod.status?.phase, "Succeeded");
  // Pods listed, secrets refused: the requests carried the service account's identity (an admin's would list both).
  assert.match(logs, "secrets: 403 Forbidden");
  // The address the pod was given: the API server on loopback, not the kubernetes Service's ClusterIP.
  const env = Object.fromEntries((pod.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  assert.is(env.KUBERNETES_SERVICE_HOST, "127.0.0.1");
  assert.is(env.KUBERNETES_SERVICE_PORT, new URL(kc.getCurrentCluster()!.server).port);
});

test.run();
