// `loadgen job` end to end on the local cluster's real node, through the real API server: a load Job runs the
// scenario's archive in loadgen's image and the command exits with the run's code (0, 99 for a failed threshold); its
// logs stream with --follow; `job result` prints the summary the runner left; a Job that waits for a service (an HTTP
// server this test starts on 127.0.0.1, reachable from the host-network pod) starts only once it answers, and
// NimbusGuard's light test runs against the consumer service the same way; a large
// archive is split and joined; a scenario that talks to the cluster gets the access its Role grants and no more;
// --watch records a Deployment's replicas while the run goes on; `job delete -l` leaves nothing.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { AppsV1Api, BatchV1Api, CoreV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { eventually, onRealNode } from "../fixtures/real-node.ts";
import { fixture, repoRoot, runCli, tempScenario, type CliOutcome } from "../fixtures/run-scenario.ts";
import { job, useJobImage } from "./helpers.ts";

let kc: KubeConfig;
let ns = "";
let image = "";
const script = fixture("archive-me.ts");
const ok = (r: CliOutcome, code = 0) => assert.is(r.exitCode, code, `exit ${r.exitCode}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
const common = () => ["-n", ns, "--image", image];

/** A port nothing listens on now (the real node's pods share the machine's ports). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

onRealNode(test, "job", useJobImage, (s) => ({ kc, image, ns } = s));

test("a load Job needing no service runs on the real node and exits 0; its result is the summary the runner left", async () => {
  const r = await job([script, ...common(), "--name", "passes", "-e", "GREETING=from-a-job"]);
  ok(r);
  assert.match(r.stderr, "created Job " + ns + "/passes");
  assert.match(r.stderr, "on the real node 127.0.0.1");
  assert.match(r.stderr, "ended with exit code 0 (every threshold passed)");
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: "loadgen.io/job=passes" });
  assert.is(pods.items.length, 1);
  assert.is(pods.items[0]!.spec!.nodeName, "127.0.0.1");
  assert.is(pods.items[0]!.status!.containerStatuses![0]!.state!.terminated!.exitCode, 0);
  const result = await job(["result", "passes", "-n", ns]);
  ok(result);
  const summary = JSON.parse(result.stdout);
  assert.is(summary.metrics.iterations.values.count, 6);
  assert.is(summary.metrics.users_seen.values.count, 12, "the archive's files were there: 2 users per iteration");
  assert.is(summary.metrics.checks.values.fails, 0);
});

test("a failing threshold ends the Job's run with 99, and the command exits 99 too; --follow streams the run's log", async () => {
  const r = await job([script, ...common(), "--name", "fails", "-e", "GREETING=x", "--threshold", "users_seen=count>100", "--follow"]);
  ok(r, 99);
  assert.match(r.stdout, "loadgen: run fails: test/fixtures/scenarios/archive-me.ts (archive /archive/archive.tar.gz)");
  assert.match(r.stdout, "INFO  GREETING=x ROLES=3 AREA=6");
  assert.match(r.stdout, /✗ users_seen\.+: 12/);
  assert.match(r.stdout, "loadgen: thresholds failed: users_seen");
  assert.not.match(r.stdout, "loadgen-summary-json", "the summary line is for job result, not for the terminal");
  assert.match(r.stderr, "ended with exit code 99 (thresholds failed)");
  const job1 = await kc.makeApiClient(BatchV1Api).readNamespacedJob({ namespace: ns, name: "fails" });
  assert.ok(job1.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True"), "the Job failed (backoffLimit 0: no retry)");
  assert.is(job1.status?.failed, 1);
  const result = await job(["result", "fails", "-n", ns]);
  ok(result);
  assert.equal(JSON.parse(result.stdout).metrics.users_seen.thresholds, { "count>100": { ok: false } });
});

test("with --wait-for the run starts only once the service answers its /health (a server on 127.0.0.1, reached over the host network)", async () => {
  let healthChecks = 0;
  let processed = 0;
  let up = false;
  const server: Server = createServer((req, res) => {
    if (req.url === "/health") {
      healthChecks++;
      res.statusCode = up ? 200 : 503;
      res.end(up ? '{"status":"healthy"}' : "starting");
      return;
    }
    processed++;
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  // Healthy only after a few refused polls: the init container must have waited.
  const becomeHealthy = setInterval(() => {
    if (healthChecks >= 3) up = true;
  }, 50);
  try {
    const r = await job([script, ...common(), "--name", "waits", "-e", "GREETING=w", "--wait-for", `http://127.0.0.1:${port}`, "--follow"]);
    ok(r);
    const log = r.stdout;
    assert.match(log, `[wait-for] `);
    assert.match(log, `waiting for http://127.0.0.1:${port}/health: HTTP 503`);
    assert.match(log, `http://127.0.0.1:${port}/health answered 200`);
    assert.ok(log.indexOf("answered 200") < log.indexOf("loadgen: run waits"), "the run started after the service answered");
    assert.ok(healthChecks >= 4, `health polled ${healthChecks} times`);
    assert.is(processed, 0, "nothing but /health was asked of the service");
  } finally {
    clearInterval(becomeHealthy);
    server.close();
  }
});

test("NimbusGuard's flow: the consumer service runs, a light load Job waits for its /health, sends its 10 requests and exits 0", async () => {
  const port = await freePort();
  const consumer = spawn(process.execPath, [path.join(repoRoot, "examples/consumer/server.mjs"), "--port", String(port), "--time-scale", "0.1", "--no-access-log"], { stdio: "ignore" });
  try {
    const r = await job([path.join(repoRoot, "scenarios/service-load.ts"), ...common(), "--name", "light", "-e", `URL=http://127.0.0.1:${port}`, "-e", "TEST=light", "-e", "TIME_SCALE=0.1", "--wait-for", `http://127.0.0.1:${port}`]);
    ok(r);
    const job1 = await kc.makeApiClient(BatchV1Api).readNamespacedJob({ namespace: ns, name: "light" });
    assert.is(job1.metadata?.labels?.["load-test"], "light", "labelled with the test, as NimbusGuard's Jobs are");
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, 'http_requests_total{method="POST",status="2xx",handler="/process"} 10', "the service counted the light test's 10 requests");
  } finally {
    consumer.kill();
  }
});

test("an archive larger than one ConfigMap holds runs: the parts are joined in the pod, and the file reads back whole", async () => {
  const big = tempScenario(`import { check } from "loadgen";
const blob = new Uint8Array(open("blob.bin", "b"));
export const options = { iterations: 1, thresholds: { checks: ["rate==1"] } };
export default function () { check(blob, { "the whole file": (b) => b.length === 2000000 && b[1999999] === 0 }); }
`);
  const bytes = randomBytes(2_000_000);
  bytes[1_999_999] = 0;
  writeFileSync(path.join(path.dirname(big), "blob.bin"), bytes);
  const r = await job([big, ...common(), "--name", "big"]);
  ok(r);
  assert.match(r.stderr, "in 3 ConfigMaps");
});

test("a scenario that talks to the cluster reads its namespace with the Job's ServiceAccount, is refused secrets, may write only what --allow grants, and loadgen cleanup --run removes the job with what it made", async () => {
  const refused = await job([fixture("job-in-cluster.ts"), ...common(), "--name", "reads", "-e", `NAMESPACE=${ns}`, "-e", "EXPECT_WRITE=403"]);
  ok(refused);
  assert.match(refused.stderr, "gets a token and read access");
  const granted = await job([fixture("job-in-cluster.ts"), ...common(), "--name", "writes", "-e", `NAMESPACE=${ns}`, "-e", "EXPECT_WRITE=200", "--allow", "create:configmaps"]);
  ok(granted);
  // The run inside the pod labelled what it made with the Job's run id.
  const core = kc.makeApiClient(CoreV1Api);
  const made = await core.readNamespacedConfigMap({ namespace: ns, name: "made-by-the-run" });
  assert.is(made.metadata?.labels?.["loadgen.io/run"], "writes");
  // So one `loadgen cleanup --run` removes the job and what its run made.
  const { kubeconfig } = await useLocalCluster();
  const cleanup = await runCli(["cleanup", "--run", "writes", "--kubeconfig", kubeconfig], { timeoutMs: 120_000 });
  ok(cleanup);
  assert.equal((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: "loadgen.io/run=writes" })).items.map((c) => c.metadata?.name), []);
  assert.equal((await kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns, labelSelector: "loadgen.io/run=writes" })).items.length, 0);
  assert.equal((await core.listNamespacedServiceAccount({ namespace: ns, labelSelector: "loadgen.io/run=writes" })).items.length, 0);
});

test("--watch deployment/NAME records the replica count over the run: the scale-ups and -downs made while it ran, from the load's start", async () => {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: { metadata: { name: "consumer" }, spec: { replicas: 1, selector: { matchLabels: { app: "consumer" } }, template: { metadata: { labels: { app: "consumer" } }, spec: { containers: [{ name: "c", image: "fake" }] } } } },
  });
  // The test plays the autoscaler: up to 3 once the runner runs, then back to 1.
  const autoscaler = (async () => {
    await eventually("the runner to run", async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: "loadgen.io/job=watched" });
      return pods.items[0]?.status?.containerStatuses?.find((c) => c.name === "loadgen")?.state?.running ? true : undefined;
    }, 180_000);
    const scale = (replicas: number) => apps.patchNamespacedDeployment({ namespace: ns, name: "consumer", body: { spec: { replicas } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    await scale(3);
    await new Promise((r) => setTimeout(r, 1500));
    await scale(1);
  })();
  const r = await job([script, ...common(), "--name", "watched", "-e", "GREETING=w", "-d", "10s", "-u", "1", "--watch", "deployment/consumer", "--watch-after", "2s"]);
  await autoscaler;
  ok(r);
  const table = r.stdout.split("\n");
  const desired = table.find((l) => l.includes(`${ns}/deployment/consumer`) && / desired /.test(l));
  assert.ok(desired, r.stdout);
  const [baseline, max, final, scaleUp, atMax, scaleDown, back] = desired!.trim().split(/\s+/).slice(2);
  assert.equal([baseline, max, final], ["1", "3", "1"]);
  for (const t of [scaleUp, atMax, scaleDown, back]) assert.match(t!, /^\+\d+\.\ds$/, "every milestone after the load's start");
  assert.ok(parseFloat(scaleUp!) <= parseFloat(scaleDown!), "up before down");
});

test("job delete -l removes every job it selects — Jobs, a CronJob, their pods, ConfigMaps, ServiceAccounts, Roles — and nothing else", async () => {
  const core = kc.makeApiClient(CoreV1Api);
  ok(await job([script, ...common(), "--name", "sched", "-e", "TEST=soak", "--schedule", "0 0 1 1 *"]));
  ok(await job([script, ...common(), "--name", "soak-once", "-e", "TEST=soak", "-e", "GREETING=s"]));
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "not-loadgens", labels: { "load-test": "soak" } } } });
  const selector = "load-test=soak";
  const r = await job(["delete", "-n", ns, "-l", selector]);
  ok(r);
  assert.match(r.stderr, "all gone");
  const batch = kc.makeApiClient(BatchV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const left = [
    ...(await batch.listNamespacedJob({ namespace: ns, labelSelector: "loadgen.io/job in (sched,soak-once)" })).items,
    ...(await batch.listNamespacedCronJob({ namespace: ns, labelSelector: "loadgen.io/job in (sched,soak-once)" })).items,
    ...(await core.listNamespacedPod({ namespace: ns, labelSelector: "loadgen.io/job in (sched,soak-once)" })).items,
    ...(await core.listNamespacedConfigMap({ namespace: ns, labelSelector: "loadgen.io/job in (sched,soak-once)" })).items,
    ...(await core.listNamespacedServiceAccount({ namespace: ns, labelSelector: "loadgen.io/job in (sched,soak-once)" })).items,
    ...(await rbac.listNamespacedRole({ namespace: ns, labelSelector: "loadgen.io/job in (sched,soak-once)" })).items,
  ];
  assert.equal(left.map((o) => o.metadata?.name), []);
  assert.ok(await core.readNamespacedConfigMap({ namespace: ns, name: "not-loadgens" }), "an object loadgen did not make stays, whatever its labels");
  // And by name: the earlier jobs of this file.
  const byName = await job(["delete", "passes", "-n", ns]);
  ok(byName);
  assert.is((await core.listNamespacedPod({ namespace: ns, labelSelector: "loadgen.io/job=passes" })).items.length, 0);
  const again = await job(["delete", "passes", "-n", ns]);
  ok(again, 1);
  assert.match(again.stderr, "nothing in namespace");
});

test.run();
