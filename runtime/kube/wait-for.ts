// The host's waitFor: list the objects, then follow them by watch until a condition on the whole set holds, or the
// time is up. The set is keyed by namespace/name and kept current from the events (a RELIST replaces it), so the
// condition sees what the API server has, however the watch reconnected.
import type { TagSet } from "../metrics/tags.ts";
import type { KubeClient, ResourceRef } from "./client.ts";
import type { KubeObject } from "./object-meta.ts";

export interface WaitForOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Page size of the first list (paginated, every page read); default: one unpaginated list. */
  readonly limit?: number;
  readonly tags?: TagSet;
  readonly timeoutMs: number;
  /** Whether the wait is over, given the objects by namespace/name. */
  readonly until: (objects: ReadonlyMap<string, KubeObject>) => boolean;
}

export interface WaitForResult {
  /** False when the time ran out first. */
  readonly met: boolean;
  readonly objects: ReadonlyMap<string, KubeObject>;
  readonly elapsedMs: number;
}

/** How long one wait for events may take before the deadline is looked at again. */
const POLL_MS = 1_000;

function key(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

/** @throws {K8sError} when the list or the watch fails for good. */
export async function waitFor(client: KubeClient, ref: ResourceRef, o: WaitForOptions): Promise<WaitForResult> {
  const started = performance.now();
  const deadline = Date.now() + o.timeoutMs;
  const info = await client.resolve(ref);
  const selection = { namespace: o.namespace, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, tags: o.tags };
  const first = await client.listObjects(info, { ...selection, ...(o.limit !== undefined ? { limit: o.limit, allPages: true } : {}) });
  const objects = new Map<string, KubeObject>();
  for (const it of first.items) objects.set(key(it), it);
  const result = (met: boolean): WaitForResult => ({ met, objects, elapsedMs: performance.now() - started });
  if (o.until(objects)) return result(true);
  const w = client.watch(info, { ...selection, resourceVersion: first.resourceVersion });
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return result(false);
      const events = JSON.parse(await w.next(Math.min(left, POLL_MS))) as Array<{ type: string; object: KubeObject }>;
      for (const ev of events) {
        if (ev.type === "RELIST") {
          objects.clear();
          for (const it of (ev.object.items ?? []) as KubeObject[]) objects.set(key(it), it);
        } else if (ev.type === "ADDED" || ev.type === "MODIFIED") objects.set(key(ev.object), ev.object);
        else if (ev.type === "DELETED") objects.delete(key(ev.object));
      }
      if (events.length > 0 && o.until(objects)) return result(true);
    }
  } finally {
    client.closeWatch(w);
  }
}
