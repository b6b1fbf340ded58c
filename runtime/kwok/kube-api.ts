// The small Kubernetes API that node pools, the kwok controller and the pod-startup tracker need, over the run's
// K8sClient: built-in resources only (no discovery round trip), JSON in and out, every request sent (and recorded in
// k8s_request_duration with the caller's tags) by the client's transport. The CLI builds the same client without a run.
import type { TagSet } from "../metrics/tags.ts";
import { K8sClient, readListHead } from "../kube/client.ts";
import type { ResourceInfo } from "../kube/discovery.ts";

function builtin(group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceInfo {
  return {
    group,
    version,
    resource,
    kind,
    singular: kind.toLowerCase(),
    shortNames: [],
    namespaced,
    verbs: [],
    basePath: group === "" ? `/api/${version}` : `/apis/${group}/${version}`,
  };
}

/** The built-in resources this module touches. */
export const R = {
  nodes: builtin("", "v1", "nodes", "Node", false),
  pods: builtin("", "v1", "pods", "Pod", true),
  namespaces: builtin("", "v1", "namespaces", "Namespace", false),
  serviceaccounts: builtin("", "v1", "serviceaccounts", "ServiceAccount", true),
  configmaps: builtin("", "v1", "configmaps", "ConfigMap", true),
  deployments: builtin("apps", "v1", "deployments", "Deployment", true),
  clusterroles: builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  clusterrolebindings: builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  selfsubjectaccessreviews: builtin("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
  selfsubjectreviews: builtin("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false),
} as const;

/** A loosely typed Kubernetes object. */
export type Obj = Record<string, any>;

/** Where one call goes. */
export interface CallTarget {
  readonly namespace?: string;
  readonly name?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** loadgen's own probe (does a controller exist? may I create nodes?): sent without a sample, so an expected 404 is no error in the run's metrics. */
  readonly quiet?: boolean;
}

/** A watch handed out by {@link KubeApi.watch}: batches of decoded events. */
export interface EventSource {
  /** The events that arrive within `maxWaitMs` (possibly none). */
  next(maxWaitMs: number): Promise<Array<{ type: string; object: Obj }>>;
  close(): void;
}

/** What node pools, the controller deployment and the pod-startup tracker need from the API server. */
export interface KubeApi {
  /** The API server's origin (`https://host:port`), to tell the local cluster apart. */
  readonly origin: string;
  get(r: ResourceInfo, t: CallTarget): Promise<Obj>;
  /** Every page of a list (`limit` pages), items concatenated; `resourceVersion` of the last page. */
  list(r: ResourceInfo, t: CallTarget): Promise<{ items: Obj[]; resourceVersion: string }>;
  create(r: ResourceInfo, body: Obj, t?: CallTarget): Promise<Obj>;
  delete(r: ResourceInfo, t: CallTarget): Promise<void>;
  deleteCollection(r: ResourceInfo, t: CallTarget): Promise<void>;
  /** A watch from `resourceVersion`; it reconnects and relists (a RELIST event with the list) on its own. */
  watch(r: ResourceInfo, t: CallTarget, resourceVersion: string | undefined): EventSource;
}

const LIST_PAGE = 1000;

function queryText(q: CallTarget["query"]): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q ?? {})) if (v !== undefined && v !== "") p.set(k, v);
  return p.toString();
}

/** The KubeApi of a K8sClient; `base` are the tags the requests' samples carry (the calling VU's). */
export function clientApi(client: K8sClient, base: TagSet): KubeApi {
  const target = (r: ResourceInfo, t: CallTarget) => ({ info: r, namespace: r.namespaced ? t.namespace : undefined, name: t.name, subresource: undefined });
  const send = async (verb: string, method: "GET" | "POST" | "DELETE", r: ResourceInfo, t: CallTarget, body?: Obj): Promise<string> => {
    const c = client.compile(verb, method, target(r, t), queryText(t.query));
    if (t.quiet) {
      const path = c.pathAndQuery.slice(client.access.pathPrefix.length);
      return (await client.transport.internal(method, path, body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" })).body;
    }
    const reply = await client.transport.send(c.endpoint, c.pathAndQuery, base, {
      keepBody: true,
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType: body === undefined ? undefined : "application/json",
    });
    return reply.body ?? "";
  };
  return {
    origin: client.access.origin,
    async get(r, t) {
      return JSON.parse(await send("get", "GET", r, t)) as Obj;
    },
    async list(r, t) {
      const items: Obj[] = [];
      let cont: string | undefined;
      let rv = "";
      do {
        const text = await send("list", "GET", r, { ...t, query: { ...t.query, limit: String(LIST_PAGE), continue: cont } });
        const page = JSON.parse(text) as { items?: Obj[]; metadata?: { continue?: string; resourceVersion?: string } };
        for (const it of page.items ?? []) items.push(it);
        cont = page.metadata?.continue || undefined;
        rv = page.metadata?.resourceVersion ?? readListHead(text).resourceVersion ?? rv;
      } while (cont !== undefined);
      return { items, resourceVersion: rv };
    },
    async create(r, body, t = {}) {
      return JSON.parse(await send("create", "POST", r, t, body)) as Obj;
    },
    async delete(r, t) {
      await send("delete", "DELETE", r, { ...t, query: { propagationPolicy: "Background", ...t.query } });
    },
    async deleteCollection(r, t) {
      await send("deletecollection", "DELETE", r, t);
    },
    watch(r, t, resourceVersion) {
      const w = client.openWatch(target(r, t), queryText({ ...t.query, allowWatchBookmarks: "true" }), base, false, resourceVersion);
      return {
        async next(maxWaitMs) {
          return JSON.parse(await w.next(maxWaitMs)) as Array<{ type: string; object: Obj }>;
        },
        close() {
          client.forgetWatch(w);
        },
      };
    },
  };
}
