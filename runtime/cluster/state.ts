// The cluster's state file (state.json in the cluster dir): what `cluster up`
// started, so `status` and `down` act on exactly those processes. It is
// rewritten after each component starts, so even an interrupted `up` leaves
// a record that `down` can clean up from.
import { readFile, rename, writeFile } from "node:fs/promises";
import type { ProcessRecord } from "./processes.ts";
import type { RealNodeRecord } from "./real-node.ts";

export type ComponentName = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kwok" | "containerd" | "kubelet";

/** Start order; stop in reverse (the real node's two are started beside the others, and taken down first). */
export const COMPONENT_ORDER: readonly ComponentName[] = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "containerd", "kubelet"];

/** The components of the real node. */
export const REAL_NODE_COMPONENTS: readonly ComponentName[] = ["containerd", "kubelet"];

/** The components a cluster runs: all of them with a real node, the control plane and kwok without. */
export function componentsOf(state: Pick<ClusterState, "realNode">): readonly ComponentName[] {
  return state.realNode ? COMPONENT_ORDER : COMPONENT_ORDER.filter((n) => !REAL_NODE_COMPONENTS.includes(n));
}

export interface ComponentRecord extends ProcessRecord {
  name: ComponentName;
  version: string;
  port: number;
}

export interface ClusterState {
  formatVersion: 1;
  createdAt: string;
  server: string;
  kubeconfig: string;
  apf: boolean;
  stageTimingFile: string;
  /** Hash of kwok's rendered config (stages + timings), see kwok.ts. */
  kwokConfigHash: string;
  ports: Record<string, number>;
  components: Partial<Record<ComponentName, ComponentRecord>>;
  /** The real node, when the cluster runs one (absent in states written before loadgen had it). */
  realNode?: RealNodeRecord;
  /** Why a cluster asked for a real node runs none (this machine lacks what it needs). */
  realNodeMissing?: string;
}

export async function readState(path: string): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as ClusterState;
  } catch {
    throw new Error(`cluster state file ${path} is corrupt; stop any leftover processes by hand and delete it`);
  }
}

let writes = 0;

export async function writeState(path: string, state: ClusterState): Promise<void> {
  // Unique temp name: components started side by side write concurrently.
  const tmp = `${path}.tmp-${process.pid}-${++writes}`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + "\n");
  await rename(tmp, path);
}
