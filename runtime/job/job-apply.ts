// Applying a job's manifests so that nothing outlives it: the Job (or CronJob) is created suspended, everything else
// with an ownerReference to it (so the garbage collector removes the ConfigMaps, ServiceAccount and Role when
// ttlSecondsAfterFinished removes the Job), then the Job is resumed (its deadline counts from then). A failure on the
// way deletes what was made. The dry-run YAML has no ownerReferences (there is no uid before the API server makes one).
import type { KubeClient } from "../kube/client.ts";
import { K8sError } from "../kube/errors.ts";
import type { KubeObject } from "../kube/object-meta.ts";
import type { JobManifests } from "./job-manifests.ts";

function suspended(workload: KubeObject): KubeObject {
  const copy = structuredClone(workload);
  copy.spec.suspend = true;
  return copy;
}

/**
 * Creates the job's objects.
 * @throws {K8sError} e.g. AlreadyExists for a job of that name, Forbidden when the user may not create them.
 */
export async function applyJob(client: KubeClient, m: JobManifests, log: (line: string) => void): Promise<void> {
  const workload = m.workload as KubeObject;
  const kind = workload.kind as string;
  const namespace = workload.metadata.namespace as string;
  const name = workload.metadata.name as string;
  const resource = kind === "Job" ? "jobs.batch" : "cronjobs.batch";
  const created = JSON.parse((await client.create(suspended(workload), { quiet: true })).body ?? "{}") as KubeObject;
  const owner = { apiVersion: "batch/v1", kind, name, uid: created.metadata?.uid as string };
  const made: KubeObject[] = [];
  try {
    for (const obj of [m.serviceAccount, m.role, m.roleBinding, ...m.configMaps] as Array<KubeObject | undefined>) {
      if (obj === undefined) continue;
      const owned = { ...obj, metadata: { ...obj.metadata, ownerReferences: [owner] } };
      await client.create(owned, { quiet: true });
      made.push(obj);
    }
    await client.patch(resource, name, JSON.stringify({ spec: { suspend: false } }), { namespace, type: "merge", quiet: true });
  } catch (e) {
    log(`creating ${kind} ${namespace}/${name} failed; deleting what was made`);
    // The owner goes last: its dependents would go with it, but only once the garbage collector gets to them.
    for (const obj of [...made.reverse(), workload]) {
      await client.delete(resourceOf(obj), obj.metadata.name, { namespace, propagationPolicy: "Background", quiet: true }).catch((err) => {
        if (!(err instanceof K8sError && err.status === 404)) log(`could not delete ${obj.kind} ${obj.metadata.name}: ${(err as Error).message}`);
      });
    }
    throw e;
  }
}

/** The resource of one of a job's objects. */
export function resourceOf(obj: KubeObject): string {
  switch (obj.kind) {
    case "Job": return "jobs.batch";
    case "CronJob": return "cronjobs.batch";
    case "ConfigMap": return "configmaps";
    case "ServiceAccount": return "serviceaccounts";
    case "Role": return "roles.rbac.authorization.k8s.io";
    case "RoleBinding": return "rolebindings.rbac.authorization.k8s.io";
    default: throw new Error(`not an object of a job: ${obj.kind}`);
  }
}
