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

const COUNT = Number(__ENV.COUNT ?? 100);
const POOLS = Math.max(1, Number(__ENV.POOLS ?? 1));
const REPLICAS = Math.ceil(COUNT / POOLS);
const TIMEOUT = __ENV.TIMEOUT ?? "10m";
const PROBE = __ENV.PROBE ?? "30s";

function seconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new Error(`expected a duration such as "10m", got "${d}"`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? "s"]!;
}

export const options = {
  scenarios: {
    burst: { executor: "shared-iterations", vus: Math.min(POOLS, 20), iterations: POOLS, maxDuration: TIMEOUT },
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
    await kubevirt.createVMPool({ namespace: data.namespace, replicas: REPLICAS });
    created = true;
  } finally {
    check(created, { "VM pool created": (ok) => ok });
  }
}

export async function teardown(data: Data) {
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
