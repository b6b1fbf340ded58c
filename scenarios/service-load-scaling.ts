// scenarios/service-load.ts (NimbusGuard's load tests, the same -e knobs) while watching the service's workload scale:
// what the tests exist for. One watch on the host records the replica count from setup on; the summary gets the
// time from the load's start to the first scale-up, to the maximum and back down, and the counts over the run.
//
//   loadgen run scenarios/service-load-scaling.ts -e URL=http://127.0.0.1:8000 -e TEST=heavy \
//     -e WATCH=deployment/consumer -e NAMESPACE=nimbusguard [-e EXPECT_REPLICAS=3] [-e SCALE_UP_WITHIN=2m]
//
// WATCH (default deployment/consumer): the workload, as kubectl names it; NAMESPACE: its namespace (default: the
// kubeconfig context's). EXPECT_REPLICAS=N adds the threshold workload_replicas max>=N (it scaled that far);
// SCALE_UP_WITHIN=D adds workload_scale_up_seconds value<D (it started scaling up within D of the load's start).
import * as k8s from "loadgen/k8s";
import { options as serviceOptions, setup as serviceSetup, teardown as serviceTeardown } from "./service-load.ts";

export { default, monitor, processRequest, TESTS } from "./service-load.ts";

const WATCH = __ENV.WATCH || "deployment/consumer";
const NAMESPACE = __ENV.NAMESPACE || undefined;

function withinSeconds(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`-e SCALE_UP_WITHIN=${v}: expected a duration such as 90s or 2m`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? "s"]!;
}

const scalingThresholds: Record<string, string[]> = {};
if (__ENV.EXPECT_REPLICAS) {
  const n = Number(__ENV.EXPECT_REPLICAS);
  if (!Number.isInteger(n) || n < 1) throw new Error(`-e EXPECT_REPLICAS=${__ENV.EXPECT_REPLICAS}: expected a replica count`);
  scalingThresholds.workload_replicas = [`max>=${n}`];
}
if (__ENV.SCALE_UP_WITHIN) scalingThresholds.workload_scale_up_seconds = [`value<${withinSeconds(__ENV.SCALE_UP_WITHIN)}`];

export const options = { ...serviceOptions, thresholds: { ...serviceOptions.thresholds, ...scalingThresholds } };

export async function setup(): Promise<{ watch: string }> {
  // Watching first: the count before the load is the baseline.
  const watch = await k8s.watchReplicas(WATCH, { namespace: NAMESPACE });
  await serviceSetup();
  return { watch: watch.id };
}

export async function teardown(data: { watch: string }): Promise<void> {
  await serviceTeardown();
  // Stopped here, so every milestone is in before the thresholds are judged.
  const t = await k8s.replicaWatch(data.watch).stop();
  const at = (s: number | null) => (s === null ? "never" : `${s} s`);
  console.log(`${t.workload}: ${t.desired.baseline} → max ${t.desired.max} replicas; scale-up ${at(t.desired.scaleUpSeconds)}, max ${at(t.desired.maxSeconds)}, back down ${at(t.desired.backToBaselineSeconds)} after the load's start`);
}
