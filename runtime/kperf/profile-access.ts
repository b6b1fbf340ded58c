// What a kperf profile's requests need of the API server, as RBAC rules: what a runner pod of a kperf runner group
// (`loadgen rg run`) is granted cluster-wide, so it can send exactly its profile's requests and nothing else. kperf's
// own runners run under whatever account the server's chart grants; loadgen grants the least the profile needs.
import type { AccessRule } from "../job/job-spec.ts";
import type { Gvr, KperfProfile, KperfRequest } from "./profile.ts";
import type { ExactMethod } from "./time-series.ts";

/** The verbs a weighted request sends (put creates its key space first; postDel creates and deletes). */
function weightedVerbs(r: KperfRequest): readonly string[] {
  switch (r.kind) {
    case "staleList":
    case "quorumList":
      return ["list"];
    case "watchList":
      return ["list", "watch"];
    case "staleGet":
    case "quorumGet":
    case "getPodLog":
      return ["get"];
    case "put":
      return ["create", "update", "get"];
    case "patch":
      return ["patch"];
    case "postDel":
      return ["create", "delete"];
  }
}

const EXACT_VERBS: Record<ExactMethod, string> = { GET: "get", LIST: "list", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };

/**
 * The rules a profile's requests need, one per resource with its verbs (sorted, for stable manifests).
 * @example profileAccess(profile) // [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }]
 */
export function profileAccess(profile: KperfProfile): AccessRule[] {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  const need = (gvr: Pick<Gvr, "group" | "resource">, verbs: readonly string[]) => {
    const key = `${gvr.group}/${gvr.resource}`;
    let entry = byResource.get(key);
    if (entry === undefined) byResource.set(key, (entry = { group: gvr.group, resource: gvr.resource, verbs: new Set() }));
    for (const v of verbs) entry.verbs.add(v);
  };
  for (const spec of profile.specs) {
    if (spec.mode === "time-series") {
      for (const bucket of spec.buckets) for (const r of bucket.requests) need(r.gvr, [EXACT_VERBS[r.method]]);
    } else {
      for (const r of spec.requests) need(r.kind === "getPodLog" ? { group: "", resource: "pods/log" } : r.gvr, weightedVerbs(r));
    }
  }
  return [...byResource.values()]
    .sort((a, b) => (a.group + "/" + a.resource < b.group + "/" + b.resource ? -1 : 1))
    .map((e) => ({ apiGroups: [e.group], resources: [e.resource], verbs: [...e.verbs].sort() }));
}
