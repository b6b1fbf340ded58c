// KubeVirt VM pool burst: create POOLS VirtualMachinePools holding COUNT VMs between them, wait until all their VMIs
// are Running, then delete the pools and wait until pools, VMs and VMIs are gone.
//
//   loadgen run scenarios/vmpool-burst.ts -e COUNT=100 -e POOLS=10
//
// Needs KubeVirt's pool controller: the local cluster simulates VMIs and VMs only, so there the scenario says so
// after PROBE (default 30s) without any VMI and fails its check instead of waiting out TIMEOUT.
//
// -e COUNT=100 -e POOLS=1 -e TIMEOUT=10m -e PROBE=30s -e NAMESPACE=name (default: a new one, deleted at the end)
import { check } from "loadgen";
import * as kubevirt from "loadgen/kubevirt";
import { burstOptions, burstSetup, COUNT, TIMEOUT, type BurstData } from "./lib/kubevirt-burst.ts";

const POOLS = Math.max(1, Number(__ENV.POOLS ?? 1));
const REPLICAS = Math.ceil(COUNT / POOLS);
const PROBE = __ENV.PROBE ?? "30s";

export const options = burstOptions(POOLS, Math.min(POOLS, 20));
export const setup = burstSetup;

export default async function (data: BurstData) {
  let created = false;
  try {
    await kubevirt.createVMPool({ namespace: data.namespace, replicas: REPLICAS });
    created = true;
  } finally {
    check(created, { "VM pool created": (ok) => ok });
  }
}

export async function teardown(data: BurstData) {
  const namespace = data.namespace;
  const expected = REPLICAS * POOLS;
  try {
    const first = await kubevirt.waitForPhase("Pending", { namespace, count: 1, timeout: PROBE });
    if (first.timedOut && first.total === 0) {
      console.error(`no VMI appeared within ${PROBE}: is KubeVirt's VirtualMachinePool controller running? (the local cluster does not simulate pools)`);
      check(first, { "the pools' VMIs reached Running": () => false });
    } else {
      const up = await kubevirt.waitForPhase("Running", { namespace, count: expected, timeout: TIMEOUT });
      console.log(`${up.reached} of ${expected} pool VMIs Running after ${(up.elapsedMs / 1000).toFixed(1)} s of waiting`);
      check(up, { "the pools' VMIs reached Running": (r) => !r.timedOut });
    }
  } finally {
    await kubevirt.deleteAll("vmpool", { namespace });
    const pools = await kubevirt.waitForDeleted("vmpool", { namespace, timeout: TIMEOUT });
    const vmis = await kubevirt.waitForDeleted("vmi", { namespace, timeout: TIMEOUT });
    check({ pools, vmis }, { "every pool and VMI deleted": (r) => r.pools.remaining === 0 && r.vmis.remaining === 0 });
    if (data.ownNamespace) await kubevirt.deleteNamespace(namespace, { timeout: TIMEOUT });
  }
}
