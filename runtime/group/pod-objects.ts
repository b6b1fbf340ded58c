/**
 * The Kubernetes objects of a runner group (`loadgen rg run`), as plain manifests: nothing here talks to a cluster.
 *
 * - `<group>-payload-<i>`: ConfigMaps holding what runners run (group.json, then the scenario's bytes in parts of at
 *   most {@link PAYLOAD_PART_BYTES}: a ConfigMap holds at most 1 MiB);
 * - `<group>-control`: the ConfigMap the coordinator writes commands into (`start`, `abort`) and runners watch;
 * - `<group>-runner`: a ServiceAccount, and a Role + RoleBinding granting it get/list/watch on the control ConfigMap
 *   only (by resourceNames), plus, for a scenario that talks to the cluster (imports loadgen/k8s or a module built on
 *   it), `loadgen job`'s rules: `--allow`'s, or by default get/list/watch of the usual workload kinds, never secrets,
 *   never writes. A kperf spec's `serviceAccount` is used instead of a new one; the binding grants it the same. A kperf
 *   profile's runners get, cluster-wide, what its requests need (`loadgen-rg-<namespace>-<group>`: a ClusterRole and
 *   ClusterRoleBinding, labelled like the rest);
 * - `<group>`: an Indexed Job, completions = parallelism = count, one pod per execution segment (the pod reads its
 *   index from JOB_COMPLETION_INDEX), never retried (backoffLimitPerIndex 0: a failed runner is not replaced, and,
 *   unlike backoffLimit 0, does not make the Job controller kill the others, so `--tolerate-lost` can go on).
 * Every object carries the run's labels (loadgen.io/run, loadgen.io/scenario) and loadgen.io/runner-group, so
 * `loadgen cleanup --run ID` and `loadgen rg delete NAME` find them all.
 */
import { addRunLabels } from "../kube/labels.ts";
import type { KubeObject } from "../kube/object-meta.ts";
import type { AccessRule } from "../job/job-spec.ts";

/** The label every object of a group carries: its name. */
export const GROUP_LABEL = "loadgen.io/runner-group";
/** The Job's container. */
export const RUNNER_CONTAINER = "runner";
/** Where the payload ConfigMaps are mounted in a runner pod. */
export const PAYLOAD_DIR = "/loadgen/payload";
/** A payload ConfigMap's share of the scenario (under ConfigMaps' 1 MiB, with room for keys and metadata). */
export const PAYLOAD_PART_BYTES = 900 * 1024;
/** The index label the Job controller puts on an Indexed Job's pods. */
export const COMPLETION_INDEX_LABEL = "batch.kubernetes.io/job-completion-index";

/** What every runner reads first (group.json in the first payload ConfigMap). */
export interface GroupManifest {
  readonly name: string;
  readonly runId: string;
  readonly count: number;
  /** The scenario's file name in the payload (its parts are `part-000`, `part-001`, … in order). */
  readonly entry: string;
  /** How many payload ConfigMaps the scenario is split into. */
  readonly parts: number;
  /** Each runner runs the segment its index names in this sequence; `whole` runs the whole test in every runner (kperf). */
  readonly split: "segments" | "whole";
  /** -u/-d/-i as given to `rg run`. */
  readonly cli: { readonly vus?: number; readonly duration?: string; readonly iterations?: number };
  /** The scenario's __ENV (-e values). */
  readonly env: Readonly<Record<string, string>>;
  /** The control ConfigMap's name. */
  readonly control: string;
}

export interface PodPlacement {
  /** Put the pods on the local cluster's real node: its toleration and name, host network (all it supports). */
  readonly realNode?: { readonly nodeName: string; readonly toleration: Readonly<Record<string, string>> };
  /** --node-selector k=v. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** kperf's nodeAffinity: label key → accepted values (all keys must match). */
  readonly nodeAffinity?: Readonly<Record<string, readonly string[]>>;
  /** --separate: at most one runner per node (k6-operator's `separate`). */
  readonly separate?: boolean;
}

export interface GroupSpec {
  readonly name: string;
  readonly namespace: string;
  readonly runId: string;
  /** The scenario label's value (the scenario's base name). */
  readonly scenario: string;
  readonly count: number;
  readonly image: string;
  readonly manifest: GroupManifest;
  /** The scenario's bytes. */
  readonly payload: Buffer;
  readonly placement: PodPlacement;
  /** kperf's serviceAccount: run the pods as it instead of a new one. */
  readonly serviceAccount?: string;
  /** kperf's ownerReference (`apiVersion:kind:name:uid`), set on every object. */
  readonly ownerReference?: string;
  /** What the scenario may do in the namespace (it talks to the cluster): rules added to the runners' Role. */
  readonly access?: readonly AccessRule[];
  /** What the runners may do cluster-wide (a kperf profile's requests, runtime/kperf/profile-access.ts): a ClusterRole. */
  readonly clusterAccess?: readonly AccessRule[];
}

export const controlName = (group: string) => `${group}-control`;
export const runnerAccountName = (group: string) => `${group}-runner`;
export const payloadName = (group: string, i: number) => `${group}-payload-${i}`;
/** The ClusterRole and ClusterRoleBinding of a group that has cluster-wide access: named after its namespace too. */
export const clusterAccessName = (namespace: string, group: string) => `loadgen-rg-${namespace}-${group}`;

/** Every object of the group, in the order to create them (the Job last: its pods mount the rest). */
export function groupObjects(spec: GroupSpec): KubeObject[] {
  const labelled = (obj: KubeObject): KubeObject => {
    addRunLabels(obj, spec.runId, spec.scenario);
    obj.metadata.labels[GROUP_LABEL] = spec.name;
    obj.metadata.namespace = spec.namespace;
    if (spec.ownerReference) obj.metadata.ownerReferences = [ownerReference(spec.ownerReference)];
    return obj;
  };
  const parts = splitPayload(spec.payload);
  const payloads = parts.map((part, i) => labelled({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: payloadName(spec.name, i) },
    immutable: true,
    ...(i === 0 ? { data: { "group.json": JSON.stringify({ ...spec.manifest, parts: parts.length }) } } : {}),
    binaryData: { [`part-${String(i).padStart(3, "0")}`]: part.toString("base64") },
  }));
  const account = spec.serviceAccount ?? runnerAccountName(spec.name);
  const rbac: KubeObject[] = [
    ...(spec.serviceAccount ? [] : [labelled({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: account } })]),
    labelled({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: runnerAccountName(spec.name) },
      // Runners watch their commands; anything more only for a scenario that talks to the cluster.
      rules: [
        { apiGroups: [""], resources: ["configmaps"], resourceNames: [controlName(spec.name)], verbs: ["get", "list", "watch"] },
        ...(spec.access ?? []).map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
      ],
    }),
    labelled({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: runnerAccountName(spec.name) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: runnerAccountName(spec.name) },
      subjects: [{ kind: "ServiceAccount", name: account, namespace: spec.namespace }],
    }),
  ];
  if (spec.clusterAccess?.length) {
    const clusterLabelled = (obj: KubeObject): KubeObject => {
      const o = labelled(obj);
      delete o.metadata.namespace;
      return o;
    };
    const name = clusterAccessName(spec.namespace, spec.name);
    rbac.push(
      clusterLabelled({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules: spec.clusterAccess.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) }),
      clusterLabelled({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name: account, namespace: spec.namespace }],
      }),
    );
  }
  const control = labelled({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: controlName(spec.name) }, data: {} });
  return [...payloads, control, ...rbac, labelled(job(spec, account, parts.length))];
}

function job(spec: GroupSpec, account: string, parts: number): KubeObject {
  const podLabels: Record<string, string> = {};
  addRunLabels({ metadata: { labels: podLabels } }, spec.runId, spec.scenario);
  podLabels[GROUP_LABEL] = spec.name;
  const p = spec.placement;
  const affinity: KubeObject = {};
  if (p.nodeAffinity && Object.keys(p.nodeAffinity).length) {
    affinity.nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: Object.entries(p.nodeAffinity).map(([key, values]) => ({ key, operator: "In", values: [...values] })) }],
      },
    };
  }
  if (p.separate) {
    affinity.podAntiAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { [GROUP_LABEL]: spec.name } } }],
    };
  }
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: spec.name },
    spec: {
      completionMode: "Indexed",
      completions: spec.count,
      parallelism: spec.count,
      backoffLimitPerIndex: 0,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: account,
          terminationGracePeriodSeconds: 10,
          ...(p.realNode ? { hostNetwork: true, nodeSelector: { "kubernetes.io/hostname": p.realNode.nodeName, ...p.nodeSelector }, tolerations: [{ ...p.realNode.toleration }] } : {}),
          ...(!p.realNode && p.nodeSelector ? { nodeSelector: { ...p.nodeSelector } } : {}),
          ...(Object.keys(affinity).length ? { affinity } : {}),
          containers: [{
            name: RUNNER_CONTAINER,
            image: spec.image,
            imagePullPolicy: "IfNotPresent",
            args: ["rg", "runner", "--payload", PAYLOAD_DIR],
            env: [{ name: "LOADGEN_RG_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
            volumeMounts: [{ name: "payload", mountPath: PAYLOAD_DIR, readOnly: true }],
          }],
          volumes: [{ name: "payload", projected: { sources: Array.from({ length: parts }, (_, i) => ({ configMap: { name: payloadName(spec.name, i) } })) } }],
        },
      },
    },
  };
}

/** The scenario's bytes in parts that fit a ConfigMap each (one, possibly empty, at least). */
export function splitPayload(payload: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < payload.length; at += PAYLOAD_PART_BYTES) parts.push(payload.subarray(at, at + PAYLOAD_PART_BYTES));
  return parts.length ? parts : [Buffer.alloc(0)];
}

/** kperf's `apiVersion:kind:name:uid` (at most 4 parts at ":"; the uid may hold more) as an ownerReference. */
export function ownerReference(ref: string): KubeObject {
  const [apiVersion, kind, name, ...uid] = ref.split(":");
  return { apiVersion, kind, name, uid: uid.join(":"), controller: false, blockOwnerDeletion: false };
}
