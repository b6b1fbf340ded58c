// A kperf profile runs through the same engine, thresholds, summary and outputs as any scenario run: through the CLI
// against the local kube-apiserver, --summary-export and --out json get the run's k8s metrics, a --threshold on them
// is judged (99 when it fails), and kperf runner run's flags replace the profile's values.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli } from "../fixtures/run-scenario.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-kperf-out-"));
const profile = path.join(tmp, "reads.yaml");
writeFileSync(
  profile,
  `version: 1
spec:
  rate: 0
  total: 20
  conns: 1
  client: 2
  contentType: json
  requests:
  - shares: 1
    staleList: { version: v1, resource: namespaces }
  - shares: 1
    quorumGet: { version: v1, resource: namespaces, name: default }
`,
);

function lines(file: string): Array<{ type?: string; metric: string; data: { name?: string; value?: number; tags?: Record<string, string> } }> {
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

test("a kperf profile run writes --summary-export and every request's samples to --out json", async () => {
  const { kubeconfig } = await useLocalCluster();
  const summaryFile = path.join(tmp, "summary.json");
  const samples = path.join(tmp, "samples.ndjson");
  const r = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--summary-export", summaryFile, "--out", `json=${samples}`, profile], { timeoutMs: 120_000 });
  assert.is(r.exitCode, 0, r.stderr);
  const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
  assert.is(summary.metrics.k8s_requests.values.count, 20);
  assert.is(summary.metrics.k8s_request_duration.type, "trend");
  assert.is(summary.state.thresholdsFailed, false);
  assert.ok(summary.extensions["loadgen/k8s"].data.apiserver.byVerb.LIST >= 1, "the API server's own count of the run's LISTs");
  const out = lines(samples);
  assert.equal(out.filter((l) => l.type === "Metric").map((l) => l.metric).sort(), ["k8s_bytes_received", "k8s_request_duration", "k8s_requests"]);
  const requests = out.filter((l) => l.type === "Point" && l.metric === "k8s_requests");
  assert.is(requests.length, 20);
  assert.equal([...new Set(requests.map((l) => l.data.tags!.verb))].sort(), ["get", "list"]);
  assert.match(r.stdout, "k8s_requests", "the text summary is printed as for any run");
});

test("a threshold on a kperf run's k8s metrics is judged: a failing one exits 99 and is marked in the summary", async () => {
  const { kubeconfig } = await useLocalCluster();
  const summaryFile = path.join(tmp, "failed.json");
  const fails = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--summary-export", summaryFile, "--threshold", "k8s_requests=count<5", "--threshold", "k8s_request_duration{verb:list}=p(95)<60000", profile], { timeoutMs: 120_000 });
  assert.is(fails.exitCode, 99, fails.stderr);
  assert.match(fails.stderr, "loadgen: thresholds failed: k8s_requests");
  const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
  assert.is(summary.state.thresholdsFailed, true);
  assert.equal(summary.metrics.k8s_requests.thresholds, { "count<5": { ok: false } });
  assert.equal(summary.metrics["k8s_request_duration{verb:list}"].thresholds, { "p(95)<60000": { ok: true } });
  assert.match(fails.stdout, "✗ k8s_requests");

  const ignored = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--no-thresholds", "--threshold", "k8s_requests=count<5", profile], { timeoutMs: 120_000 });
  assert.is(ignored.exitCode, 0, ignored.stderr);
  const bad = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--threshold", "k8s_requests=rate>0.5x", profile]);
  assert.is(bad.exitCode, 104);
  assert.match(bad.stderr, `invalid options in ${profile}`);
});

test("kperf runner run's flags replace the profile's values: --total, --client, --raw-data", async () => {
  const { kubeconfig } = await useLocalCluster();
  const resultFile = path.join(tmp, "result.json");
  const r = await runCli(["run", "--quiet", "--kubeconfig", kubeconfig, "--total", "7", "--client", "1", "--raw-data", "--result-format", "kperf", "--result", resultFile, profile], { timeoutMs: 120_000 });
  assert.is(r.exitCode, 0, r.stderr);
  const result = JSON.parse(readFileSync(resultFile, "utf8"));
  assert.is(result.total, 7);
  const raw = Object.values(result.latenciesByURL as Record<string, number[]>).reduce((n, l) => n + l.length, 0);
  assert.is(raw, 7, "--raw-data lists every latency");
  assert.match(r.stdout, "k8s_requests", "with --result the text summary is printed too");

  const script = path.join(tmp, "s.ts");
  writeFileSync(script, "export default function () {}\n");
  const refused = await runCli(["run", "--quiet", "--rate", "5", script]);
  assert.is(refused.exitCode, 104);
  assert.match(refused.stderr, "--rate: applies to kperf load profiles and runner-group specs");
});

test.run();
