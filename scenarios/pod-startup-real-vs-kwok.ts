// Pod startup on the local cluster's real node beside a kwok pool, in one run: PODS pods that really run there
// (loadgen's pause image, host network, as every pod on that node) and PODS pods on a pool of fake nodes, created
// interleaved by the same VUs, each kind measured by its own loadgen/kwok tracker (created → scheduled → running, as
// seen by watch). The summary's pod startup table has one row per kind; `npm run bench -- node` runs this and prints
// both side by side. A pod that never starts fails the run (its check, so exit 99), saying how far each kind got.
// Run: loadgen run scenarios/pod-startup-real-vs-kwok.ts   (-e PODS=50 -e VUS=10 -e NODES=5 -e TIMEOUT=5m)
import * as k8s from "loadgen/k8s";
import { addNodePool, deleteNodePool, podPlacement, podStartupTracker, trackPodStartup, type NodePool, type PodStartupStats } from "loadgen/kwok";
import { check } from "loadgen";
import exec from "loadgen/execution";

const PODS = Number(__ENV.PODS ?? 50);
const VUS = Number(__ENV.VUS ?? 10);
const NODES = Number(__ENV.NODES ?? 5);
const TIMEOUT = __ENV.TIMEOUT ?? "5m";
/** The real node: its name, taint, and the sandbox image it always has (imported at `cluster up`). */
const REAL_NODE = "127.0.0.1";
const IMAGE = __ENV.IMAGE ?? "loadgen.local/pause:v1.0";
const KIND = "loadgen.io/startup-kind";

export const options = {
  setupTimeout: "3m",
  teardownTimeout: "10m",
  scenarios: { create: { executor: "shared-iterations", vus: VUS, iterations: 2 * PODS, maxDuration: "5m" } },
  k8s: { cleanup: true },
  thresholds: { checks: ["rate==1"] },
};

interface Data {
  namespace: string;
  pool: NodePool;
  trackers: { real: string; kwok: string };
}

export async function setup(): Promise<Data> {
  const node = await k8s.get<k8s.KubeObject>("nodes", REAL_NODE, { decode: true }).catch(() => undefined);
  const ready = (node?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  if (!ready) throw new Error(`node ${REAL_NODE} is ${node ? "not Ready" : "missing"}: this scenario needs the local cluster's real node (loadgen cluster up, without --no-real-node)`);
  const ns = await k8s.create<k8s.KubeObject>({ apiVersion: "v1", kind: "Namespace", metadata: { generateName: "pod-startup-" } }, { decode: true });
  const namespace = ns.metadata!.name!;
  const pool = await addNodePool(`startup-${namespace.slice(-5)}`, { nodes: NODES, maxPods: 110, timeout: "2m" });
  const real = await trackPodStartup({ namespace, labelSelector: `${KIND}=real-node`, tags: { node: "real" } });
  const kwok = await trackPodStartup({ namespace, labelSelector: `${KIND}=kwok`, tags: { node: "kwok" } });
  return { namespace, pool, trackers: { real: real.id, kwok: kwok.id } };
}

function realNodePod(i: number): k8s.KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `real-${i}`, labels: { [KIND]: "real-node" } },
    spec: {
      hostNetwork: true,
      nodeSelector: { "kubernetes.io/hostname": REAL_NODE },
      tolerations: [{ key: "loadgen.io/real-node", operator: "Exists", effect: "NoSchedule" }],
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "pause", image: IMAGE, imagePullPolicy: "IfNotPresent" }],
    },
  };
}

function kwokPod(i: number, pool: NodePool): k8s.KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `kwok-${i}`, labels: { [KIND]: "kwok" } },
    spec: { ...podPlacement(pool), containers: [{ name: "pause", image: IMAGE, imagePullPolicy: "IfNotPresent" }] },
  };
}

/** Iterations alternate: real node, kwok, real node, … so both kinds are created side by side. */
export default async function (data: Data) {
  const i = exec.scenario.iterationInTest;
  const n = i >> 1;
  await k8s.create(i % 2 === 0 ? realNodePod(n) : kwokPod(n, data.pool), { namespace: data.namespace });
}

async function waitAll(id: string, what: string): Promise<PodStartupStats | undefined> {
  try {
    return await podStartupTracker(id).waitFor(PODS, { timeout: TIMEOUT });
  } catch (e) {
    console.error(`${what}: ${(e as Error).message}`);
    return undefined;
  }
}

export async function teardown(data: Data) {
  const [real, kwok] = await Promise.all([waitAll(data.trackers.real, "real node"), waitAll(data.trackers.kwok, "kwok pool")]);
  check(real, { [`all ${PODS} pods on the real node started`]: (s) => s !== undefined && s.running === PODS });
  check(kwok, { [`all ${PODS} pods on the kwok pool started`]: (s) => s !== undefined && s.running === PODS });
  await k8s.delete("namespaces", data.namespace);
  await k8s.waitFor("namespaces", { name: data.namespace, until: "deleted", timeout: "5m" }).catch((e) => console.warn(`namespace ${data.namespace}: ${e.message}`));
  await deleteNodePool(data.pool.name);
}
