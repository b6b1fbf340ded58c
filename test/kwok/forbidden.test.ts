// A user who may not create nodes: a ServiceAccount token (TokenRequest API) with RBAC to read nodes only, and one with
// no rights at all. add fails before making anything and names the user and the missing verb; delete of a pool it may
// not delete fails and leaves the pool; the CLI exits non-zero with the same message; list works for the reader.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { R } from "../../runtime/kwok/kube-api.ts";
import { addNodePool, deleteNodePool, listNodePools, POOL_LABEL, type NodePoolSpec } from "../../runtime/kwok/node-pool.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli } from "../fixtures/run-scenario.ts";
import { poolContext, poolName, rejects, type TestPoolContext } from "./helpers.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-kwok-rbac-"));
let admin: TestPoolContext;
let ns = "";
const role = poolName("loadgen-test-node-reader");
const users: TestPoolContext[] = [];
const kubeconfigs: Record<string, string> = {};

/** A kubeconfig for the local cluster's server and CA with a ServiceAccount's token. */
async function tokenKubeconfig(sa: string): Promise<string> {
  await admin.api.create(R.serviceaccounts, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa } }, { namespace: ns });
  const { kubeconfig } = await useLocalCluster();
  const doc = yaml.load(readFileSync(kubeconfig, "utf8")) as { clusters: Array<{ cluster: Record<string, string> }> };
  // TokenRequest: POST serviceaccounts/<sa>/token (a subresource, so through a raw api call on the SA's path).
  const tr = await admin.api.create({ ...R.serviceaccounts, resource: `serviceaccounts/${sa}/token` }, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } }, { namespace: ns });
  const file = path.join(tmp, `${sa}.kubeconfig`);
  writeFileSync(file, yaml.dump({
    apiVersion: "v1", kind: "Config", clusters: [{ name: "c", cluster: doc.clusters[0]!.cluster }],
    users: [{ name: "u", user: { token: tr.status.token } }], contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }], "current-context": "ctx",
  }));
  return file;
}

test.before(async () => {
  admin = await poolContext();
  ns = poolName("kwok-rbac");
  await admin.api.create(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "loadgen.dev/test": "true" } } });
  await admin.api.create(R.clusterroles, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: role }, rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }] });
  await admin.api.create(R.clusterrolebindings, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: role },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns }],
  });
  kubeconfigs.reader = await tokenKubeconfig("reader");
  kubeconfigs.nobody = await tokenKubeconfig("nobody");
});

test.after(async () => {
  for (const u of users) await u.close();
  await admin.api.delete(R.clusterrolebindings, { name: role }).catch(() => {});
  await admin.api.delete(R.clusterroles, { name: role }).catch(() => {});
  await admin.api.delete(R.namespaces, { name: ns }).catch(() => {});
  await admin.close();
});

async function as(user: string): Promise<TestPoolContext> {
  const c = await poolContext(kubeconfigs[user]);
  users.push(c);
  return c;
}

function spec(name: string): NodePoolSpec {
  return { name, nodes: 3, cpu: 2, memory: 4, maxPods: 10, labels: {}, taints: [] };
}


test("a user who may read but not create nodes: add fails before making anything, naming the user and the verb", async () => {
  const reader = await as("reader");
  const name = poolName("nprbac");
  const err = await rejects(addNodePool(reader, spec(name), { controller: "auto" }));
  assert.is(err.code, "Forbidden");
  assert.is(err.status, 403);
  assert.match(err.message, `cannot add node pool "${name}": user "system:serviceaccount:${ns}:reader" may not create nodes`);
  const left = await admin.api.list(R.nodes, { labelSelector: `${POOL_LABEL}=${name}` });
  assert.is(left.items.length, 0, "no node was made");
  assert.ok(Array.isArray(await listNodePools(reader)), "the reader may list pools");
});

test("a user with no rights at all: add and list fail with Forbidden naming the user", async () => {
  const nobody = await as("nobody");
  const err = await rejects(addNodePool(nobody, spec(poolName("nprbac"))));
  assert.is(err.code, "Forbidden");
  assert.match(err.message, `forbidden for user "system:serviceaccount:${ns}:nobody"`);
  const list = await rejects(listNodePools(nobody));
  assert.is(list.code, "Forbidden");
  assert.match(list.message, "cannot list node pools");
});

test("a pool the user may not delete stays whole; the CLI exits 1 with the message", async () => {
  const name = poolName("nprbac-del");
  await addNodePool(admin, spec(name));
  try {
    const err = await rejects(deleteNodePool(await as("reader"), name));
    assert.is(err.code, "Forbidden");
    assert.match(err.message, `cannot delete node pool "${name}": forbidden for user "system:serviceaccount:${ns}:reader"`);
    const left = await admin.api.list(R.nodes, { labelSelector: `${POOL_LABEL}=${name}` });
    assert.is(left.items.length, 3, "every node is still there");

    const cli = await runCli(["nodepool", "add", poolName("nprbac-cli"), "--nodes", "2", "--kubeconfig", kubeconfigs.reader!], { timeoutMs: 60_000 });
    assert.is(cli.exitCode, 1);
    assert.match(cli.stderr, "may not create nodes");
    assert.match(cli.stderr, "[Forbidden]");
  } finally {
    await deleteNodePool(admin, name);
  }
});

test.run();
