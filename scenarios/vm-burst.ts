// KubeVirt VM burst: create COUNT VirtualMachines (runStrategy Always) as fast as the cluster takes them, wait until
// all their VMIs are Running, then delete the VMs and wait until VMs and VMIs are gone. The VMIs are timed from when
// the watch first saw them (a VM's VMI is created by KubeVirt's controller, not by loadgen).
//
//   loadgen run scenarios/vm-burst.ts -e COUNT=100
//
// -e COUNT=100 -e VUS=50 -e TIMEOUT=10m -e NAMESPACE=name (default: a new one, deleted at the end)
import { check } from "loadgen";
import * as kubevirt from "loadgen/kubevirt";
import { burstOptions, burstSetup, COUNT, TIMEOUT, VUS, type BurstData } from "./lib/kubevirt-burst.ts";

export const options = burstOptions();
export const setup = burstSetup;

export default async function (data: BurstData) {
  let created = false;
  try {
    await kubevirt.createVM({ namespace: data.namespace });
    created = true;
  } finally {
    check(created, { "VM created": (ok) => ok });
  }
}

export async function teardown(data: BurstData) {
  const namespace = data.namespace;
  try {
    const up = await kubevirt.waitForPhase("Running", { namespace, count: COUNT, timeout: TIMEOUT });
    console.log(`${up.reached} of ${COUNT} VMs' VMIs Running after ${(up.elapsedMs / 1000).toFixed(1)} s of waiting`);
    check(up, { "every VM's VMI reached Running": (r) => !r.timedOut });
  } finally {
    await kubevirt.deleteAll("vm", { namespace, concurrency: VUS });
    const vms = await kubevirt.waitForDeleted("vm", { namespace, timeout: TIMEOUT });
    const vmis = await kubevirt.waitForDeleted("vmi", { namespace, timeout: TIMEOUT });
    check({ vms, vmis }, { "every VM and VMI deleted": (r) => r.vms.remaining === 0 && r.vmis.remaining === 0 });
    if (data.ownNamespace) await kubevirt.deleteNamespace(namespace, { timeout: TIMEOUT });
  }
}
