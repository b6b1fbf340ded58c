// `loadgen run` on kperf's runner-group spec files (`count` + `loadProfile`): the wrapped profile runs once, here,
// against the local kube-apiserver; a log line says the runner-group fields are ignored; the kperf result is the
// wrapped profile's. The kperf file is run unchanged (test/fixtures/kperf).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KperfReport } from "../../runtime/kperf/result.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli, runFile } from "../fixtures/run-scenario.ts";

const fixtures = fileURLToPath(new URL("../fixtures/kperf/", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-kperf-rg-"));

/** Requests per kperf URL key, successes and failures, from a result with raw data. */
function countsByUrl(r: KperfReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [url, list] of Object.entries(r.latenciesByURL ?? {})) out[url] = (out[url] ?? 0) + list.length;
  for (const e of r.errors ?? []) out[`${e.method} ${e.url}`] = (out[`${e.method} ${e.url}`] ?? 0) + 1;
  return out;
}

test("kperf's node10_job1_pod100.yaml runs its wrapped profile once: the kperf result has the profile's total of 1000", async () => {
  const { kubeconfig, server } = await useLocalCluster();
  const logs: string[] = [];
  // rate: 0 (kperf runner run --rate 0) so the 1000 requests do not take the file's 100 s at 10/s; the file is unchanged.
  const r = await runFile(path.join(fixtures, "node10_job1_pod100.yaml"), {
    cluster: { kubeconfig },
    runId: "kperf-rg-test",
    log: (l) => logs.push(l),
    signal: new AbortController().signal,
    kperf: { overrides: { rate: 0 }, rawData: true },
  });
  assert.is(r.exitCode, 0);
  const result = r.reports.kperf as KperfReport;
  assert.is(result.total, 1000);
  const counts = countsByUrl(result);
  assert.equal(Object.keys(counts).sort(), [`LIST ${server}/api/v1/events?limit=1000`, `LIST ${server}/api/v1/pods?limit=1000`, `LIST ${server}/api/v1/pods?resourceVersion=0`]);
  assert.is(Object.values(counts).reduce((a, b) => a + b, 0), 1000);
  assert.is(result.errorStats, undefined, JSON.stringify(result.errorStats));
  assert.is(r.summary.metrics.k8s_requests?.values.count, 1000);
  const notice = logs.filter((l) => l.includes("runner-group spec"));
  assert.equal(notice, ["kperf: runner-group spec: count (1) applies to runner groups (`loadgen rg run` runs the spec on runner pods) and is ignored by loadgen run: its loadProfile runs once, from here"]);
  assert.ok(logs.some((l) => l.startsWith("kperf: spec 1/1: rate unlimited/s, total 1000, conns 10, client 10")), logs.join("\n"));
});

test("loadgen run on a runner-group spec logs that count, nodeAffinity and serviceAccount are ignored; --result-format kperf writes the wrapped profile's result", async () => {
  const { kubeconfig, server } = await useLocalCluster();
  const file = path.join(tmp, "group.yaml");
  writeFileSync(
    file,
    `count: 5
nodeAffinity:
  node.kubernetes.io/instance-type: [Standard_D16s_v3]
serviceAccount: kperf-runner
loadProfile:
  version: 1
  description: a runner group of five
  specs:
  - rate: 0
    total: 40
    conns: 2
    client: 4
    contentType: json
    requests:
    - staleList: { version: v1, resource: namespaces }
      shares: 1
    - quorumGet: { version: v1, resource: namespaces, name: default }
      shares: 1
`,
  );
  const resultFile = path.join(tmp, "group-result.json");
  const r = await runCli(["run", "--kubeconfig", kubeconfig, "--result-format", "kperf", "--result", resultFile, file], { timeoutMs: 120_000 });
  assert.is(r.exitCode, 0, r.stderr);
  assert.match(r.stderr, "kperf: runner-group spec: count (5), nodeAffinity, serviceAccount apply to runner groups (`loadgen rg run` runs the spec on runner pods) and are ignored by loadgen run");
  const result = JSON.parse(readFileSync(resultFile, "utf8"));
  assert.is(result.total, 40, "the profile's total, once: not count × total");
  assert.equal(Object.keys(result.percentileLatenciesByURL).sort(), [`GET ${server}/api/v1/namespaces/{name}`, `LIST ${server}/api/v1/namespaces?resourceVersion=0`]);
  assert.is(result.errorStats, undefined);
});

test("a runner-group spec with a bad profile fails before running, naming the file and the field below loadProfile", async () => {
  const file = path.join(tmp, "bad-group.yaml");
  writeFileSync(file, "count: 2\nloadProfile:\n  version: 1\n  specs:\n  - rate: 1\n    total: 1\n    conns: 1\n    client: 1\n    requests:\n    - shares: 1\n      staleGet: { version: v1, resource: pods }\n");
  const r = await runCli(["run", "--quiet", file]);
  assert.is(r.exitCode, 104);
  assert.match(r.stderr, `invalid options in ${file}`);
  assert.match(r.stderr, "loadProfile.specs[0].requests[0].staleGet.name: name is required");
});

test.run();
