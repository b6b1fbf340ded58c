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
import { burstOptions, burstSetup, TIMEOUT, VUS, type BurstData } from "./lib/kubevirt-burst.ts";

const VARS = {
  containerPrefix: __ENV.CONTAINER_PREFIX ?? "",
  containerImg: __ENV.CONTAINER_IMG ?? "cirros-container-disk-demo",
  containerTag: __ENV.CONTAINER_TAG ?? "",
};

export const options = burstOptions();
export const setup = burstSetup;

export default async function (data: BurstData) {
  let created = false;
  try {
    await kubevirt.createVMI({ namespace: data.namespace, vars: VARS });
    created = true;
  } finally {
    check(created, { "VMI created": (ok) => ok });
  }
}

export async function teardown(data: BurstData) {
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
