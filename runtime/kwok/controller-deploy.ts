// A kwok controller for clusters that have none: a Deployment in a namespace of its own, with its RBAC and its Stages in
// a ConfigMap, managing the nodes labelled for it (CONTROLLER_LABEL: the pools added while it runs). Before deploying,
// the cluster is checked for a kwok that already manages it (the local cluster's kwok process, a previous loadgen
// deployment, kwok's own kustomize install). On the local cluster (`--controller deploy`) its pod runs on the real node
// (kwok's image built there, host network, a loopback port), and the cluster's own kwok leaves nodes with the label
// alone, so the two never fight over a node. Removed when the last pool it manages goes.
import { readFileSync } from "node:fs";
import type { LocalClusterInfo, LocalRealNode } from "../kube/cluster-access.ts";
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
/**
 * The label on the nodes loadgen's controller manages (value: its namespace). The local cluster's kwok is started with
 * `--manage-nodes-with-label-selector=!loadgen.io/kwok-controller` (runtime/cluster/kwok.ts repeats the key).
 */
export const CONTROLLER_LABEL = "loadgen.io/kwok-controller";
/** The port kwok serves its healthz (and fake kubelet API) on, in a pod network of its own. */
const POD_NETWORK_PORT = 10247;

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

/** Where the controller's pod runs: any real node of the cluster, or the local cluster's real node. */
export type ControllerPlacement =
  | { readonly kind: "cluster" }
  /** The local real node: host network (the node has no other), on a loopback port free on the machine. */
  | { readonly kind: "local-real-node"; readonly node: string; readonly port: number };

/** What the controller runs: the image, its Stages, and where. */
export interface ControllerSpec {
  readonly image: string;
  readonly stages: string;
  readonly placement: ControllerPlacement;
}

/** The pod spec's placement and networking for `p`. */
function placementSpec(p: ControllerPlacement): { spec: Obj; address: string; port: number } {
  if (p.kind === "cluster") {
    // A real node, never one of the fake ones it keeps alive.
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "type", operator: "NotIn", values: ["kwok"] }] }] } } };
    return { spec: { affinity }, address: "0.0.0.0", port: POD_NETWORK_PORT };
  }
  return {
    spec: {
      nodeSelector: { "kubernetes.io/hostname": p.node },
      tolerations: [{ key: "loadgen.io/real-node", operator: "Exists", effect: "NoSchedule" }],
      // The node's only network; the pod's IP is the node's, 127.0.0.1, and it listens there only.
      hostNetwork: true,
    },
    address: "$(POD_IP)",
    port: p.port,
  };
}

/** The objects of loadgen's kwok controller, in creation order. */
export function controllerObjects(o: Partial<ControllerSpec> = {}): Array<{ resource: keyof typeof R; body: Obj }> {
  const image = o.image ?? DEFAULT_CONTROLLER_IMAGE;
  const stages = o.stages ?? stagesYaml();
  const place = placementSpec(o.placement ?? { kind: "cluster" });
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
              ...place.spec,
              // kwok stops at once on SIGTERM; a pool's delete need not wait the default 30 s.
              terminationGracePeriodSeconds: 5,
              containers: [
                {
                  name: "kwok",
                  image,
                  imagePullPolicy: "IfNotPresent",
                  args: [
                    "--config=/etc/kwok/stages.yaml",
                    "--manage-all-nodes=false",
                    `--manage-nodes-with-label-selector=${CONTROLLER_LABEL}=${CONTROLLER_NAMESPACE}`,
                    "--node-ip=$(POD_IP)",
                    `--node-port=${place.port}`,
                    `--server-address=${place.address}:${place.port}`,
                    "--cidr=10.0.0.0/16",
                    "--node-lease-duration-seconds=40",
                  ],
                  env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
                  readinessProbe: { httpGet: { path: "/healthz", port: place.port }, periodSeconds: 10 },
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
 * Where the controller goes on this cluster, and with which image: on the local cluster, its real node with kwok's
 * image built there (unless `image` names another); elsewhere anywhere but a fake node, `image` or kwok's release.
 * @throws {K8sError} code Unavailable on a local cluster that runs no real node (nothing could run the pod).
 */
export async function controllerTarget(ctx: ControllerLookup & { log?: (line: string) => void }, image?: string): Promise<{ image: string; placement: ControllerPlacement }> {
  const local = await ctx.localCluster?.().catch(() => undefined);
  if (local === undefined || local.server !== ctx.api.origin) return { image: image ?? DEFAULT_CONTROLLER_IMAGE, placement: { kind: "cluster" } };
  const node: LocalRealNode | undefined = local.realNode;
  if (node === undefined) {
    throw new K8sError(
      "cannot deploy the kwok controller on the local cluster: it runs no real node for the controller's pod (started with --no-real-node, or the machine cannot run one: see `loadgen cluster status`); " +
        "without --controller deploy the local cluster's own kwok keeps the pool Ready",
      "Unavailable",
      0,
    );
  }
  return { image: image ?? (await node.kwokImage(ctx.log)), placement: { kind: "local-real-node", node: node.name, port: await node.freePort() } };
}

/**
 * Creates the controller's objects; an object that exists already is kept as it is. On failure the objects this call
 * made are removed again.
 * @throws {K8sError} e.g. Forbidden when the user may not create namespaces or RBAC objects.
 */
export async function deployController(ctx: Ctx & ControllerLookup, image?: string): Promise<void> {
  const target = await controllerTarget(ctx, image);
  await waitNamespaceGone(ctx.api, 120_000);
  const made: Array<{ resource: keyof typeof R; body: Obj }> = [];
  try {
    for (const o of controllerObjects(target)) {
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
  const where = target.placement.kind === "local-real-node" ? ` on the real node ${target.placement.node} (host network, port ${target.placement.port})` : "";
  ctx.log?.(`deployed the kwok controller (${target.image}) as Deployment ${CONTROLLER_NAMESPACE}/${CONTROLLER_NAME}${where}`);
}

/** Removes loadgen's controller: its Deployment, namespace and RBAC. Objects already gone are fine. */
export async function removeController(ctx: Ctx): Promise<void> {
  const objects = controllerObjects({ stages: "" }).reverse();
  for (const o of objects) {
    try {
      await ctx.api.delete(R[o.resource], { namespace: o.body.metadata.namespace, name: o.body.metadata.name });
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 404)) throw e;
    }
  }
}
