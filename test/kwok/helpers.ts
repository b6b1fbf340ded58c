// Helpers for the loadgen/kwok suite: a pool context on the local cluster (or another kubeconfig), built the way
// `loadgen nodepool` builds it, and unique pool names so re-runs and parallel suites never collide.
import { randomBytes } from "node:crypto";
import { localClusterInfo } from "../../runtime/execution/resolve-cluster-access.ts";
import { KubeClient } from "../../runtime/kube/client.ts";
import { loadClusterAccess } from "../../runtime/kube/cluster-access.ts";
import { DEFAULT_K8S_OPTIONS } from "../../runtime/kube/k8s-options.ts";
import { clientApi } from "../../runtime/kwok/kube-api.ts";
import { NodePoolError, type PoolContext } from "../../runtime/kwok/node-pool.ts";
import * as assert from "uvu/assert";
import { useLocalCluster } from "../fixtures/local-cluster.ts";

export interface TestPoolContext extends PoolContext {
  readonly logs: string[];
  close(): Promise<void>;
}

/** A pool context for `kubeconfig` (default: the local cluster's admin). */
export async function poolContext(kubeconfig?: string): Promise<TestPoolContext> {
  const file = kubeconfig ?? (await useLocalCluster()).kubeconfig;
  const access = await loadClusterAccess({ kubeconfig: file }, () => Promise.reject(new Error("no fallback in tests")));
  const client = new KubeClient(access, DEFAULT_K8S_OPTIONS, { runId: "test" });
  const logs: string[] = [];
  return { api: clientApi(client, client.tags), log: (l) => void logs.push(l), localCluster: localClusterInfo, logs, close: () => client.close() };
}

/** A pool name no other test (or earlier run) uses. */
export function poolName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** The NodePoolError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejects(p: Promise<unknown>): Promise<NodePoolError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, NodePoolError, String(e));
    return e as NodePoolError;
  }
  throw new Error("expected a NodePoolError");
}
