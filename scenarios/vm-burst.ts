// KubeVirt VM burst: create COUNT VirtualMachines (runStrategy Always) as fast as the cluster takes them, wait until
// all their VMIs are Running, then delete the VMs and wait until VMs and VMIs are gone. The VMIs are timed from when
// the watch first saw them (a VM's VMI is created by KubeVirt's controller, not by loadgen).
//
//   loadgen run scenarios/vm-burst.ts -e COUNT=100
//
// -e COUNT=100 -e VUS=50 -e TIMEOUT=10m -e NAMESPACE=name (default: a new one, deleted at the end)
import { check } from "loadgen";
import * as kubevirt from "loadgen/kubevirt";

const COUNT = Number(__ENV.COUNT ?? 100);
const VUS = Number(__ENV.VUS ?? Math.min(COUNT, 50));
const TIMEOUT = __ENV.TIMEOUT ?? "10m";

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
    await kubevirt.createVM({ namespace: data.namespace });
    created = true;
  } finally {
    check(created, { "VM created": (ok) => ok });
  }
}

export async function teardown(data: Data) {
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
