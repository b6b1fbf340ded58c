// runkperf's node10_job1_pod100 as a scenario: a pool of 10 fake nodes, then one Job of 100 pods created, run to
// completion and deleted, again and again (5 s apart), while other VUs read at a constant rate (kperf's mix: stale LIST
// of the Job's pods, stale GET of a node). Thresholds follow the Kubernetes SLOs: pod startup p99 ≤ 5 s, single-object
// mutating calls p99 ≤ 1 s, single-object reads p99 ≤ 1 s, lists p99 ≤ 30 s.
// Run: loadgen run scenarios/node10-job1-pod100.ts   (sizes: -e NODES=10 -e PODS=100 -e DURATION=1m -e RATE=10)
import * as k8s from "loadgen/k8s";
import { addNodePool, deleteNodePool, podPlacement, podStartupTracker, trackPodStartup, type NodePool } from "loadgen/kwok";
import { check, sleep } from "loadgen";
import exec from "loadgen/execution";

const NODES = Number(__ENV.NODES ?? 10);
const PODS = Number(__ENV.PODS ?? 100);
const DURATION = __ENV.DURATION ?? "1m";
const RATE = Number(__ENV.RATE ?? 10);
const INTERVAL_S = Number(__ENV.INTERVAL ?? 5);
const POOL = __ENV.POOL ?? "node10job1pod100";

export const options = {
  setupTimeout: "3m",
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(99)"],
  teardownTimeout: "5m",
  scenarios: {
    // One VU repeats the Job for as long as the readers run (its last cycle may finish in the graceful stop).
    jobs: { executor: "constant-vus", exec: "jobs", vus: 1, duration: DURATION, gracefulStop: "3m" },
    readers: { executor: "constant-arrival-rate", exec: "readers", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 5, maxVUs: 50 },
  },
  // cleanup: a safety net for a run that stops before teardown (pool nodes carry the run's labels too).
  k8s: { conns: 2, cleanup: true },
  thresholds: {
    pod_startup_seconds: ["p(99)<=5"],
    "k8s_request_duration{verb:create}": ["p(99)<1000"],
    "k8s_request_duration{verb:delete}": ["p(99)<1000"],
    "k8s_request_duration{verb:get}": ["p(99)<1000"],
    "k8s_request_duration{verb:list}": ["p(99)<30000"],
    checks: ["rate>0.99"],
  },
};

interface Data {
  namespace: string;
  pool: NodePool;
  tracker: string;
}

export async function setup(): Promise<Data> {
  const pool = await addNodePool(POOL, { nodes: NODES, cpu: 32, memory: 256, maxPods: 110, timeout: "2m" });
  console.log(`pool ${POOL}: ${pool.ready} nodes Ready in ${(pool.readyMs! / 1000).toFixed(1)} s`);
  const ns = await k8s.create<k8s.KubeObject>({ apiVersion: "v1", kind: "Namespace", metadata: { generateName: "job1pod100-" } }, { decode: true });
  const namespace = ns.metadata!.name!;
  const tracker = await trackPodStartup({ namespace });
  return { namespace, pool, tracker: tracker.id };
}

function job(name: string, pool: NodePool): k8s.KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      completions: PODS,
      parallelism: PODS,
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: "job1pod100" } },
        spec: { ...podPlacement(pool), restartPolicy: "Never", containers: [{ name: "work", image: "fake-image" }] },
      },
    },
  };
}

export async function jobs(data: Data) {
  const namespace = data.namespace;
  const name = `job-${exec.scenario.iterationInTest}`;
  await k8s.create(job(name, data.pool), { namespace });
  const done = await k8s
    .waitFor("jobs", { namespace, name, until: { condition: "Complete", status: "True" }, timeout: "3m" })
    .then(() => true, (e) => (console.warn(`${name}: ${e.message}`), false));
  check(done, { "the Job completes": (d) => d });
  await k8s.delete("jobs", name, { namespace, propagationPolicy: "Background" });
  await sleep(INTERVAL_S);
}

export async function readers(data: Data) {
  // kperf's shares: 1000 stale LISTs of the Job's pods to 100 stale GETs of a node.
  if (Math.random() < 1000 / 1100) {
    const r = await k8s.list("pods", { namespace: data.namespace, consistency: "stale" });
    check(r, { "list pods": (x) => x.status === 200 });
  } else {
    const r = await k8s.get("nodes", `${POOL}-${Math.floor(Math.random() * NODES)}`, { consistency: "stale" });
    check(r, { "get node": (x) => x.status === 200 });
  }
}

export async function teardown(data: Data) {
  const s = await podStartupTracker(data.tracker).stop();
  console.log(
    `pods: ${s.created} created (${s.createdPerSecond}/s), ${s.running} ran; startup p50 ${s.startup.p50}s p99 ${s.startup.p99}s; scheduling p50 ${s.scheduling.p50}s p99 ${s.scheduling.p99}s`,
  );
  await k8s.delete("namespaces", data.namespace);
  await k8s.waitFor("pods", { namespace: data.namespace, until: "deleted", timeout: "3m" }).catch((e) => console.warn(e.message));
  await deleteNodePool(POOL);
}
