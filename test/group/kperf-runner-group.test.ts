// `loadgen rg run` on kperf's runner-group specs, on the local cluster's real node through the real API server: as in
// kperf, every runner pod runs the whole load profile, and the group's result is kperf's result JSON of the merged
// data (total = the runners' sum, percentiles from the merged digests). kperf's own file runs unchanged
// (test/fixtures/kperf/node10_job1_pod100.yaml); a copy of our own sets count and nodeAffinity. The runners get,
// cluster-wide, exactly what the profile's requests need, and `rg delete` removes that too; `rg result` reattaches.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KperfReport } from "../../runtime/kperf/result.ts";
import { packageRoot } from "../../runtime/image/loadgen-image.ts";
import { onRealNode } from "../fixtures/real-node.ts";
import { useGroupImage } from "./group-image.ts";
import { groupObjects, loadgen, summaryFile } from "./helpers.ts";

const KPERF_FILE = join(packageRoot, "test", "fixtures", "kperf", "node10_job1_pod100.yaml");

let kc: KubeConfig;
let ns: string;
let image: string;

onRealNode(test, "kperf-rg", useGroupImage, (s) => ({ kc, image, ns } = s));

const rg = (file: string, name: string, extra: string[]) => ["rg", "run", file, "-n", ns, "--image", image, "--name", name, "-q", "--no-color", ...extra];

test("kperf's runner-group file on 2 runner pods: each runs the whole profile, the kperf result is the merged one (total 2 × 1000)", async () => {
  const dir = summaryFile().replace(/summary\.json$/, "");
  const result = join(dir, "kperf.json");
  const summary = join(dir, "summary.json");
  // --rate 0 as in test/k8s/kperf-runner-group.test.ts: the file's 10/s would take 100 s; the file is unchanged.
  const r = await loadgen(rg(KPERF_FILE, "kperf-two", ["--count", "2", "--rate", "0", "--result-format", "kperf", "--result", result, "--summary-export", summary]));
  assert.is(r.code, 0, r.stderr);
  const k = JSON.parse(readFileSync(result, "utf8")) as KperfReport;
  assert.is(k.total, 2000, "each of the 2 runners sent the profile's 1000 requests");
  assert.is(k.errorStats, undefined, JSON.stringify(k.errorStats));
  const urls = Object.keys(k.percentileLatenciesByURL ?? {});
  assert.is(urls.length, 3, urls.join(", "));
  const paths = urls.map((u) => u.replace(/^LIST https:\/\/[^/]+/, "LIST "));
  assert.equal(paths, ["LIST /api/v1/events?limit=1000", "LIST /api/v1/pods?limit=1000", "LIST /api/v1/pods?resourceVersion=0"], "kperf's keys: METHOD and the API server's URL, as the runners saw it");
  for (const pairs of [k.percentileLatencies!, ...Object.values(k.percentileLatenciesByURL!)]) {
    assert.equal(pairs.map(([p]) => p), [0, 0.5, 0.9, 0.95, 0.99, 1]);
    const values = pairs.map(([, v]) => v);
    assert.ok(values.every((v, i) => v > 0 && (i === 0 || v >= values[i - 1]!)), `percentiles rise: ${values.join(", ")}`);
  }
  const s = JSON.parse(readFileSync(summary, "utf8"));
  assert.is(s.metrics.k8s_requests.values.count, 2000, "the merged metrics count every runner's requests");
  const runners = s.extensions.runners.data.runners as Array<{ segment: string; state: string; exitCode: number; requests: number }>;
  assert.equal(runners.map((x) => [x.segment, x.state, x.exitCode, x.requests]), [["whole", "done", 0, 1000], ["whole", "done", 0, 1000]]);

  // The runners could list pods and events cluster-wide, and nothing else.
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const role = await rbac.readClusterRole({ name: `loadgen-rg-${ns}-kperf-two` });
  assert.equal(role.rules?.map((x) => [x.apiGroups, x.resources, x.verbs]), [[[""], ["events"], ["list"]], [[""], ["pods"], ["list"]]]);
  assert.is(role.metadata?.labels?.["loadgen.io/runner-group"], "kperf-two");

  // Reattaching merges the same result again from the runners' logs.
  const again = await loadgen(["rg", "result", "kperf-two", "-n", ns, "-q", "--result-format", "kperf"]);
  assert.is(again.code, 0, again.stderr);
  const k2 = JSON.parse(again.stdout) as KperfReport;
  assert.equal([k2.total, Object.keys(k2.percentileLatenciesByURL ?? {})], [2000, urls], "rg result merges the same result again");

  const del = await loadgen(["rg", "delete", "kperf-two", "-n", ns]);
  assert.is(del.code, 0, del.stderr);
  assert.equal(await groupObjects(kc, ns, "loadgen.io/runner-group=kperf-two"), [], "rg delete leaves nothing in the namespace");
  const left = await rbac.listClusterRole({ labelSelector: "loadgen.io/runner-group=kperf-two" });
  assert.equal(left.items.map((x) => x.metadata?.name), [], "nor the cluster-wide access");
});

test("a spec's own count and nodeAffinity apply (no --count); a threshold that fails only on the merged data (each runner 1000, the group 2000) exits 99", async () => {
  const file = join(summaryFile().replace(/summary\.json$/, ""), "two-runners.yaml");
  const original = readFileSync(KPERF_FILE, "utf8");
  writeFileSync(file, original.replace(/^count: 1$/m, "count: 2\nnodeAffinity:\n  kubernetes.io/hostname:\n    - 127.0.0.1"));
  const r = await loadgen(rg(file, "kperf-spec", ["--rate", "0", "--threshold", "k8s_requests=count<1500"]));
  assert.is(r.code, 99, r.stderr);
  assert.match(r.stderr, "thresholds failed: k8s_requests");
  assert.match(r.stderr, "2 runner pods (Job");
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: "loadgen.io/runner-group=kperf-spec" });
  assert.is(pods.items.length, 2);
  for (const p of pods.items) {
    const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.equal(terms?.[0]?.matchExpressions?.map((e) => [e.key, e.operator, e.values]), [["kubernetes.io/hostname", "In", ["127.0.0.1"]]], "the spec's nodeAffinity");
  }
  const del = await loadgen(["rg", "delete", "kperf-spec", "-n", ns]);
  assert.is(del.code, 0, del.stderr);
});

test.run();
