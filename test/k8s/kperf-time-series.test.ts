// kperf's time-series mode against the local kube-apiserver: a profile sends exactly the requests its buckets list,
// by method and URL, in bucket order, with the same kperf result as weighted mode; kperf's own example file runs
// unchanged; and the weighted fields under `mode: weighted-random` + `modeConfig` run like the top-level ones.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CoreV1Api } from "@kubernetes/client-node";
import type { RunResult } from "../../runtime/execution/execute-run.ts";
import type { KperfReport } from "../../runtime/kperf/result.ts";
import { createTestNamespace, deleteTestNamespace, localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli, runFile } from "../fixtures/run-scenario.ts";

const fixtures = fileURLToPath(new URL("../fixtures/kperf/", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-kperf-ts-"));
let ns = "";
test.before(async () => {
  ns = await createTestNamespace(await localKubeConfig(), "k8s-kperf-ts");
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

/** Requests per kperf URL key, successes and failures, from a result with raw data. */
function countsByUrl(r: KperfReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [url, list] of Object.entries(r.latenciesByURL ?? {})) out[url] = (out[url] ?? 0) + list.length;
  for (const e of r.errors ?? []) out[`${e.method} ${e.url}`] = (out[`${e.method} ${e.url}`] ?? 0) + 1;
  return out;
}

async function run(file: string, runId: string, logs: string[] = []): Promise<RunResult> {
  const { kubeconfig } = await useLocalCluster();
  return runFile(file, { cluster: { kubeconfig }, runId, log: (l) => logs.push(l), signal: new AbortController().signal, kperf: { rawData: true } });
}

test("kperf's timeseries_simple.yaml runs unchanged: exactly the six requests its buckets list, by method and URL", async () => {
  const { server } = await useLocalCluster();
  const logs: string[] = [];
  const r = await run(path.join(fixtures, "timeseries_simple.yaml"), "kperf-ts-example", logs);
  assert.is(r.exitCode, 0);
  const result = r.reports.kperf as KperfReport;
  assert.is(result.total, 6);
  const d = `${server}/api/v1/namespaces/default`;
  assert.equal(countsByUrl(result), {
    [`LIST ${d}/pods?resourceVersion=0`]: 1,
    [`LIST ${d}/configmaps?limit=100`]: 1,
    [`GET ${d}/pods/{name}`]: 1,
    [`LIST ${d}/pods?limit=1000`]: 1,
    [`LIST ${d}/events?limit=500`]: 1,
    [`GET ${d}/configmaps/{name}`]: 1,
  });
  // test-pod-1 and test-cm-1 do not exist: the two GETs are kperf's http/404, counted like any failure.
  assert.equal(result.errorStats, { "http/404": 2 });
  assert.equal(result.errors!.map((e) => [e.method, e.type, e.code]), [["GET", "http", 404], ["GET", "http", 404]]);
  assert.equal(result.percentileLatencies!.map((p) => p[0]), [0, 0.5, 0.9, 0.95, 0.99, 1]);
  assert.ok(logs.some((l) => l.startsWith("kperf: runner-group spec: count (10) applies")), logs.join("\n"));
  assert.ok(logs.includes("kperf: spec 1/1: time-series: 3 buckets, 6 requests, the last at 2s, conns 10, client 100, json, HTTP/2"), logs.join("\n"));
});

test("a time-series profile sends exactly its buckets' requests in bucket order: the GET after the DELETE is the only 404", async () => {
  const { server } = await useLocalCluster();
  const cm = (name: string, v: string) => JSON.stringify(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app: "ts" } }, data: { k: v } }));
  const file = path.join(tmp, "ordered.yaml");
  writeFileSync(
    file,
    `version: 1
spec:
  conns: 1
  client: 1
  contentType: json
  mode: time-series
  modeConfig:
    buckets:
    - startTime: 0
      requests:
      - { method: POST, version: v1, resource: configmaps, namespace: ${ns}, body: ${cm("ts-a", "1")} }
      - { method: PUT, version: v1, resource: configmaps, namespace: ${ns}, name: ts-a, body: ${cm("ts-a", "2")} }
      - { method: GET, version: v1, resource: configmaps, namespace: ${ns}, name: ts-a }
    - startTime: 0.2
      requests:
      - { method: PATCH, version: v1, resource: configmaps, namespace: ${ns}, name: ts-a, patchType: merge, body: '{"data":{"k":"3"}}' }
      - { method: POST, version: v1, resource: configmaps, namespace: ${ns}, body: ${cm("ts-b", "1")} }
    - startTime: 0.4
      requests:
      - { method: PUT, version: v1, resource: configmaps, namespace: ${ns}, name: ts-b, body: ${cm("ts-b", "4")} }
      - { method: LIST, version: v1, resource: configmaps, namespace: ${ns}, labelSelector: app=ts, limit: 10 }
      - { method: GET, version: v1, resource: configmaps, namespace: ${ns}, name: ts-a, resourceVersion: "0" }
    - startTime: 0.6
      requests:
      - { method: DELETE, version: v1, resource: configmaps, namespace: ${ns}, name: ts-a }
      - { method: GET, version: v1, resource: configmaps, namespace: ${ns}, name: ts-a }
`,
  );
  const r = await run(file, "kperf-ts-order");
  assert.is(r.exitCode, 0);
  const result = r.reports.kperf as KperfReport;
  assert.is(result.total, 10);
  const base = `${server}/api/v1/namespaces/${ns}/configmaps`;
  assert.equal(countsByUrl(result), {
    [`POST ${base}`]: 2,
    [`GET ${base}/{name}`]: 2,
    [`PATCH ${base}/{name}`]: 1,
    [`PUT ${base}/{name}`]: 2,
    [`LIST ${base}?labelSelector=app%3Dts&limit=10`]: 1,
    [`GET ${base}/{name}?resourceVersion=0`]: 1,
    [`DELETE ${base}/{name}`]: 1,
  });
  // In any other order (across buckets or within one) a PUT, GET, PATCH or DELETE would meet a missing object, or the
  // last GET would find one.
  assert.equal(result.errorStats, { "http/404": 1 });
  assert.equal(result.errors!.map((e) => `${e.method} ${e.url} ${e.code}`), [`GET ${base}/{name} 404`]);
  assert.is(r.summary.metrics.k8s_requests?.values.count, 10);
  // ts-b stays, with the data of the PUT that came after its POST, and the run's labels for `loadgen cleanup --run`.
  const core = (await localKubeConfig()).makeApiClient(CoreV1Api);
  const b = await core.readNamespacedConfigMap({ name: "ts-b", namespace: ns });
  assert.equal(b.data, { k: "4" });
  assert.is(b.metadata?.labels?.["loadgen.io/run"], "kperf-ts-order");
  assert.is(b.metadata?.labels?.["loadgen.io/scenario"], "ordered");
  assert.is(b.metadata?.labels?.app, "ts");
});

test("a bucket's requests share `client` workers: a bucket of 60 GETs on 4 clients and 2 connections sends all 60", async () => {
  const { server } = await useLocalCluster();
  const file = path.join(tmp, "wide.yaml");
  const gets = Array.from({ length: 60 }, () => "      - { method: GET, version: v1, resource: namespaces, name: default }").join("\n");
  writeFileSync(file, `version: 1\nspecs:\n- conns: 2\n  client: 4\n  contentType: protobuf\n  mode: time-series\n  modeConfig:\n    buckets:\n    - startTime: 0\n      requests:\n${gets}\n    - startTime: 0.1\n      requests:\n      - { method: LIST, version: v1, resource: namespaces, resourceVersion: 0 }\n`);
  const r = await run(file, "kperf-ts-wide");
  const result = r.reports.kperf as KperfReport;
  assert.is(result.total, 61);
  assert.equal(countsByUrl(result), { [`GET ${server}/api/v1/namespaces/{name}`]: 60, [`LIST ${server}/api/v1/namespaces?resourceVersion=0`]: 1 });
  assert.is(result.errorStats, undefined);
});

test("the weighted fields under mode: weighted-random + modeConfig (kperf PR #223) run as the top-level ones do, through the CLI", async () => {
  const { kubeconfig, server } = await useLocalCluster();
  const file = path.join(tmp, "weighted-moded.yaml");
  writeFileSync(file, `version: 1\nspec:\n  conns: 1\n  client: 2\n  contentType: json\n  mode: weighted-random\n  modeConfig:\n    rate: 0\n    total: 25\n    requests:\n    - shares: 1\n      staleGet: { version: v1, resource: namespaces, name: default }\n`);
  const r = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--result-format", "kperf", file], { timeoutMs: 60_000 });
  assert.is(r.exitCode, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.is(result.total, 25);
  assert.equal(Object.keys(result.percentileLatenciesByURL), [`GET ${server}/api/v1/namespaces/{name}?resourceVersion=0`]);
});

test.run();
