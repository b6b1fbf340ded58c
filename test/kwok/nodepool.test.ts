// Node pools on the local cluster (its kwok keeps them Ready): 100 nodes come Ready within a minute, list shows them,
// a second add of the same pool and an add whose node name is taken fail without leaving anything, a delete of a
// missing pool fails clearly, and a delete removes every node. The CLI is checked for the same through bin/loadgen.js.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { R } from "../../runtime/kwok/kube-api.ts";
import { addNodePool, deleteNodePool, listNodePools, nodeObject, POOL_LABEL, type NodePoolSpec } from "../../runtime/kwok/node-pool.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli } from "../fixtures/run-scenario.ts";
import { poolContext, poolName, rejects, type TestPoolContext } from "./helpers.ts";

let ctx: TestPoolContext;
const made: string[] = [];

test.before(async () => {
  ctx = await poolContext();
});
test.after(async () => {
  for (const name of made) await deleteNodePool(ctx, name).catch(() => {});
  await ctx.close();
});

function spec(name: string, nodes: number, extra: Partial<NodePoolSpec> = {}): NodePoolSpec {
  return { name, nodes, cpu: 16, memory: 64, maxPods: 110, labels: {}, taints: [], ...extra };
}

async function nodesOf(name: string): Promise<string[]> {
  return (await ctx.api.list(R.nodes, { labelSelector: `${POOL_LABEL}=${name}` })).items.map((n) => n.metadata.name as string);
}


test("100 nodes are created, come Ready within a minute, and list shows the pool", async () => {
  const name = poolName("np100");
  made.push(name);
  const r = await addNodePool(ctx, spec(name, 100, { labels: { team: "perf" }, taints: [{ key: "dedicated", value: "bench", effect: "NoSchedule" }] }), { timeoutMs: 60_000 });
  assert.is(r.controller.kind, "local", "the local cluster's kwok is used, nothing deployed");
  assert.is(r.controller.deployed, false);
  assert.ok(r.readyMs !== undefined && r.readyMs < 60_000, `Ready within a minute (took ${r.readyMs} ms)`);
  console.log(`    100 nodes: created in ${(r.createMs / 1000).toFixed(2)} s; Ready condition on all ${(r.conditionMs! / 1000).toFixed(2)} s, all schedulable ${(r.readyMs! / 1000).toFixed(2)} s after the first create`);
  assert.is(r.pool.ready, 100);
  assert.is(r.pool.status, "Ready");

  const pool = (await listNodePools(ctx)).find((p) => p.name === name);
  assert.ok(pool, "list shows the pool");
  assert.equal(
    { nodes: pool!.nodes, present: pool!.present, ready: pool!.ready, cpu: pool!.cpu, memory: pool!.memory, maxPods: pool!.maxPods, status: pool!.status, labels: pool!.labels },
    { nodes: 100, present: 100, ready: 100, cpu: 16, memory: 64, maxPods: 110, status: "Ready", labels: { team: "perf" } },
  );
  assert.equal(pool!.nodeSelector, { [POOL_LABEL]: name });
  assert.equal(pool!.tolerations, [
    { key: "kwok.x-k8s.io/node", operator: "Equal", value: "fake", effect: "NoSchedule" },
    { key: "dedicated", operator: "Equal", value: "bench", effect: "NoSchedule" },
  ]);

  const node = await ctx.api.get(R.nodes, { name: `${name}-42` });
  assert.is(node.metadata.annotations["kwok.x-k8s.io/node"], "fake");
  assert.is(node.metadata.labels[POOL_LABEL], name);
  assert.is(node.metadata.labels.type, "kwok");
  assert.is(node.metadata.labels.team, "perf");
  assert.equal(node.spec.taints, [
    { key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" },
    { key: "dedicated", value: "bench", effect: "NoSchedule" },
  ]);
  assert.equal(node.status.allocatable, { cpu: "16", memory: "64Gi", pods: "110" });

  const err = await rejects(addNodePool(ctx, spec(name, 5)));
  assert.is(err.code, "AlreadyExists");
  assert.match(err.message, `node pool "${name}" already exists`);
  assert.is((await nodesOf(name)).length, 100, "the failed add changed nothing");

  const d = await deleteNodePool(ctx, name);
  assert.is(d.deleted, 100);
  assert.is(d.controllerRemoved, false, "the local cluster's kwok is not loadgen's to remove");
  assert.equal(await nodesOf(name), [], "every node is gone");
  assert.not.ok((await listNodePools(ctx)).some((p) => p.name === name));
});

test("an add whose node name is taken by another node fails and removes the nodes it made, not the other one", async () => {
  const name = poolName("npclash");
  made.push(name);
  // A node outside the pool that holds the name of the pool's node 3.
  const squatter = nodeObject(spec("other", 1), 0);
  squatter.metadata.name = `${name}-3`;
  delete squatter.metadata.labels[POOL_LABEL];
  await ctx.api.create(R.nodes, squatter);
  try {
    const err = await rejects(addNodePool(ctx, spec(name, 10), { concurrency: 4 }));
    assert.is(err.code, "AlreadyExists");
    assert.match(err.message, `a node named "${name}-3" already exists`);
    assert.equal(await nodesOf(name), [], "nothing of the pool is left");
    const still = await ctx.api.get(R.nodes, { name: `${name}-3` });
    assert.is(still.metadata.uid, (await ctx.api.get(R.nodes, { name: `${name}-3` })).metadata.uid, "the other node is untouched");
  } finally {
    await ctx.api.delete(R.nodes, { name: `${name}-3` }).catch(() => {});
  }
});

test("bad input: a delete of a pool that does not exist, and invalid specs, fail clearly", async () => {
  const missing = await rejects(deleteNodePool(ctx, "no-such-pool-x1"));
  assert.is(missing.code, "NotFound");
  assert.is(missing.status, 404);
  assert.match(missing.message, 'node pool "no-such-pool-x1" not found');

  const bad = await rejects(addNodePool(ctx, spec("Bad_Name", 0, { labels: { type: "x" }, taints: [{ key: "k", effect: "Sometimes" as never }] })));
  assert.is(bad.code, "InvalidOptions");
  for (const part of ["name \"Bad_Name\"", "nodes: must be an integer", 'labels: "type" is set by the pool itself', "taints: the effect of \"k\""]) assert.match(bad.message, part);
});

test("the CLI: add, list (table and --json), add again and delete a missing pool exit non-zero, delete", async () => {
  const { kubeconfig } = await useLocalCluster();
  const name = poolName("npcli");
  made.push(name);
  const cli = (...args: string[]) => runCli(["nodepool", ...args, "--kubeconfig", kubeconfig], { timeoutMs: 120_000 });

  const add = await cli("add", name, "--nodes", "5", "--cpu", "4", "--memory", "16", "--max-pods", "30", "--labels", "a=1,b=2", "--taints", "gpu:NoSchedule");
  assert.is(add.exitCode, 0, add.stderr);
  assert.match(add.stdout, `node pool "${name}": 5 node(s) created`);

  const list = await cli("list");
  assert.is(list.exitCode, 0, list.stderr);
  const row = list.stdout.split("\n").find((l) => l.startsWith(name + " "));
  assert.ok(row, list.stdout);
  assert.match(row!, /^\S+\s+5\/5\s+4\s+16Gi\s+30\s+Ready\s+a=1,b=2\s+gpu:NoSchedule$/);
  assert.match(list.stdout.split("\n")[0]!, /^NAME\s+READY\s+CPU\s+MEMORY\s+MAX PODS\s+STATUS/);

  const json = await cli("list", "--json");
  const pool = (JSON.parse(json.stdout) as Array<{ name: string; ready: number; nodes: number }>).find((p) => p.name === name);
  assert.equal({ ready: pool?.ready, nodes: pool?.nodes }, { ready: 5, nodes: 5 });

  const again = await cli("add", name, "--nodes", "1");
  assert.is(again.exitCode, 1);
  assert.match(again.stderr, `node pool "${name}" already exists`);

  const missing = await cli("delete", `${name}-missing`);
  assert.is(missing.exitCode, 1);
  assert.match(missing.stderr, `node pool "${name}-missing" not found`);

  const del = await cli("delete", name);
  assert.is(del.exitCode, 0, del.stderr);
  assert.match(del.stdout, `node pool "${name}": 5 node(s) deleted`);
  assert.equal(await nodesOf(name), []);
});

test.run();
