// A job's Kubernetes objects, in the order they are applied: the runner's ServiceAccount (and Role + RoleBinding when
// the scenario talks to the cluster), the archive's ConfigMap(s), then the Job or CronJob. Pure data from a JobSpec:
// the same spec always gives the same manifests (names built from the job's name, nothing random), so
// `loadgen job --dry-run -o yaml` is plain multi-document YAML for kustomize or GitOps.
import { createHash } from "node:crypto";
import type { V1ConfigMap, V1Container, V1CronJob, V1Job, V1JobSpec, V1PodSpec, V1Role, V1RoleBinding, V1ServiceAccount, V1Volume } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { RUN_LABEL, SCENARIO_LABEL, labelValue } from "../kube/labels.ts";
import { COMPONENT, COMPONENT_LABEL, JOB_LABEL, LOAD_TEST_LABEL, RUNNER_CONTAINER, type JobSpec } from "./job-spec.ts";

/**
 * Archive bytes per ConfigMap. The API server refuses a ConfigMap whose data and binaryData add up to more than 1 MiB
 * (the bytes themselves: base64 is only how JSON carries them); 900 KiB leaves room for anything else in it.
 */
export const ARCHIVE_PART_BYTES = 900 * 1024;
const ARCHIVE_KEY = "archive.tar.gz";
/** Where the runner finds the archive. */
export const ARCHIVE_PATH = `/archive/${ARCHIVE_KEY}`;

export interface JobManifests {
  readonly serviceAccount: V1ServiceAccount;
  readonly role?: V1Role;
  readonly roleBinding?: V1RoleBinding;
  readonly configMaps: readonly V1ConfigMap[];
  /** The Job, or the CronJob with --schedule. */
  readonly workload: V1Job | V1CronJob;
}

/** The labels of every object (and pod) of the job. */
export function jobLabels(spec: JobSpec): Record<string, string> {
  return {
    [LOAD_TEST_LABEL]: labelValue(spec.loadTest),
    [COMPONENT_LABEL]: COMPONENT,
    [JOB_LABEL]: spec.name,
    [RUN_LABEL]: labelValue(spec.runId),
    [SCENARIO_LABEL]: labelValue(spec.scenario),
    "app.kubernetes.io/managed-by": "loadgen",
  };
}

function meta(spec: JobSpec, name: string, annotations?: Record<string, string>) {
  return { name, namespace: spec.namespace, labels: jobLabels(spec), ...(annotations ? { annotations } : {}) };
}

/** The archive in parts of at most ARCHIVE_PART_BYTES. */
function parts(archive: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < archive.length || out.length === 0; at += ARCHIVE_PART_BYTES) out.push(archive.subarray(at, at + ARCHIVE_PART_BYTES));
  return out;
}

/** Joins the parts of a split archive (every loadgen image has Node at this path; no shell is needed). */
const JOIN_SCRIPT = "const fs=require('fs');fs.writeFileSync(process.argv[1],Buffer.concat(process.argv.slice(2).map((f)=>fs.readFileSync(f))))";
const NODE = "/usr/local/bin/node";

const SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
const SMALL = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } };

/** Every manifest of `spec`. */
export function jobManifests(spec: JobSpec): JobManifests {
  const name = spec.name;
  const split = parts(spec.archive);
  const sha256 = createHash("sha256").update(spec.archive).digest("hex");
  const configMaps: V1ConfigMap[] = split.map((bytes, i) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(spec, split.length === 1 ? `${name}-archive` : `${name}-archive-${i}`, {
      "loadgen.io/archive-sha256": sha256,
      ...(split.length > 1 ? { "loadgen.io/archive-part": `${i + 1}/${split.length}` } : {}),
    }),
    immutable: true,
    binaryData: { [split.length === 1 ? ARCHIVE_KEY : `${ARCHIVE_KEY}.part`]: bytes.toString("base64") },
  }));

  const volumes: V1Volume[] = [];
  const initContainers: V1Container[] = [];
  const archiveMount = { name: "archive", mountPath: "/archive", readOnly: true };
  if (split.length === 1) {
    volumes.push({ name: "archive", configMap: { name: configMaps[0]!.metadata!.name!, items: [{ key: ARCHIVE_KEY, path: ARCHIVE_KEY }] } });
  } else {
    // Projected into one folder, joined into an emptyDir by an init container before anything reads it.
    volumes.push({
      name: "archive-parts",
      projected: { sources: configMaps.map((cm, i) => ({ configMap: { name: cm.metadata!.name!, items: [{ key: `${ARCHIVE_KEY}.part`, path: `part-${String(i).padStart(3, "0")}` }] } })) },
    });
    volumes.push({ name: "archive", emptyDir: {} });
    initContainers.push({
      name: "join-archive",
      image: spec.image,
      imagePullPolicy: "IfNotPresent",
      command: [NODE, "-e", JOIN_SCRIPT, ARCHIVE_PATH, ...configMaps.map((_, i) => `/archive-parts/part-${String(i).padStart(3, "0")}`)],
      volumeMounts: [{ name: "archive-parts", mountPath: "/archive-parts", readOnly: true }, { name: "archive", mountPath: "/archive" }],
      resources: SMALL,
      securityContext: SECURITY,
    });
  }
  if (spec.waitFor !== undefined) {
    initContainers.push({
      name: "wait-for",
      image: spec.image,
      imagePullPolicy: "IfNotPresent",
      args: ["wait-for", spec.waitFor, "--timeout", `${spec.activeDeadlineSeconds}s`],
      resources: SMALL,
      securityContext: SECURITY,
    });
  }
  const runner: V1Container = {
    name: RUNNER_CONTAINER,
    image: spec.image,
    imagePullPolicy: "IfNotPresent",
    args: ["run", "--no-color", "--summary-line", "--run-id", spec.runId, ARCHIVE_PATH],
    resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
    volumeMounts: [archiveMount],
    securityContext: SECURITY,
    // A run that fails before its summary still says why in the pod's status (kubectl describe).
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
  const placement = spec.placement;
  const pod: V1PodSpec = {
    serviceAccountName: name,
    automountServiceAccountToken: spec.clusterAccess !== undefined,
    restartPolicy: "Never",
    enableServiceLinks: false,
    ...(placement
      ? { hostNetwork: placement.hostNetwork, nodeSelector: { "kubernetes.io/hostname": placement.nodeName }, tolerations: placement.tolerations.map((t) => ({ ...t })) }
      : {}),
    ...(initContainers.length ? { initContainers } : {}),
    containers: [runner],
    volumes,
  };
  const jobSpec: V1JobSpec = {
    backoffLimit: 0,
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
    ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
    template: { metadata: { labels: jobLabels(spec) }, spec: pod },
  };
  const workload: V1Job | V1CronJob = spec.schedule === undefined
    ? { apiVersion: "batch/v1", kind: "Job", metadata: meta(spec, name), spec: jobSpec }
    : {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta(spec, name),
        spec: { schedule: spec.schedule, concurrencyPolicy: "Forbid", jobTemplate: { metadata: { labels: jobLabels(spec) }, spec: jobSpec } },
      };

  const serviceAccount: V1ServiceAccount = { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(spec, name), automountServiceAccountToken: spec.clusterAccess !== undefined };
  if (spec.clusterAccess === undefined) return { serviceAccount, configMaps, workload };
  const role: V1Role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: meta(spec, name),
    rules: spec.clusterAccess.rules.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
  };
  const roleBinding: V1RoleBinding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: meta(spec, name),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: spec.namespace }],
  };
  return { serviceAccount, role, roleBinding, configMaps, workload };
}

/** The manifests in apply order. */
export function manifestList(m: JobManifests): Array<V1ServiceAccount | V1Role | V1RoleBinding | V1ConfigMap | V1Job | V1CronJob> {
  return [m.serviceAccount, ...(m.role ? [m.role] : []), ...(m.roleBinding ? [m.roleBinding] : []), ...m.configMaps, m.workload];
}

/** Plain multi-document YAML (`---` between documents), as kubectl and kustomize read it. */
export function manifestsYaml(m: JobManifests): string {
  return manifestList(m).map((doc) => yaml.dump(doc, { lineWidth: -1, noRefs: true })).join("---\n");
}
