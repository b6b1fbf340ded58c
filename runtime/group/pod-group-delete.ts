/**
 * `loadgen rg delete NAME`: every object of a group (by its loadgen.io/runner-group label): the Job, its pods, the
 * payload and control ConfigMaps, the ServiceAccount, Role and RoleBinding (and a kperf group's ClusterRole and
 * ClusterRoleBinding); then waits until they are gone. A
 * `serviceAccount` the group was given (kperf's) is not the group's and carries no label, so it stays.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { clusterAccessName, GROUP_LABEL } from "./pod-objects.ts";

/** The kinds a group is made of, with how to list and delete them. */
const KINDS = [
  { apiVersion: "batch/v1", kind: "Job" },
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "ServiceAccount" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role" },
  // A kperf profile's group: its cluster-wide access (named after the namespace, so another's is never taken).
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", clusterScoped: true },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", clusterScoped: true },
] as const;

/** Deletes the group's objects and waits (up to `timeoutMs`) until they are gone; returns how many there were. */
export async function deleteGroup(kc: KubeConfig, namespace: string, name: string, log: (line: string) => void, timeoutMs = 120_000): Promise<number> {
  const { KubernetesObjectApi } = await import("@kubernetes/client-node");
  const api = KubernetesObjectApi.makeApiClient(kc);
  const labelSelector = `${GROUP_LABEL}=${name}`;
  const find = async () => {
    const found: Array<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }> = [];
    for (const k of KINDS) {
      const cluster = "clusterScoped" in k;
      const list = await api.list(k.apiVersion, k.kind, cluster ? undefined : namespace, undefined, undefined, undefined, undefined, labelSelector);
      for (const item of list.items) {
        if (cluster && item.metadata!.name !== clusterAccessName(namespace, name)) continue;
        found.push({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: item.metadata!.name!, ...(cluster ? {} : { namespace }) } });
      }
    }
    return found;
  };
  const objects = await find();
  if (objects.length === 0) throw new Error(`no runner group ${name} in namespace ${namespace}`);
  for (const obj of objects) {
    await api.delete(obj, undefined, undefined, obj.kind === "Pod" ? 0 : undefined, undefined, "Background").catch((e: { code?: number }) => {
      if (e.code !== 404) throw e;
    });
  }
  log(`loadgen: runner group ${name}: deleting ${objects.length} objects; waiting until they are gone`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await find();
    if (left.length === 0) return objects.length;
    if (Date.now() > deadline) throw new Error(`runner group ${name}: still there after ${timeoutMs / 1000} s: ${left.map((o) => `${o.kind} ${o.metadata.name}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
