// KubeVirt steady state: ramp up to COUNT Running VMIs, then for DURATION churn them — every CHURN_INTERVAL delete
// CHURN_PERCENT of them (the oldest) and create as many new ones — and measure how long the cluster takes to be back
// at COUNT Running VMIs (vmi_churn_recovery_seconds). Teardown deletes everything and waits until it is gone.
//
//   loadgen run scenarios/vmi-steady-state.ts -e COUNT=100 -e CHURN_PERCENT=10 -e CHURN_INTERVAL=20s -e DURATION=5m
//
// -e COUNT=100 -e CHURN_PERCENT=10 -e CHURN_INTERVAL=20s -e DURATION=2m
// -e TIMEOUT=10m       how long each wait (ramp-up, each recovery, ramp-down) may take
// -e NAMESPACE=name    use this namespace (default: a new one, labelled with the run, deleted at the end)
import { check, sleep } from "loadgen";
import { Trend } from "loadgen/metrics";
import * as kubevirt from "loadgen/kubevirt";

const COUNT = Number(__ENV.COUNT ?? 100);
const CHURN = Math.max(1, Math.ceil((COUNT * Number(__ENV.CHURN_PERCENT ?? 10)) / 100));
const INTERVAL = seconds(__ENV.CHURN_INTERVAL ?? "20s");
const DURATION = __ENV.DURATION ?? "2m";
const TIMEOUT = __ENV.TIMEOUT ?? "10m";
const PARALLEL = Number(__ENV.VUS ?? 50);

function seconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new Error(`expected a duration such as "10m", got "${d}"`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? "s"]!;
}

const recovery = new Trend("vmi_churn_recovery_seconds");

export const options = {
  scenarios: {
    // One churner: each iteration is one churn round; it sleeps out the rest of its interval.
    churn: { executor: "constant-vus", vus: 1, duration: DURATION, gracefulStop: TIMEOUT },
  },
  setupTimeout: `${Math.ceil(seconds(TIMEOUT) + 120)}s`,
  teardownTimeout: `${Math.ceil(2 * seconds(TIMEOUT) + 120)}s`,
  thresholds: {
    vmi_creation_to_running_seconds: ["p(50)<=45", "p(95)<=60"],
    checks: ["rate==1"],
  },
};

interface Data {
  namespace: string;
  ownNamespace: boolean;
}

/** Runs `fn` n times, at most PARALLEL at once. */
async function parallel(n: number, fn: () => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await fn();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, PARALLEL) }, worker));
}

export async function setup(): Promise<Data> {
  const namespace = await kubevirt.createNamespace(__ENV.NAMESPACE);
  await parallel(COUNT, () => kubevirt.createVMI({ namespace }));
  const up = await kubevirt.waitForPhase("Running", { namespace, count: COUNT, timeout: TIMEOUT });
  console.log(`ramp-up: ${up.reached} of ${COUNT} VMIs Running after ${(up.elapsedMs / 1000).toFixed(1)} s`);
  check(up, { "ramp-up reached COUNT Running VMIs": (r) => !r.timedOut });
  return { namespace, ownNamespace: __ENV.NAMESPACE === undefined };
}

export default async function (data: Data) {
  const { namespace } = data;
  const started = Date.now();
  // The oldest Running VMIs go (the tracker lists them in the order it first saw them).
  const victims = kubevirt.vmis({ namespace, phase: "Running" }).slice(0, CHURN);
  await Promise.all(victims.map((v) => kubevirt.deleteVMI(v.name, { namespace })));
  await parallel(victims.length, () => kubevirt.createVMI({ namespace }));
  const back = await kubevirt.waitForPhase("Running", { namespace, count: COUNT, timeout: TIMEOUT });
  const seconds = (Date.now() - started) / 1000;
  if (!back.timedOut) recovery.add(seconds);
  check(back, { "back to COUNT Running VMIs": (r) => !r.timedOut });
  console.log(`churned ${victims.length} VMIs; ${back.reached} of ${COUNT} Running again after ${seconds.toFixed(1)} s`);
  await sleep(Math.max(0, INTERVAL - seconds));
}

export async function teardown(data: Data) {
  const { namespace } = data;
  await kubevirt.deleteAll("vmi", { namespace, concurrency: PARALLEL });
  const gone = await kubevirt.waitForDeleted("vmi", { namespace, timeout: TIMEOUT });
  check(gone, { "every VMI deleted": (r) => r.remaining === 0 });
  if (data.ownNamespace) await kubevirt.deleteNamespace(namespace, { timeout: TIMEOUT });
}
