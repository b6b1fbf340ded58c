// `loadgen run profile.yaml` runs a kperf load profile with kperf's meaning, against the local kube-apiserver, and
// `--result-format kperf` writes kperf's result JSON. Every request kind is in the profile; the objects put and
// postDel create carry the run's labels and are cleaned up afterwards.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CoreV1Api } from "@kubernetes/client-node";
import { createTestNamespace, deleteTestNamespace, localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli } from "../fixtures/run-scenario.ts";

let ns = "";
const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-kperf-"));
test.before(async () => {
  const kc = await localKubeConfig();
  ns = await createTestNamespace(kc, "k8s-kperf");
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < 3; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `patched-${i}` }, data: { key: "v" } } });
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

const everyKind = (n: string) => `
version: 1
description: every kperf request kind
spec:
  rate: 0
  total: 270
  conns: 2
  client: 4
  contentType: json
  requests:
  - shares: 10
    staleList: { version: v1, resource: pods }
  - shares: 10
    quorumList: { version: v1, resource: configmaps, namespace: ${n}, limit: 2 }
  - shares: 10
    watchList: { version: v1, resource: configmaps, namespace: ${n} }
  - shares: 10
    staleGet: { version: v1, resource: namespaces, name: default }
  - shares: 10
    quorumGet: { group: "", version: v1, resource: namespaces, name: ${n} }
  - shares: 10
    put: { version: v1, resource: configmaps, namespace: ${n}, name: put, keySpaceSize: 5, valueSize: 64 }
  - shares: 10
    patch: { version: v1, resource: configmaps, namespace: ${n}, name: patched, keySpaceSize: 3, valueSize: 32, patchType: merge }
  - shares: 10
    postDel: { version: v1, resource: configmaps, namespace: ${n}, deleteRatio: 0.3 }
  - shares: 10
    getPodLog: { namespace: ${n}, name: no-such-pod }
`;

test("a profile with every request kind runs to its total, and --result-format kperf writes kperf's result JSON", async () => {
  const profile = path.join(tmp, "every-kind.yaml");
  writeFileSync(profile, everyKind(ns));
  const { kubeconfig, server } = await useLocalCluster();
  const resultFile = path.join(tmp, "result.json");
  const r = await runCli(["run", "--kubeconfig", kubeconfig, "--result-format", "kperf", "--result", resultFile, profile], { timeoutMs: 120_000 });
  assert.is(r.exitCode, 0, r.stderr);
  const result = JSON.parse(readFileSync(resultFile, "utf8"));
  assert.is(result.total, 270);
  assert.match(result.duration, /^[\d.]+(ms|s)$/);
  assert.ok(result.totalReceivedBytes > 0);
  assert.equal(result.percentileLatencies.map((p: number[]) => p[0]), [0, 0.5, 0.9, 0.95, 0.99, 1]);
  const urls = Object.keys(result.percentileLatenciesByURL);
  const expect = [
    `LIST ${server}/api/v1/pods?resourceVersion=0`,
    `LIST ${server}/api/v1/namespaces/${ns}/configmaps?limit=2`,
    `WATCHLIST ${server}/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    `GET ${server}/api/v1/namespaces/{name}?resourceVersion=0`,
    `PATCH ${server}/api/v1/namespaces/${ns}/configmaps/{name}`,
    `POST ${server}/api/v1/namespaces/${ns}/configmaps`,
  ];
  for (const u of expect) assert.ok(urls.includes(u), `${u} in\n${urls.join("\n")}`);
  // The missing pod's log is kperf's http/404; nothing else failed.
  assert.equal(Object.keys(result.errorStats), ["http/404"]);
  assert.ok(result.errorStats["http/404"] > 0);
  // The text summary is printed too when the JSON goes to a file.
  assert.match(r.stdout, "k8s_requests");
  assert.match(r.stdout, "apiserver_request_total");
  // put and postDel objects are labelled with the run: clean them up.
  const runId = /run (\S+):/.exec(r.stderr)?.[1] ?? "";
  const core = (await localKubeConfig()).makeApiClient(CoreV1Api);
  const labelled = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: `loadgen.io/run=${runId}` });
  assert.ok(labelled.items.length > 0, "put and postDel objects carry the run label");
  assert.ok(labelled.items.every((c) => c.metadata?.labels?.["loadgen.io/scenario"] === "every-kind"));
  const clean = await runCli(["cleanup", "--run", runId, "--kubeconfig", kubeconfig], { timeoutMs: 120_000 });
  assert.is(clean.exitCode, 0, clean.stderr);
});

test("specs[] run in turn and give perSpecResults plus the aggregate; duration ends a spec", async () => {
  const profile = path.join(tmp, "two-specs.yaml");
  writeFileSync(profile, `
version: 1
specs:
- rate: 50
  total: 20
  conns: 1
  client: 2
  contentType: protobuf
  requests:
  - shares: 1
    staleList: { version: v1, resource: namespaces }
- rate: 20
  duration: 1
  conns: 1
  client: 1
  contentType: json
  disableHTTP2: true
  requests:
  - shares: 1
    quorumGet: { version: v1, resource: namespaces, name: default }
`);
  const { kubeconfig } = await useLocalCluster();
  const r = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--result-format", "kperf", profile], { timeoutMs: 60_000 });
  assert.is(r.exitCode, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.is(result.perSpecResults.length, 2);
  assert.is(result.perSpecResults[0].total, 20);
  const second = result.perSpecResults[1].total;
  assert.ok(second >= 15 && second <= 25, `about 20 requests in 1 s at rate 20, got ${second}`);
  assert.is(result.aggregated.total, 20 + second);
});

test("a profile kperf would reject fails with kperf's reason and exit code 104; other YAML is not a profile", async () => {
  const bad = path.join(tmp, "bad.yaml");
  writeFileSync(bad, "version: 1\nspec:\n  rate: 10\n  total: 10\n  conns: 0\n  client: 1\n  requests:\n  - shares: 1\n    staleList: { version: v1, resource: pods }\n");
  const r = await runCli(["run", "--quiet", bad]);
  assert.is(r.exitCode, 104);
  assert.match(r.stderr, "spec.conns: conns requires > 0: 0");
  writeFileSync(bad, "version: 1\nspec:\n  rate: 10\n  total: 10\n  conns: 1\n  client: 1\n  requests:\n  - shares: 1\n    staleList: { version: v1, resource: pods, limit: 5 }\n");
  const stale = await runCli(["run", "--quiet", bad]);
  assert.is(stale.exitCode, 104);
  assert.match(stale.stderr, "stale list doesn't support pagination option");
  const other = path.join(tmp, "other.yaml");
  writeFileSync(other, "apiVersion: v1\nkind: ConfigMap\n");
  const o = await runCli(["run", "--quiet", other]);
  assert.is(o.exitCode, 104);
  assert.match(o.stderr, "not a format loadgen runs");
});

test.run();
