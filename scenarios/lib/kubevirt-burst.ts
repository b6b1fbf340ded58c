// What the KubeVirt burst scenarios (vmi-burst, vm-burst, vmpool-burst) share: their -e knobs, their options
// (one shared-iterations scenario, KubeVirt's own creation → Running targets) and a setup that makes the namespace.
import * as kubevirt from "loadgen/kubevirt";

/** -e COUNT: objects to create (VMIs, or VMs). */
export const COUNT = Number(__ENV.COUNT ?? 100);
/** -e VUS: creations in flight at once. */
export const VUS = Number(__ENV.VUS ?? Math.min(COUNT, 50));
/** -e TIMEOUT: how long to wait for Running, and then for the deletions. */
export const TIMEOUT = __ENV.TIMEOUT ?? "10m";

/** Seconds in a duration such as "90s", "10m" or "1h". */
export function seconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new Error(`expected a duration such as "10m", got "${d}"`);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? "s"]!;
}

/** Options of a burst: `iterations` creations by `vus` VUs, KubeVirt's targets, and room in teardown for both waits. */
export function burstOptions(iterations = COUNT, vus = VUS) {
  return {
    scenarios: {
      burst: { executor: "shared-iterations", vus, iterations, maxDuration: TIMEOUT },
    },
    setupTimeout: "2m",
    // Waiting for Running and for the deletions happens in teardown: room for both timeouts.
    teardownTimeout: `${Math.ceil(2 * seconds(TIMEOUT) + 300)}s`,
    thresholds: {
      vmi_creation_to_running_seconds: ["p(50)<=45", "p(95)<=60"],
      checks: ["rate==1"],
    },
  };
}

/** What setup hands to the iterations and teardown. */
export interface BurstData {
  namespace: string;
  ownNamespace: boolean;
}

/** -e NAMESPACE, or a new namespace labelled with the run (deleted at the end). */
export async function burstSetup(): Promise<BurstData> {
  const namespace = await kubevirt.createNamespace(__ENV.NAMESPACE);
  return { namespace, ownNamespace: __ENV.NAMESPACE === undefined };
}
