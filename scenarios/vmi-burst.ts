// KubeVirt burst, the main job: create COUNT VMIs as fast as the cluster takes them, wait until all are Running,
// then delete them all and wait until they are gone. The summary reports the creation rate, the VMI phase
// transitions (creation → Pending, Scheduling, Scheduled, Running) and the REST calls by verb; the run fails when
// creation → Running misses KubeVirt's own targets (p50 ≤ 45 s, p95 ≤ 60 s) or any VMI is refused or never runs.
//
//   loadgen run scenarios/vmi-burst.ts -e COUNT=1000
//
// -e COUNT=100         VMIs to create
// -e VUS=50            creations in flight at once (default: min(COUNT, 50))
// -e NAMESPACE=name    use this namespace (default: a new one, labelled with the run, deleted at the end)
// -e TIMEOUT=10m       how long to wait for Running, and then for the deletions
// -e CONTAINER_IMG=... -e CONTAINER_TAG=... -e CONTAINER_PREFIX=...   the container disk of the template
import { check } from "loadgen";
import * as kubevirt from "loadgen/kubevirt";

const COUNT = Number(__ENV.COUNT ?? 100);
const VUS = Number(__ENV.VUS ?? Math.min(COUNT, 50));
const TIMEOUT = __ENV.TIMEOUT ?? "10m";
const VARS = {
  containerPrefix: __ENV.CONTAINER_PREFIX ?? "",
  containerImg: __ENV.CONTAINER_IMG ?? "cirros-container-disk-demo",
  containerTag: __ENV.CONTAINER_TAG ?? "",
};

/** Seconds in a duration such as "90s", "10m" or "1h". */
function seconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new Error(`TIMEOUT: expected a duration such as "10m", got "${d}"`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? "s"]!;
}

export const options = {
  scenarios: {
    burst: { executor: "shared-iterations", vus: VUS, iterations: COUNT, maxDuration: TIMEOUT },
  },
  setupTimeout: "2m",
  // Waiting for Running and for the deletions happens in teardown: room for both timeouts.
  teardownTimeout: `${Math.ceil(2 * seconds(TIMEOUT) + 300)}s`,
  thresholds: {
    vmi_creation_to_running_seconds: ["p(50)<=45", "p(95)<=60"],
    checks: ["rate==1"],
  },
};

interface Data {
  namespace: string;
  ownNamespace: boolean;
}

export async function setup(): Promise<Data> {
  const namespace = await kubevirt.createNamespace(__ENV.NAMESPACE);
  return { namespace, ownNamespace: __ENV.NAMESPACE === undefined };
}

export default async function (data: Data) {
  let created = false;
  try {
    await kubevirt.createVMI({ namespace: data.namespace, vars: VARS });
    created = true;
  } finally {
    check(created, { "VMI created": (ok) => ok });
  }
}

export async function teardown(data: Data) {
  const namespace = data.namespace;
  try {
    const up = await kubevirt.waitForPhase("Running", { namespace, timeout: TIMEOUT });
    console.log(`${up.reached} of ${up.total} VMIs Running after ${(up.elapsedMs / 1000).toFixed(1)} s of waiting`);
    check(up, { "every VMI reached Running": (r) => !r.timedOut && r.reached === r.total });
  } finally {
    // Ramp down, even when the wait failed: delete every VMI of the run and wait until they are gone.
    const deleted = await kubevirt.deleteAll("vmi", { namespace, concurrency: VUS });
    const gone = await kubevirt.waitForDeleted("vmi", { namespace, timeout: TIMEOUT });
    console.log(`deleted ${deleted} VMIs; all gone after ${(gone.elapsedMs / 1000).toFixed(1)} s`);
    check(gone, { "every VMI deleted": (r) => r.remaining === 0 });
    if (data.ownNamespace) await kubevirt.deleteNamespace(namespace, { timeout: TIMEOUT });
  }
}
