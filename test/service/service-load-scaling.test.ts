// scenarios/service-load-scaling.ts: a NimbusGuard load test against the consumer while the test plays the
// autoscaler on a Deployment named consumer (on the local cluster, no nodes needed: the desired count is what an
// autoscaler changes), scaling it up once the load arrives and back down before it ends. The summary's timeline has
// the baseline from before the load, the scale-up after the load's start, the maximum, the return, in that order, and
// the scaling thresholds the scenario adds pass.
import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startConsumer, type Consumer } from "../fixtures/consumer.ts";
import { createTestNamespace, deleteTestNamespace, localKubeConfig, useLocalCluster } from "../fixtures/local-cluster.ts";
import { repoRoot, runScenario, type ScenarioOutcome } from "../fixtures/run-scenario.ts";

let kc: KubeConfig;
let ns: string;
let c: Consumer;
let out: ScenarioOutcome;

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test.before(async () => {
  kc = await localKubeConfig();
  ns = await createTestNamespace(kc, "service-scaling");
  c = await startConsumer(["--time-scale", "0.2", "--memory-scale", "0.02", "--retain", "duration", "--no-access-log"]);
  const apps = kc.makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: "consumer", labels: { "app.kubernetes.io/name": "consumer" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { "app.kubernetes.io/name": "consumer" } },
        template: { metadata: { labels: { "app.kubernetes.io/name": "consumer" } }, spec: { containers: [{ name: "consumer", image: "fake" }] } },
      },
    },
  });
  const scale = (replicas: number) =>
    apps.patchNamespacedDeployment({ namespace: ns, name: "consumer", body: { spec: { replicas } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  const posts = async () => (await c.metrics()).sum("consumer_process_requests_total");
  const running = runScenario(`${repoRoot}scenarios/service-load-scaling.ts`, {
    cluster: { kubeconfig: (await useLocalCluster()).kubeconfig },
    // sustained: 25 requests, 2 s apart per slot (× 0.2): about 20 s of load.
    env: { URL: c.url, TEST: "sustained", TIME_SCALE: "0.2", LATENCY_SLACK: "120s", MONITOR: "off", WATCH: "deployment/consumer", NAMESPACE: ns, EXPECT_REPLICAS: "4", SCALE_UP_WITHIN: "5m" },
  });
  // The autoscaler: up when the load arrives, further under more of it, back down before it ends.
  await until("the load to arrive", async () => (await posts()) >= 1);
  await scale(3);
  await until("more load", async () => (await posts()) >= 8);
  await scale(4);
  await until("most of the load", async () => (await posts()) >= 16);
  await scale(2);
  out = await running;
});

test.after(async () => {
  await c?.stop();
  await deleteTestNamespace(kc, ns);
});

interface Timeline {
  workload: string;
  namespace: string;
  desired: { baseline: number; max: number; final: number; scaleUpSeconds: number; maxSeconds: number; scaleDownSeconds: number; backToBaselineSeconds: number };
  samples: Array<{ t: number; desired: number }>;
}

test("the run passes, with the scaling thresholds the -e knobs asked for", () => {
  assert.is(out.exitCode, 0, [out.error ?? "", ...out.logs].join("\n"));
  assert.ok(out.summary!.metrics.workload_replicas?.thresholds?.["max>=4"]?.ok);
  assert.ok(out.summary!.metrics.workload_scale_up_seconds?.thresholds?.["value<300"]?.ok);
});

test("the timeline: baseline 2 from before the load, up to 3 after it started, max 4, back to 2, in that order", () => {
  const t = ((out.summary!.extensions!["loadgen/k8s"]!.data as { scaling: Timeline[] }).scaling)[0]!;
  assert.equal([t.workload, t.namespace], ["deployment/consumer", ns]);
  const d = t.desired;
  assert.equal([d.baseline, d.max, d.final], [2, 4, 2]);
  assert.ok(d.scaleUpSeconds > 0, "the scale-up came after the load's start");
  assert.ok(d.scaleUpSeconds < d.maxSeconds && d.maxSeconds < d.backToBaselineSeconds, JSON.stringify(d));
  // A sample per change of any count (status.replicas follows the ReplicaSet): the desired ones, in order.
  assert.equal(t.samples.map((s) => s.desired).filter((v, i, a) => i === 0 || v !== a[i - 1]), [2, 3, 4, 2]);
});

test("teardown says what happened in one line", () => {
  assert.ok(out.logs.some((l) => /deployment\/consumer: 2 → max 4 replicas; scale-up \d/.test(l)), out.logs.join("\n"));
});

test.run();
