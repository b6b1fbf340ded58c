// loadgen/k8s's watchReplicas on the local cluster: a Deployment on kwok nodes, scaled by the scenario itself while it
// runs (merge patches of spec.replicas, as `kubectl scale` does), comes out as a timeline whose baseline is the count
// when the load started, whose milestones come in order (scale-up, maximum, scale-down, back to the baseline), whose
// ready count follows, and whose gauges and summary tables say the same.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTestNamespace, deleteTestNamespace, localKubeConfig } from "../fixtures/local-cluster.ts";
import { errorsOf, runK8sScenario, series, type K8sRun } from "./helpers.ts";

const SCENARIO = `
import * as k8s from "loadgen/k8s";
import { addNodePool, deleteNodePool, podPlacement } from "loadgen/kwok";
import { sleep } from "loadgen";

const ns = __ENV.NAMESPACE;
const pool = __ENV.POOL;
export const options = {
  scenarios: { scale: { executor: "per-vu-iterations", vus: 1, iterations: 1, maxDuration: "3m" } },
  thresholds: { workload_replicas: ["max>=4"], workload_scale_up_seconds: ["value>=0"] },
};

async function until(w: k8s.ReplicaWatch, what: string, ok: (t: k8s.ScalingTimeline) => boolean) {
  for (let i = 0; i < 600; i++) {
    const t = await w.timeline();
    if (ok(t)) return t;
    await sleep(0.1);
  }
  throw new Error("timed out waiting for " + what + ": " + JSON.stringify((await w.timeline()).samples.slice(-3)));
}

async function scaleTo(w: k8s.ReplicaWatch, n: number) {
  await k8s.patch("deployments", "web", { spec: { replicas: n } }, { namespace: ns });
  await until(w, n + " ready", (t) => t.desired.final === n && t.ready.final === n);
}

export async function setup() {
  await addNodePool(pool, { nodes: 2, maxPods: 50 });
  await k8s.create({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
    spec: { replicas: 1, selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { ...podPlacement(pool), containers: [{ name: "c", image: "fake" }] } } },
  }, { namespace: ns });
  const w = await k8s.watchReplicas("deploy/web", { namespace: ns });
  // Scaled before the load starts: the baseline is 2, not the 1 it was created with.
  await scaleTo(w, 2);
  return { watch: w.id };
}

export default async function (data: { watch: string }) {
  const w = k8s.replicaWatch(data.watch);
  await scaleTo(w, 3);
  await scaleTo(w, 4);
  await scaleTo(w, 3);
  await scaleTo(w, 2);
}

export async function teardown(data: { watch: string }) {
  const t = await k8s.replicaWatch(data.watch).stop();
  console.log("TIMELINE " + JSON.stringify(t));
  await deleteNodePool(pool);
}
`;

let run: K8sRun;
let ns: string;

test.before(async () => {
  const kc = await localKubeConfig();
  ns = await createTestNamespace(kc, "replicas");
  run = await runK8sScenario(SCENARIO, { env: { NAMESPACE: ns, POOL: ns } });
});

test.after(async () => {
  await deleteTestNamespace(await localKubeConfig(), ns);
});

interface Milestones { baseline: number; max: number; final: number; scaleUpSeconds: number; maxSeconds: number; scaleDownSeconds: number; backToBaselineSeconds: number }
interface Timeline { workload: string; namespace: string; loadStart: string; desired: Milestones; ready: Milestones; samples: Array<{ t: number; desired: number; ready: number }> }

const timeline = (): Timeline => ((run.result?.summary.extensions?.["loadgen/k8s"]?.data as { scaling: Timeline[] }).scaling)[0]!;

test("the run passes, thresholds on the replica gauge and a milestone judged", () => {
  assert.is(run.exitCode, 0, errorsOf(run));
  const judged = run.result!.summary.metrics;
  assert.ok(judged.workload_replicas?.thresholds?.["max>=4"]?.ok, JSON.stringify(judged.workload_replicas));
  assert.ok(judged.workload_scale_up_seconds?.thresholds?.["value>=0"]?.ok, JSON.stringify(judged.workload_scale_up_seconds));
});

test("the timeline: baseline at the load's start, then scale-up, maximum, scale-down and back, in that order", () => {
  const t = timeline();
  assert.is(t.workload, "deployment/web", "named by the resource's singular name");
  assert.is(t.namespace, ns);
  const d = t.desired;
  assert.equal([d.baseline, d.max, d.final], [2, 4, 2]);
  assert.ok(d.scaleUpSeconds >= 0, `scale-up at ${d.scaleUpSeconds} s`);
  assert.ok(d.scaleUpSeconds < d.maxSeconds, "scaled up before reaching the maximum");
  assert.ok(d.maxSeconds < d.scaleDownSeconds, "reached the maximum before scaling down");
  assert.ok(d.scaleDownSeconds < d.backToBaselineSeconds, "scaled down before reaching the baseline");
  assert.equal([t.ready.baseline, t.ready.max, t.ready.final], [2, 4, 2], "the ready count followed (kwok runs the pods)");
  assert.ok(t.ready.scaleUpSeconds >= d.scaleUpSeconds, "pods became ready after they were asked for");
});

test("every change is a sample, in order; the ones before the load have negative times", () => {
  const s = timeline().samples;
  const desired = s.map((x) => x.desired).filter((v, i, a) => i === 0 || v !== a[i - 1]);
  assert.equal(desired, [1, 2, 3, 4, 3, 2]);
  assert.ok(s[0]!.t < 0, "the first sample is from setup, before the load");
  assert.ok(s.every((x, i) => i === 0 || x.t >= s[i - 1]!.t), "times never go back");
});

test("gauges workload_replicas and workload_ready_replicas by workload, and the milestone gauges, as the timeline says", () => {
  const t = timeline();
  const tags = { workload: "deployment/web", namespace: ns };
  const one = (name: string) => {
    const s = series(run, name).filter((x) => x.tags.workload === tags.workload && x.tags.namespace === tags.namespace);
    assert.is(s.length, 1, `one ${name} series for the workload: ${JSON.stringify(series(run, name).map((x) => x.tags))}`);
    return s[0]!.values;
  };
  assert.equal([one("workload_replicas").min, one("workload_replicas").max, one("workload_replicas").value], [1, 4, 2]);
  assert.equal([one("workload_ready_replicas").max, one("workload_ready_replicas").value], [4, 2]);
  assert.is(one("workload_scale_up_seconds").value, t.desired.scaleUpSeconds);
  assert.is(one("workload_scale_max_seconds").value, t.desired.maxSeconds);
  assert.is(one("workload_scale_down_seconds").value, t.desired.backToBaselineSeconds);
});

test("the summary has the milestone table and the changes table; teardown's stop() gave the same timeline", () => {
  const tables = run.result!.summary.extensions!["loadgen/k8s"]!.tables;
  const milestones = tables.find((x) => x.title.startsWith("scaling timeline"));
  assert.ok(milestones, `tables: ${tables.map((x) => x.title).join("; ")}`);
  assert.equal(milestones!.rows.map((r) => [r[0], r[1], r[2], r[3], r[4]]), [[`${ns}/deployment/web`, "desired", 2, 4, 2], [`${ns}/deployment/web`, "ready", 2, 4, 2]]);
  assert.ok(tables.some((x) => x.title === `replicas of ${ns}/deployment/web over the run`));
  const logged = run.logs.find((l) => l.includes("TIMELINE "));
  assert.ok(logged, "teardown logged the timeline");
  // console.log's line: the level, then the message (the JSON text from its first "{" to its last "}").
  const fromTeardown = JSON.parse(logged!.slice(logged!.indexOf("{"), logged!.lastIndexOf("}") + 1)) as Timeline;
  assert.equal(fromTeardown.desired, timeline().desired);
});

test.run();
