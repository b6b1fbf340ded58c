// examples/consumer/deployment.yaml as a user applies it, on the local cluster's real node: the consumer runs from
// loadgen's image (which ships examples/), becomes Ready through its own /ready probe, answers on the machine's
// loopback (host network) and carries NimbusGuard's labels. Only the port (8000 is the machine's, shared with other
// users of it) and the image tag (this checkout's version) are changed from the file.
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment, type V1Service } from "@kubernetes/client-node";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import yaml from "js-yaml";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseMetrics } from "../fixtures/consumer.ts";
import { createTestNamespace, deleteTestNamespace } from "../fixtures/local-cluster.ts";
import { eventually, useLoadgenImage, useRealNode } from "../fixtures/real-node.ts";
import { repoRoot } from "../fixtures/run-scenario.ts";

let kc: KubeConfig;
let ns: string;
let port: number;
let deployment: V1Deployment;
let service: V1Service;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

test.before(async () => {
  kc = await useRealNode();
  const image = await useLoadgenImage();
  ns = await createTestNamespace(kc, "consumer");
  port = await freePort();
  const text = readFileSync(`${repoRoot}examples/consumer/deployment.yaml`, "utf8");
  const docs = yaml.loadAll(text.replaceAll("8000", String(port)).replace(/image: loadgen\.local\/loadgen:\S+/, `image: ${image}`)) as Array<V1Deployment & V1Service>;
  deployment = docs.find((d) => d.kind === "Deployment") as V1Deployment;
  service = docs.find((d) => d.kind === "Service") as V1Service;
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: ns, body: deployment });
  await kc.makeApiClient(CoreV1Api).createNamespacedService({ namespace: ns, body: service });
});

test.after(async () => {
  await deleteTestNamespace(kc, ns);
});

test("the Deployment becomes Ready on the real node, through the consumer's own /ready probe", async () => {
  const apps = kc.makeApiClient(AppsV1Api);
  const ready = await eventually("the consumer Deployment to be ready", async () => {
    const d = await apps.readNamespacedDeployment({ namespace: ns, name: "consumer" });
    return (d.status?.readyReplicas ?? 0) >= 1 ? d : undefined;
  }, 180_000, async () => JSON.stringify((await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns })).items.map((p) => p.status)));
  assert.is(ready.status?.readyReplicas, 1);
  const pods = (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: "app.kubernetes.io/name=consumer" })).items;
  assert.is(pods.length, 1);
  assert.is(pods[0]!.spec?.nodeName, "127.0.0.1", "on the real node");
  assert.is(pods[0]!.status?.containerStatuses?.[0]?.ready, true);
});

test("it answers on the machine's loopback: /health, a POST /process, and /metrics counting it", async () => {
  const base = `http://127.0.0.1:${port}`;
  assert.equal(await (await fetch(`${base}/health`)).json(), { status: "healthy" });
  const r = await fetch(`${base}/process?cpu_intensity=1&memory_size=10&duration=1&async_mode=false`, { method: "POST" });
  assert.is(r.status, 200);
  assert.is(((await r.json()) as { status: string }).status, "completed");
  const m = parseMetrics(await (await fetch(`${base}/metrics`)).text());
  assert.is(m.sum("http_requests_total", { handler: "/process", method: "POST", status: "2xx" }), 1);
  assert.ok(m.sum("process_resident_memory_bytes") > 0);
  assert.ok(m.sum("http_requests_total", { handler: "/ready" }) >= 1, "the kubelet's readiness probes were counted");
});

test("NimbusGuard's labels, annotations and resources: what its Service, KEDA and Prometheus select on", async () => {
  const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: ns, name: "consumer" });
  assert.equal(d.metadata?.labels, { "app.kubernetes.io/name": "consumer", component: "consumer" });
  assert.equal(d.spec?.selector.matchLabels, { "app.kubernetes.io/name": "consumer" });
  assert.equal(d.spec?.template.metadata?.annotations, { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" });
  const c = d.spec?.template.spec?.containers[0];
  assert.equal([c?.resources?.requests, c?.resources?.limits], [{ memory: "256Mi", cpu: "100m" }, { memory: "512Mi", cpu: "300m" }]);
  const s = await kc.makeApiClient(CoreV1Api).readNamespacedService({ namespace: ns, name: "consumer" });
  assert.equal(s.spec?.selector, { "app.kubernetes.io/name": "consumer" });
});

test.run();
