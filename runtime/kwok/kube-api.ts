// The small Kubernetes API that node pools, the kwok controller and the pod-startup tracker need, over a KubeClient's
// verbs: built-in resources only (no discovery round trip), JSON in and out, every request sent (and recorded with the
// caller's tags) by the client. A run's bindings hand in the run's client; the CLI and tests a client of their own.
import type { KubeClient } from "../kube/client.ts";
import { knownResource, type ResourceInfo } from "../kube/discovery.ts";
import type { KubeObject } from "../kube/object-meta.ts";
import type { TagSet } from "../metrics/tags.ts";

function builtin(group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceInfo {
  return knownResource({ group, version, resource }, namespaced, kind);
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
export type Obj = KubeObject;

/** Where one call goes. */
export interface CallTarget {
  readonly namespace?: string;
  readonly name?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
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
  /** Lists, then watches until `until` holds for the objects (by namespace/name) or `timeoutMs` passes; false then. */
  waitFor(r: ResourceInfo, t: CallTarget, timeoutMs: number, until: (objects: ReadonlyMap<string, Obj>) => boolean): Promise<boolean>;
}

const LIST_PAGE = 1000;

/** The KubeApi of a KubeClient; `tags` are the tags the requests' samples carry (the calling VU's). */
export function clientApi(client: KubeClient, tags: TagSet): KubeApi {
  const call = (t: CallTarget) => ({ namespace: t.namespace, tags, quiet: t.quiet, decode: true });
  const selection = (t: CallTarget) => ({ namespace: t.namespace, labelSelector: t.labelSelector, fieldSelector: t.fieldSelector, tags });
  return {
    origin: client.access.origin,
    async get(r, t) {
      return JSON.parse((await client.get(r, t.name ?? "", call(t))).body ?? "") as Obj;
    },
    list(r, t) {
      return client.listObjects(r, { ...call(t), labelSelector: t.labelSelector, fieldSelector: t.fieldSelector, limit: LIST_PAGE, allPages: true });
    },
    async create(r, body, t = {}) {
      return JSON.parse((await client.create(body, { ...call(t), resource: r })).body ?? "") as Obj;
    },
    async delete(r, t) {
      await client.delete(r, t.name ?? "", { ...call(t), propagationPolicy: "Background" });
    },
    async deleteCollection(r, t) {
      await client.deleteCollection(r, { ...call(t), labelSelector: t.labelSelector, fieldSelector: t.fieldSelector });
    },
    watch(r, t, resourceVersion) {
      const w = client.watch(r, { ...selection(t), resourceVersion });
      return {
        async next(maxWaitMs) {
          return JSON.parse(await w.next(maxWaitMs)) as Array<{ type: string; object: Obj }>;
        },
        close() {
          client.closeWatch(w);
        },
      };
    },
    async waitFor(r, t, timeoutMs, until) {
      return (await client.waitFor(r, { ...selection(t), limit: LIST_PAGE, timeoutMs, until })).met;
    },
  };
}
