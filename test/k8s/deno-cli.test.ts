// loadgen's CLI under Deno 2 (a supported way to run it): a Kubernetes scenario against the local cluster gives the
// same verdict and counts as under Node. deno is the one `npm run check:types` installs (scripts/deno.mjs).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ensureDeno } from "../../scripts/deno.mjs";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { repoRoot } from "../fixtures/run-scenario.ts";

const dir = mkdtempSync(join(tmpdir(), "loadgen-deno-"));
const script = join(dir, "lists.ts");
writeFileSync(
  script,
  `
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { vus: 2, iterations: 10, thresholds: { k8s_request_errors: ["count==0"], checks: ["rate==1"] } };
export default async function () {
  const r = await k8s.list("namespaces", { consistency: "stale" });
  check(r, { "listed": (x) => x.status === 200 && x.bytes > 0 });
}
`,
);

function underDeno(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(ensureDeno(), ["run", "-A", join(repoRoot, "bin/loadgen.js"), ...args], {
    env: { ...(process.env as Record<string, string>), DENO_NO_UPDATE_CHECK: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

test("under Deno, `loadgen run` of a Kubernetes scenario sends every request and passes its thresholds", async () => {
  const { kubeconfig } = await useLocalCluster();
  const summary = join(dir, "summary.json");
  const r = await underDeno(["run", "--quiet", "--summary-export", summary, script], { KUBECONFIG: kubeconfig });
  assert.is(r.code, 0, r.stderr + r.stdout);
  const s = JSON.parse(readFileSync(summary, "utf8"));
  assert.is(s.metrics.iterations.values.count, 10);
  assert.is(s.metrics.k8s_requests.values.count, 10);
  assert.is(s.metrics.checks.values.passes, 10);
});

test("under Deno, `loadgen run --workers 2` runs its workers under Deno and merges them to the same counts", async () => {
  const { kubeconfig } = await useLocalCluster();
  const summary = join(dir, "summary-workers.json");
  const r = await underDeno(["run", "--quiet", "--workers", "2", "--summary-export", summary, script], { KUBECONFIG: kubeconfig });
  assert.is(r.code, 0, r.stderr + r.stdout);
  const s = JSON.parse(readFileSync(summary, "utf8"));
  assert.is(s.metrics.iterations.values.count, 10);
  assert.is(s.metrics.k8s_requests.values.count, 10);
  assert.equal(s.extensions.workers.data.runners.map((w: { state: string }) => w.state), ["done", "done"]);
});

test("under Deno, a failing threshold exits 99 as under Node", async () => {
  const { kubeconfig } = await useLocalCluster();
  const failing = join(dir, "failing.ts");
  writeFileSync(failing, readFileSync(script, "utf8").replace('checks: ["rate==1"]', 'k8s_requests: ["count>10"]'));
  const r = await underDeno(["run", "--quiet", failing], { KUBECONFIG: kubeconfig });
  assert.is(r.code, 99, r.stderr + r.stdout);
});

test.run();
