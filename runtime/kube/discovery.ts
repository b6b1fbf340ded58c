// Resource names as scenarios write them (`pods`, `v1/pods`, `apps/v1/deployments`, `deployments.apps`, `vmi`, a
// kind) resolved to a group, version, plural and scope through API discovery, once per run. Aggregated discovery
// (two requests: /api and /apis) is tried first; servers without it get the per-group-version documents.
import { clientError } from "./errors.ts";

/** A resolved resource. */
export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  /** The plural name used in URLs. */
  readonly resource: string;
  readonly kind: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  /** `/api/v1` or `/apis/<group>/<version>`. */
  readonly basePath: string;
}

/** Fetches a discovery document: the JSON text at `path` with `accept`. */
export type DiscoveryFetch = (path: string, accept: string) => Promise<string>;

const AGGREGATED =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const VERSION = /^v\d+((alpha|beta)\d+)?$/;

interface AggregatedList {
  kind?: string;
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; singularResource?: string; verbs?: string[]; shortNames?: string[] }>;
    }>;
  }>;
}

/** Every resource the server serves, with lookups by the names scenarios use. */
export class Discovery {
  /** Preferred version of each resource first, in discovery order (core first). */
  readonly #all: ResourceInfo[] = [];
  readonly #preferred = new Set<ResourceInfo>();
  readonly #resolved = new Map<string, ResourceInfo>();

  static async load(fetch: DiscoveryFetch): Promise<Discovery> {
    const d = new Discovery();
    const [core, groups] = await Promise.all([fetch("/api", AGGREGATED), fetch("/apis", AGGREGATED)]);
    const coreDoc = JSON.parse(core) as AggregatedList;
    const groupsDoc = JSON.parse(groups) as AggregatedList & { groups?: Array<{ name: string; preferredVersion?: { version: string }; versions: Array<{ version: string }> }> };
    if (coreDoc.kind === "APIGroupDiscoveryList" && groupsDoc.kind === "APIGroupDiscoveryList") {
      for (const doc of [coreDoc, groupsDoc]) {
        for (const g of doc.items ?? []) {
          const group = g.metadata?.name ?? "";
          (g.versions ?? []).forEach((v, i) => {
            for (const r of v.resources ?? []) {
              d.#add(
                {
                  group,
                  version: v.version,
                  resource: r.resource,
                  kind: r.responseKind?.kind ?? "",
                  singular: r.singularResource ?? "",
                  shortNames: r.shortNames ?? [],
                  namespaced: r.scope === "Namespaced",
                  verbs: r.verbs ?? [],
                  basePath: group === "" ? `/api/${v.version}` : `/apis/${group}/${v.version}`,
                },
                i === 0,
              );
            }
          });
        }
      }
      return d;
    }
    // Legacy discovery: one document per group version.
    const gvs: Array<{ group: string; version: string; preferred: boolean }> = [{ group: "", version: "v1", preferred: true }];
    for (const g of groupsDoc.groups ?? []) {
      for (const v of g.versions) gvs.push({ group: g.name, version: v.version, preferred: v.version === (g.preferredVersion?.version ?? g.versions[0]?.version) });
    }
    const docs = await Promise.all(
      gvs.map(async (gv) => {
        const basePath = gv.group === "" ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
        try {
          return { gv, basePath, doc: JSON.parse(await fetch(basePath, "application/json")) as { resources?: Array<{ name: string; singularName?: string; namespaced?: boolean; kind?: string; verbs?: string[]; shortNames?: string[] }> } };
        } catch {
          return undefined; // an unavailable aggregated API must not break the run
        }
      }),
    );
    for (const entry of docs) {
      if (!entry) continue;
      for (const r of entry.doc.resources ?? []) {
        if (r.name.includes("/")) continue;
        d.#add(
          {
            group: entry.gv.group,
            version: entry.gv.version,
            resource: r.name,
            kind: r.kind ?? "",
            singular: r.singularName ?? "",
            shortNames: r.shortNames ?? [],
            namespaced: r.namespaced === true,
            verbs: r.verbs ?? [],
            basePath: entry.basePath,
          },
          entry.gv.preferred,
        );
      }
    }
    return d;
  }

  #add(info: ResourceInfo, preferred: boolean): void {
    this.#all.push(info);
    if (preferred) this.#preferred.add(info);
  }

  /** Every resource in its preferred version. */
  preferred(): ResourceInfo[] {
    return this.#all.filter((r) => this.#preferred.has(r));
  }

  /**
   * The resource a scenario means by `spec`.
   * @throws {K8sError} code UnknownResource when discovery has no such resource.
   */
  resolve(spec: string): ResourceInfo {
    const hit = this.#resolved.get(spec);
    if (hit !== undefined) return hit;
    const found = this.#find(spec.trim());
    if (found === undefined) {
      throw clientError("UnknownResource", `unknown resource "${spec}": the API server serves no such resource (use a plural, a short name, a kind, or group/version/resource such as apps/v1/deployments)`);
    }
    this.#resolved.set(spec, found);
    return found;
  }

  /** The resource of an object's apiVersion and kind. */
  resolveKind(apiVersion: string, kind: string): ResourceInfo {
    const key = `${apiVersion}\u0000${kind}`;
    const hit = this.#resolved.get(key);
    if (hit !== undefined) return hit;
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const found = this.#all.find((r) => r.group === group && r.version === version && r.kind === kind);
    if (found === undefined) throw clientError("UnknownResource", `unknown kind ${kind} in ${apiVersion}: the API server serves no such resource`);
    this.#resolved.set(key, found);
    return found;
  }

  #find(spec: string): ResourceInfo | undefined {
    const parts = spec.split("/");
    if (parts.length === 3) return this.#all.find((r) => r.group === parts[0] && r.version === parts[1] && r.resource === parts[2]);
    if (parts.length === 2) {
      const [a, b] = parts as [string, string];
      if (VERSION.test(a)) return this.#all.find((r) => r.group === "" && r.version === a && r.resource === b);
      return this.#pick((r) => r.group === a && matchesName(r, b));
    }
    if (parts.length !== 1) return undefined;
    const dot = spec.indexOf(".");
    if (dot > 0) {
      const name = spec.slice(0, dot);
      const rest = spec.slice(dot + 1);
      const restDot = rest.indexOf(".");
      if (restDot > 0 && VERSION.test(rest.slice(0, restDot))) {
        const version = rest.slice(0, restDot);
        const group = rest.slice(restDot + 1);
        return this.#all.find((r) => r.group === group && r.version === version && matchesName(r, name));
      }
      return this.#pick((r) => r.group === rest && matchesName(r, name));
    }
    // A bare name: core first, then groups in discovery order (kubectl's priority).
    return this.#pick((r) => r.group === "" && matchesName(r, spec)) ?? this.#pick((r) => matchesName(r, spec));
  }

  #pick(pred: (r: ResourceInfo) => boolean): ResourceInfo | undefined {
    let fallback: ResourceInfo | undefined;
    for (const r of this.#all) {
      if (!pred(r)) continue;
      if (this.#preferred.has(r)) return r;
      fallback ??= r;
    }
    return fallback;
  }
}

function matchesName(r: ResourceInfo, name: string): boolean {
  const n = name.toLowerCase();
  return r.resource === n || r.singular === n || r.kind.toLowerCase() === n || r.shortNames.includes(n);
}

/**
 * A resource known without asking discovery (a built-in, or kperf's group/version/resource, from which kperf builds
 * its URLs alone): only what a request path needs is filled in.
 */
export function knownResource(gvr: { readonly group: string; readonly version: string; readonly resource: string }, namespaced: boolean, kind = ""): ResourceInfo {
  return {
    group: gvr.group,
    version: gvr.version,
    resource: gvr.resource,
    kind,
    singular: kind.toLowerCase(),
    shortNames: [],
    namespaced,
    verbs: [],
    basePath: gvr.group === "" ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`,
  };
}
