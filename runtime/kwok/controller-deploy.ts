// A kwok controller for clusters that have none: a Deployment in a namespace of its own, with its RBAC and its Stages in
// a ConfigMap, managing the nodes that carry the pool label. Before deploying, the cluster is checked for a kwok that
// already manages it (the local cluster's kwok process, a previous loadgen deployment, kwok's own kustomize install),
// so two controllers never fight over one node. Removed when the last pool goes.
import { readFileSync } from "node:fs";
import type { LocalClusterInfo } from "../kube/cluster-access.ts";
import { K8sError } from "../kube/errors.ts";
import { packagePath } from "../util/package-path.ts";
import { R, type KubeApi, type Obj } from "./kube-api.ts";

export const CONTROLLER_NAMESPACE = "loadgen-kwok";
export const CONTROLLER_NAME = "kwok-controller";
export const CONTROLLER_ROLE = "loadgen-kwok-controller";
export const STAGES_CONFIGMAP = "kwok-stages";
/** kwok's release matching the local cluster's (controlplane/kwok/go.mod). */
export const DEFAULT_CONTROLLER_IMAGE = "registry.k8s.io/kwok/kwok:v0.8.0";
const MANAGED_BY = "app.kubernetes.io/managed-by";
const LABELS = { [MANAGED_BY]: "loadgen", "app.kubernetes.io/name": CONTROLLER_NAME } as const;
/** The pool label (node-pool.ts's POOL_LABEL; repeated to keep the import graph one-way). */
const POOL_LABEL = "loadgen.io/nodepool";

/** Who keeps pool nodes Ready: the local cluster's kwok process, loadgen's Deployment, another kwok install, or no one. */
export type ControllerKind = "local" | "loadgen" | "external" | "none";
/** auto: deploy when none is found; deploy: deploy loadgen's unless it is there; none: never deploy. */
export type ControllerMode = "auto" | "deploy" | "none";

interface Ctx {
  readonly api: KubeApi;
  readonly log?: (line: string) => void;
}

/** What the controller lookup needs: the cluster, and the local cluster's state (from the run or the CLI). */
export interface ControllerLookup {
  readonly api: KubeApi;
  /** The local loadgen cluster when it runs; absent: this cluster is never taken for it. */
  readonly localCluster?: () => Promise<LocalClusterInfo | undefined>;
}

/** The node and pod stages kwok plays (the same file the local cluster's kwok loads). */
export function stagesYaml(): string {
  return readFileSync(packagePath("controlplane", "manifests", "stages", "node-pod.yaml"), "utf8");
}

/** The objects of loadgen's kwok controller, in creation order. */
export function controllerObjects(image: string = DEFAULT_CONTROLLER_IMAGE, stages: string = stagesYaml()): Array<{ resource: keyof typeof R; body: Obj }> {
  const ns = CONTROLLER_NAMESPACE;
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: ns } : {}), labels: { ...LABELS } });
  const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({ apiGroups, resources, verbs });
  const podLabels = { "app.kubernetes.io/name": CONTROLLER_NAME };
  return [
    { resource: "namespaces", body: { apiVersion: "v1", kind: "Namespace", metadata: meta(ns, false) } },
    { resource: "serviceaccounts", body: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(CONTROLLER_NAME) } },
    {
      resource: "clusterroles",
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: meta(CONTROLLER_ROLE, false),
        // What kwok needs with Stages from --config (kwok's kustomize/rbac/role.yaml without its CRDs).
        rules: [
          rule([""], ["events"], ["create", "patch", "update"]),
          rule([""], ["nodes"], ["get", "list", "watch"]),
          rule([""], ["nodes/status"], ["patch", "update"]),
          rule([""], ["pods"], ["get", "list", "watch", "patch", "update", "delete"]),
          rule([""], ["pods/status"], ["patch", "update"]),
          rule(["coordination.k8s.io"], ["leases"], ["create", "get", "list", "watch", "patch", "update", "delete"]),
        ],
      },
    },
    {
      resource: "clusterrolebindings",
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: meta(CONTROLLER_ROLE, false),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTROLLER_ROLE },
        subjects: [{ kind: "ServiceAccount", name: CONTROLLER_NAME, namespace: ns }],
      },
    },
    { resource: "configmaps", body: { apiVersion: "v1", kind: "ConfigMap", metadata: meta(STAGES_CONFIGMAP), data: { "stages.yaml": stages } } },
    {
      resource: "deployments",
      body: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(CONTROLLER_NAME),
        spec: {
          replicas: 1,
          selector: { matchLabels: podLabels },
          template: {
            metadata: { labels: { ...LABELS } },
            spec: {
              serviceAccountName: CONTROLLER_NAME,
              // A real node, never one of the fake ones it keeps alive.
              affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "type", operator: "NotIn", values: ["kwok"] }] }] } } },
              containers: [
                {
                  name: "kwok",
                  image,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    "--config=/etc/kwok/stages.yaml",
                    "--manage-all-nodes=false",
                    `--manage-nodes-with-label-selector=${POOL_LABEL}`,
                    "--node-ip=$(POD_IP)",
                    "--node-port=10247",
                    "--server-address=0.0.0.0:10247",
                    "--cidr=10.0.0.0/16",
                    "--node-lease-duration-seconds=40",
                  ],
                  env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
                  readinessProbe: { httpGet: { path: "/healthz", port: 10247 }, periodSeconds: 10 },
                  resources: { requests: { cpu: "250m", memory: "256Mi" } },
                  volumeMounts: [{ name: "stages", mountPath: "/etc/kwok", readOnly: true }],
                },
              ],
              volumes: [{ name: "stages", configMap: { name: STAGES_CONFIGMAP } }],
            },
          },
        },
      },
    },
  ];
}

function notFound(e: unknown): boolean {
  return e instanceof K8sError && (e.status === 404 || e.status === 403);
}

/** Finds a kwok controller that already manages the cluster. */
export async function detectController(ctx: ControllerLookup): Promise<{ kind: ControllerKind; detail: string }> {
  const api = ctx.api;
  try {
    const d = await api.get(R.deployments, { namespace: CONTROLLER_NAMESPACE, name: CONTROLLER_NAME, quiet: true });
    if (d.metadata?.labels?.[MANAGED_BY] === "loadgen" && !d.metadata?.deletionTimestamp) return { kind: "loadgen", detail: `Deployment ${CONTROLLER_NAMESPACE}/${CONTROLLER_NAME}` };
  } catch (e) {
    if (!notFound(e)) throw e;
  }
  const local = await ctx.localCluster?.().catch(() => undefined);
  if (local !== undefined && local.server === api.origin && local.running.includes("kwok")) {
    return { kind: "local", detail: `the local loadgen cluster's kwok (${local.server})` };
  }
  // kwok's own install (kustomize/kwok): a kwok-controller Deployment in kube-system.
  try {
    await api.get(R.deployments, { namespace: "kube-system", name: "kwok-controller", quiet: true });
    return { kind: "external", detail: "Deployment kube-system/kwok-controller" };
  } catch (e) {
    if (!notFound(e)) throw e;
  }
  return { kind: "none", detail: `not the local loadgen cluster, and no Deployment ${CONTROLLER_NAMESPACE}/${CONTROLLER_NAME} or kube-system/kwok-controller` };
}

async function waitNamespaceGone(api: KubeApi, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const ns = await api.get(R.namespaces, { name: CONTROLLER_NAMESPACE, quiet: true });
      if (!ns.metadata?.deletionTimestamp) return; // exists and is not going away
    } catch (e) {
      if (e instanceof K8sError && e.status === 404) return;
      throw e;
    }
    if (Date.now() > deadline) throw new K8sError(`namespace ${CONTROLLER_NAMESPACE} is still terminating from an earlier delete; try again shortly`, "Conflict", 409);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Creates the controller's objects; an object that exists already is kept as it is. On failure the objects this call
 * made are removed again.
 * @throws {K8sError} e.g. Forbidden when the user may not create namespaces or RBAC objects.
 */
export async function deployController(ctx: Ctx, image?: string): Promise<void> {
  await waitNamespaceGone(ctx.api, 120_000);
  const made: Array<{ resource: keyof typeof R; body: Obj }> = [];
  try {
    for (const o of controllerObjects(image ?? DEFAULT_CONTROLLER_IMAGE)) {
      try {
        await ctx.api.create(R[o.resource], o.body, { namespace: o.body.metadata.namespace });
        made.push(o);
      } catch (e) {
        if (!(e instanceof K8sError && e.status === 409)) throw e;
      }
    }
  } catch (e) {
    for (const o of made.reverse()) {
      await ctx.api.delete(R[o.resource], { namespace: o.body.metadata.namespace, name: o.body.metadata.name }).catch(() => {});
    }
    throw new K8sError(`cannot deploy the kwok controller: ${(e as Error).message}`, (e as K8sError).code ?? "Unknown", (e as K8sError).status ?? 0);
  }
  ctx.log?.(`deployed the kwok controller (${image ?? DEFAULT_CONTROLLER_IMAGE}) as Deployment ${CONTROLLER_NAMESPACE}/${CONTROLLER_NAME}`);
}

/** Removes loadgen's controller: its Deployment, namespace and RBAC. Objects already gone are fine. */
export async function removeController(ctx: Ctx): Promise<void> {
  const objects = controllerObjects(DEFAULT_CONTROLLER_IMAGE, "").reverse();
  for (const o of objects) {
    try {
      await ctx.api.delete(R[o.resource], { namespace: o.body.metadata.namespace, name: o.body.metadata.name });
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 404)) throw e;
    }
  }
}
