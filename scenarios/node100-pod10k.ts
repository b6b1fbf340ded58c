// runkperf's node100_pod10k as a scenario: a pool of 100 fake nodes, then Deployments (one per namespace) for PODS pods
// in all, then rolling updates of one Deployment every INTERVAL seconds, while other VUs read at a constant rate with
// kperf's mix (stale LIST of one node's pods, stale LIST of every pod, quorum LIST of 100 pods of one namespace).
// Thresholds follow the Kubernetes SLOs: pod startup p99 ≤ 5 s, single-object mutating calls p99 ≤ 1 s, lists p99 ≤ 30 s.
// The defaults finish in a few minutes on a small machine; runkperf's size is
//   loadgen run -e PODS=10000 -e DEPLOYMENTS=20 -e DURATION=15m -e RATE=100 scenarios/node100-pod10k.ts
// DURATION is how long the readers run and the rolling updates go on (counted from the first Deployment); make it
// longer than the time the pods need to come up, or no rolling update happens.
import * as k8s from "loadgen/k8s";
import { addNodePool, deleteNodePool, podPlacement, podStartupTracker, trackPodStartup, type NodePool } from "loadgen/kwok";
import { check, sleep } from "loadgen";

const NODES = Number(__ENV.NODES ?? 100);
const PODS = Number(__ENV.PODS ?? 1000);
const DEPLOYMENTS = Number(__ENV.DEPLOYMENTS ?? 10);
const DURATION = __ENV.DURATION ?? "2m";
const RATE = Number(__ENV.RATE ?? 20);
const INTERVAL_S = Number(__ENV.INTERVAL ?? 10);
const POOL = __ENV.POOL ?? "node100pod10k";
const REPLICAS = Math.ceil(PODS / DEPLOYMENTS);
// Room for every pod plus a rolling update's surge (kperf's max-pods is 110 for 10k pods on 100 nodes).
const MAX_PODS = Math.max(110, Math.ceil((PODS * 1.2) / NODES));
// The pods of this run, for the tracker and the readers.
const RUN = k8s.runSelector.split("=")[1]!;

export const options = {
  setupTimeout: "5m",
  teardownTimeout: "10m",
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(99)"],
  scenarios: {
    workload: { executor: "per-vu-iterations", exec: "workload", vus: 1, iterations: 1, maxDuration: "60m" },
    readers: { executor: "constant-arrival-rate", exec: "readers", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 10, maxVUs: 100 },
  },
  k8s: { conns: 4, cleanup: true },
  thresholds: {
    pod_startup_seconds: ["p(99)<=5"],
    "k8s_request_duration{verb:create}": ["p(99)<1000"],
    "k8s_request_duration{verb:patch}": ["p(99)<1000"],
    "k8s_request_duration{verb:list}": ["p(99)<30000"],
    checks: ["rate>0.99"],
  },
};

interface Data {
  namespaces: string[];
  pool: NodePool;
  tracker: string;
}

function seconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new Error(`DURATION ${JSON.stringify(d)}: use e.g. 90s, 15m, 1h`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? "s"]!;
}

export async function setup(): Promise<Data> {
  const pool = await addNodePool(POOL, { nodes: NODES, cpu: 32, memory: 256, maxPods: MAX_PODS, timeout: "4m" });
  console.log(`pool ${POOL}: ${pool.ready} nodes, Ready condition in ${(pool.readyConditionMs! / 1000).toFixed(1)} s, schedulable in ${(pool.readyMs! / 1000).toFixed(1)} s`);
  const namespaces: string[] = [];
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const ns = await k8s.create<k8s.KubeObject>({ apiVersion: "v1", kind: "Namespace", metadata: { generateName: `benchmark-${i}-` } }, { decode: true });
    namespaces.push(ns.metadata!.name!);
  }
  const tracker = await trackPodStartup({ labelSelector: `app=benchmark,${k8s.RUN_LABEL}=${RUN}` });
  return { namespaces, pool, tracker: tracker.id };
}

function deployment(i: number, pool: NodePool): k8s.KubeObject {
  const labels = { app: "benchmark", index: String(i) };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `benchmark-${i}`, labels: { app: "benchmark" } },
    spec: {
      replicas: REPLICAS,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 100 } },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, [k8s.RUN_LABEL]: RUN } },
        spec: { ...podPlacement(pool), containers: [{ name: "fake-container", image: "fake-image" }] },
      },
    },
  };
}

export async function workload(data: Data) {
  const started = Date.now();
  for (let i = 0; i < DEPLOYMENTS; i++) await k8s.create(deployment(i, data.pool), { namespace: data.namespaces[i] });
  const tracker = podStartupTracker(data.tracker);
  const up = await tracker.waitFor(REPLICAS * DEPLOYMENTS, { timeout: "30m" });
  console.log(
    `${up.running} pods running ${((Date.now() - started) / 1000).toFixed(1)} s after the first Deployment ` +
      `(created ${up.createdPerSecond}/s, running ${up.runningPerSecond}/s; startup p50 ${up.startup.p50} s, p99 ${up.startup.p99} s)`,
  );
  check(up, { "every pod runs": (s) => s.running >= REPLICAS * DEPLOYMENTS });
  // Rolling updates, one Deployment at a time, until DURATION has passed.
  let rolled = 0;
  for (let i = 0; Date.now() - started < seconds(DURATION) * 1000; i = (i + 1) % DEPLOYMENTS) {
    const restart = { spec: { template: { metadata: { annotations: { "loadgen.io/restartedAt": new Date().toISOString() } } } } };
    await k8s.patch("deployments", `benchmark-${i}`, restart, { namespace: data.namespaces[i] });
    rolled++;
    await sleep(INTERVAL_S);
  }
  if (rolled > 0) {
    const after = await tracker.waitFor(REPLICAS * (DEPLOYMENTS + rolled), { timeout: "10m" });
    check(after, { "every rolled pod runs": (s) => s.running >= REPLICAS * (DEPLOYMENTS + rolled) });
    console.log(`${rolled} rolling update(s): ${after.running} pods ran in all`);
  }
}

export async function readers(data: Data) {
  // kperf's shares: 1000 stale LISTs of one node's pods, 100 stale LISTs of every pod, 200 quorum LISTs of 100 pods.
  const r = Math.random() * 1300;
  if (r < 1000) {
    const res = await k8s.list("pods", { fieldSelector: `spec.nodeName=${POOL}-${Math.min(49, NODES - 1)}`, consistency: "stale", tags: { list: "node-pods" } });
    check(res, { "list": (x) => x.status === 200 });
  } else if (r < 1100) {
    const res = await k8s.list("pods", { consistency: "stale", tags: { list: "all-pods" } });
    check(res, { "list": (x) => x.status === 200 });
  } else {
    const res = await k8s.list("pods", { namespace: data.namespaces[0], labelSelector: "app=benchmark", limit: 100, tags: { list: "namespace-pods" } });
    check(res, { "list": (x) => x.status === 200 });
  }
}

export async function teardown(data: Data) {
  const s = await podStartupTracker(data.tracker).stop();
  console.log(
    `pods: ${s.created} created (${s.createdPerSecond}/s), ${s.running} ran; startup p50 ${s.startup.p50} s p99 ${s.startup.p99} s; ` +
      `scheduling p50 ${s.scheduling.p50} s p99 ${s.scheduling.p99} s`,
  );
  // Orphan the pods and delete them at once: the namespace controller would delete them one by one through kwok.
  for (const namespace of data.namespaces) {
    await k8s.deleteCollection("deployments", { namespace, propagationPolicy: "Orphan", timeout: "5m" });
    await k8s.deleteCollection("replicasets", { namespace, propagationPolicy: "Orphan", timeout: "5m" });
    await k8s.deleteCollection("pods", { namespace, gracePeriodSeconds: 0, timeout: "5m" });
    await k8s.delete("namespaces", namespace);
  }
  await deleteNodePool(POOL);
}
