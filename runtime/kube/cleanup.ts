// Deletes what runs created: every listable, deletable resource is listed with the run's label selector (or any
// loadgen.io/run label for --all), each object found is deleted (namespaces last), and then the lists are repeated until
// they come back empty or the wait times out.
import { runBounded } from "../util/worker-pool.ts";
import type { KubeClient } from "./client.ts";
import type { ResourceInfo } from "./discovery.ts";
import { K8sError } from "./errors.ts";
import { runSelector } from "./labels.ts";

export interface CleanupOptions {
  /** The run whose objects go; undefined: every object with a loadgen.io/run label. */
  readonly runId?: string;
  readonly log?: (line: string) => void;
  /** How long to wait for the objects to be gone (finalizers, namespace termination). Default 5 minutes. */
  readonly timeoutMs?: number;
}

export interface CleanupResult {
  /** Objects a DELETE was sent for. */
  deleted: number;
  /** Objects still present when the wait ended (0 when everything is gone). */
  remaining: number;
  /** Per "resource.group": how many were deleted. */
  byResource: Record<string, number>;
}

interface Found {
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string;
}

const PARALLEL = 16;

/** Finds the labelled objects of every resource type. */
export async function findLabelled(c: KubeClient, runId: string | undefined): Promise<Found[]> {
  const discovery = await c.discovery();
  const labelSelector = runSelector(runId);
  const resources = discovery.preferred().filter((r) => r.verbs.includes("list") && r.verbs.includes("delete"));
  const lists = await Promise.all(
    resources.map(async (info) => {
      try {
        const { items } = await c.listObjects(info, { labelSelector, quiet: true });
        return items.flatMap((it) => (it.metadata?.name ? [{ info, namespace: info.namespaced ? it.metadata.namespace : undefined, name: it.metadata.name }] : []));
      } catch (e) {
        // A resource this user may not list, or an aggregated API that is down: not ours to clean.
        if (e instanceof K8sError && (e.status === 403 || e.status === 404 || e.status === 405 || e.status === 503)) return [];
        throw e;
      }
    }),
  );
  return lists.flat();
}

/**
 * Deletes the objects of one run (or of all runs) and waits until they are gone.
 * @throws {K8sError} when listing or deleting fails for another reason than "already gone" or "not allowed to list".
 */
export async function cleanupRun(c: KubeClient, o: CleanupOptions): Promise<CleanupResult> {
  const log = o.log ?? (() => {});
  const found = await findLabelled(c, o.runId);
  const byResource: Record<string, number> = {};
  // Namespaces last: their contents go with them, and deleting those first keeps the per-object counts honest.
  const ordered = [...found.filter((f) => f.info.resource !== "namespaces"), ...found.filter((f) => f.info.resource === "namespaces")];
  let deleted = 0;
  const errors = await runBounded(ordered, PARALLEL, async (f) => {
    try {
      await c.delete(f.info, f.name, { namespace: f.namespace, propagationPolicy: "Background", quiet: true });
      deleted++;
      const key = f.info.group ? `${f.info.resource}.${f.info.group}` : f.info.resource;
      byResource[key] = (byResource[key] ?? 0) + 1;
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 404)) throw e;
    }
  });
  if (errors.length > 0) throw errors[0];
  if (deleted > 0) log(`deleted ${deleted} object(s): ${Object.entries(byResource).map(([k, n]) => `${n} ${k}`).join(", ")}; waiting until they are gone`);
  const deadline = Date.now() + (o.timeoutMs ?? 300_000);
  let remaining = found.length;
  while (remaining > 0) {
    remaining = (await findLabelled(c, o.runId)).length;
    if (remaining === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { deleted, remaining, byResource };
}
