// `loadgen run --workers 2` against the local cluster's real API server: the workers' VUs create objects named from
// {{.Iteration}} and {{.VU}} without clashing (both are unique across the workers' segments), the merged counts are
// the whole test's, and options.k8s.cleanup runs once, in the coordinator, after every worker has finished.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CoreV1Api } from "@kubernetes/client-node";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTestNamespace, deleteTestNamespace, localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";
import { runCli } from "../fixtures/run-scenario.ts";

let ns = "";
test.before(async () => {
  ns = await createTestNamespace(await localKubeConfig(), "k8s-workers");
});
test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

const SCENARIO = `
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = {
  scenarios: { s: { executor: "shared-iterations", vus: 4, iterations: 40 } },
  k8s: { cleanup: true },
  thresholds: { k8s_request_errors: ["count==0"], checks: ["rate==1"] },
};
const TEMPLATE = "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: w-{{.Iteration}}\\ndata:\\n  vu: \\"{{.VU}}\\"\\n";
export default async function () {
  const cm = await k8s.create(TEMPLATE, { namespace: __ENV.NS, decode: true, vars: {} });
  check(cm, { "created under its own name": (o) => o.metadata.name.startsWith("w-") });
}
`;

test("two workers create 40 uniquely named ConfigMaps between them, and the coordinator alone cleans up", async () => {
  const { kubeconfig } = await useLocalCluster();
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-k8s-workers-"));
  const script = path.join(dir, "scenario.ts");
  writeFileSync(script, SCENARIO);
  const summaryFile = path.join(dir, "summary.json");
  const r = await runCli(["run", "--quiet", "--workers", "2", "--kubeconfig", kubeconfig, "-e", `NS=${ns}`, "--summary-export", summaryFile, script], { timeoutMs: 180_000 });
  assert.is(r.exitCode, 0, r.stderr);
  const s = JSON.parse(readFileSync(summaryFile, "utf8"));
  assert.is(s.metrics["iterations"].values.count, 40);
  assert.equal(s.metrics["checks"].values, { rate: 1, passes: 40, fails: 0 });
  const runners = s.extensions.workers.data.runners as Array<{ iterations: number; requests: number }>;
  assert.is(runners.reduce((n, w) => n + w.requests, 0), 40, "one create per iteration, counted per worker");
  assert.ok(runners.every((w) => w.iterations > 0));
  assert.is(r.stderr.match(/cleanup deleted 40 object\(s\)/g)?.length, 1, `clean-up runs once, in the coordinator:\n${r.stderr}`);
  const core = (await localKubeConfig()).makeApiClient(CoreV1Api);
  const left = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: "loadgen.io/run" });
  assert.is(left.items.length, 0);
});

test.run();
