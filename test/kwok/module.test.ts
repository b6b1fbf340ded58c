// loadgen/kwok from a scenario: setup builds a pool and starts a pod-startup tracker, an iteration runs a Deployment on
// the pool and touches every running pod (more watch events), teardown removes it all. Each pod is measured once.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { R } from "../../runtime/kwok/kube-api.ts";
import { deleteNodePool, POOL_LABEL } from "../../runtime/kwok/node-pool.ts";
import { errorsOf, failedChecks, runK8sScenario } from "../k8s/helpers.ts";
import { poolContext, poolName } from "./helpers.ts";

const scenario = `
import { addNodePool, deleteNodePool, listNodePools, podPlacement, podStartupTracker, trackPodStartup } from "loadgen/kwok";
import * as k8s from "loadgen/k8s";
import { check, sleep } from "loadgen";

const NS = __ENV.NS;
const POOL = __ENV.POOL;
const REPLICAS = 20;
export const options = { vus: 1, iterations: 1, thresholds: { pod_startup_seconds: ["p(99)<=5"] } };

export async function setup() {
  const pool = await addNodePool(POOL, { nodes: 3, cpu: 8, memory: 32, maxPods: 50, labels: { purpose: "test" } });
  check(pool, {
    "the pool is Ready": (p) => p.ready === 3 && p.status === "Ready" && p.readyMs !== null,
    "the local kwok keeps it": (p) => p.controller === "local" && !p.controllerDeployed,
  });
  let dup = "no error";
  try { await addNodePool(POOL, { nodes: 1 }); } catch (e) { dup = e.name + " " + e.code + " " + e.status; }
  check(dup, { "a second add of the pool fails": (d) => d === "NodePoolError AlreadyExists 409" });
  await k8s.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  const t = await trackPodStartup({ namespace: NS, tags: { workload: "web" } });
  return { tracker: t.id, pool };
}

export default async function (data) {
  const pools = await listNodePools();
  check(pools, { "list shows the pool": (ps) => ps.some((p) => p.name === POOL && p.ready === 3 && p.labels.purpose === "test") });
  const labels = { app: "web" };
  await k8s.create({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: NS },
    spec: { replicas: REPLICAS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { ...podPlacement(data.pool), containers: [{ name: "c", image: "fake" }] } } },
  });
  const tracker = podStartupTracker(data.tracker);
  const s = await tracker.waitFor(REPLICAS, { timeout: "2m" });
  check(s, { "every pod was seen running": (x) => x.running === REPLICAS && x.created === REPLICAS && x.scheduled === REPLICAS });
  const pods = await k8s.list("pods", { namespace: NS, decode: true });
  check(pods.items, { "every pod is on a node of the pool": (ps) => ps.length === REPLICAS && ps.every((p) => p.spec.nodeName.startsWith(POOL + "-")) });
  // More events for pods already counted: they must not be counted again.
  for (const p of pods.items) await k8s.patch("pods", p.metadata.name, { metadata: { labels: { touched: "yes" } } }, { namespace: NS });
  await sleep(1);
  const after = await tracker.stats();
  check(after, { "touched pods are not counted again": (x) => x.running === REPLICAS && x.startup.count === REPLICAS });
}

export async function teardown(data) {
  const s = await podStartupTracker(data.tracker).stop();
  console.log("STATS " + JSON.stringify(s));
  await k8s.delete("namespaces", NS);
  await k8s.waitFor("pods", { namespace: NS, until: "deleted", timeout: "2m" });
  const d = await deleteNodePool(POOL);
  check(d, { "teardown deletes the pool": (x) => x.deleted === 3 });
}
`;

test("setup adds a pool, a Deployment's pods are each measured once, teardown deletes the pool", async () => {
  const pool = poolName("npmod");
  const ns = poolName("kwok-mod");
  const ctx = await poolContext();
  try {
    const run = await runK8sScenario(scenario, { env: { NS: ns, POOL: pool } });
    assert.is(run.exitCode, 0, errorsOf(run));
    assert.equal(failedChecks(run), [], errorsOf(run));
    const startup = run.prepared!.engine.seriesOf(run.prepared!.metrics.get("pod_startup_seconds")!);
    assert.is(startup.reduce((n, s) => n + (s.sink as unknown as { count: number }).count, 0), 20, "each of the 20 pods is measured once");
    assert.ok(startup.length > 0 && startup.every((s) => s.tags.tags.workload === "web"), "samples carry the tracker's tags");
    const scheduling = run.result!.summary.metrics.pod_scheduling_seconds!.values;
    assert.ok(scheduling.max! <= run.result!.summary.metrics.pod_startup_seconds!.values.max!, "scheduled no later than running");
    assert.is(run.result!.summary.metrics.pod_startup_seconds!.thresholds!["p(99)<=5"]!.ok, true);
    const ext = (run.result!.summary as unknown as { extensions?: Record<string, { data: { podStartup: Record<string, { running: number }> } }> }).extensions?.["loadgen/kwok"];
    assert.is(Object.values(ext?.data.podStartup ?? {})[0]?.running, 20, "the summary has the tracker's table");
    console.log("    " + run.logs.find((l) => l.includes("STATS")));
    const left = await ctx.api.list(R.nodes, { labelSelector: `${POOL_LABEL}=${pool}` });
    assert.is(left.items.length, 0, "no node left");
    assert.ok(!run.logs.some((l) => l.includes("still there")), "no pool-left-behind warning");
  } finally {
    await deleteNodePool(ctx, pool).catch(() => {});
    await ctx.close();
  }
});

test.run();
