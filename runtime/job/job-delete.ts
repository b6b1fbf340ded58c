// `loadgen job delete NAME | -l SELECTOR`: every object of the matching jobs in one namespace — CronJobs, Jobs (their
// pods with them), pods, ConfigMaps, RoleBindings, Roles, ServiceAccounts — then waits until they are gone. A selector
// is narrowed to objects loadgen made (app.kubernetes.io/managed-by=loadgen), so `-l load-test=heavy` never deletes
// anyone else's objects that carry the same label.
import type { KubeClient } from "../kube/client.ts";
import { K8sError } from "../kube/errors.ts";
import { JOB_LABEL } from "./job-spec.ts";

/** The kinds a job has, dependents after their owners so that each DELETE finds its object. */
const RESOURCES = ["cronjobs.batch", "jobs.batch", "pods", "configmaps", "rolebindings.rbac.authorization.k8s.io", "roles.rbac.authorization.k8s.io", "serviceaccounts"] as const;

export const MANAGED_BY = "app.kubernetes.io/managed-by=loadgen";

/** The selector of job `name`'s objects, or of the jobs `selector` matches (only loadgen's). */
export function jobSelector(target: { name: string } | { selector: string }): string {
  return "name" in target ? `${JOB_LABEL}=${target.name}` : `${target.selector},${MANAGED_BY}`;
}

export interface DeleteResult {
  /** Objects removed, by resource (deleted, or gone already with their owner: the garbage collector was first). */
  readonly deleted: Record<string, number>;
  /** Objects still there when the wait ended. */
  readonly remaining: number;
}

async function find(client: KubeClient, namespace: string, labelSelector: string): Promise<Array<{ resource: string; name: string }>> {
  const found = await Promise.all(RESOURCES.map(async (resource) => (await client.listObjects(resource, { namespace, labelSelector, quiet: true })).items.map((o) => ({ resource, name: o.metadata!.name as string }))));
  return found.flat();
}

/**
 * Deletes what `labelSelector` selects in `namespace` and waits (up to `timeoutMs`) until it is gone.
 * @throws {K8sError} when a list or delete fails for another reason than "already gone".
 */
export async function deleteJobObjects(client: KubeClient, namespace: string, labelSelector: string, o: { timeoutMs: number }): Promise<DeleteResult> {
  const deleted: Record<string, number> = {};
  for (const { resource, name } of await find(client, namespace, labelSelector)) {
    try {
      await client.delete(resource, name, { namespace, propagationPolicy: "Background", quiet: true });
      deleted[resource] = (deleted[resource] ?? 0) + 1;
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 404)) throw e;
      deleted[resource] = (deleted[resource] ?? 0) + 1;
    }
  }
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const remaining = (await find(client, namespace, labelSelector)).length;
    if (remaining === 0 || Date.now() > deadline) return { deleted, remaining };
    await new Promise((r) => setTimeout(r, 500));
  }
}
