/**
 * What `loadgen job` runs: a scenario's archive as a Kubernetes Job (or CronJob), decided once from the command's flags
 * and the archive, then turned into manifests (job-manifests.ts), applied and followed (job-run.ts), read back
 * (job-status.ts), deleted (job-delete.ts). The layer knows Kubernetes objects and loadgen's archive, nothing of the CLI.
 *
 * Layer: runtime/job may import runtime/kube (the client, labels), runtime/output's summary-line format and Node;
 * never runtime/cli, runtime/cluster (the local cluster's real node reaches it as a {@link Placement}) or the formats
 * (the CLI makes the archive).
 */

/** Where the pod must run besides the scheduler's choice: the local cluster's real node (host network, its taint). */
export interface Placement {
  readonly nodeName: string;
  readonly tolerations: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly effect?: string; readonly value?: string }>;
  readonly hostNetwork: boolean;
}

/** One RBAC rule of the runner's Role. */
export interface AccessRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

export interface JobSpec {
  /** The Job's (or CronJob's) name; every other object's is built from it. */
  readonly name: string;
  /** Where everything goes (kustomize's `namespace:` replaces it in every object, the RoleBinding's subject too). */
  readonly namespace: string;
  /** The run id every object and the run inside the pod are labelled with (`loadgen cleanup --run`). */
  readonly runId: string;
  /** The `load-test` label's value (NimbusGuard's: the test's type). */
  readonly loadTest: string;
  /** The scenario as the archive names it (the `loadgen.io/scenario` label). */
  readonly scenario: string;
  readonly image: string;
  /** The archive's bytes (gzipped tar); split over several ConfigMaps when large. */
  readonly archive: Buffer;
  /** The URL an init container polls until it answers 2xx before the run starts. */
  readonly waitFor?: string;
  readonly activeDeadlineSeconds: number;
  readonly ttlSecondsAfterFinished: number;
  /** A cron schedule: a CronJob (concurrencyPolicy Forbid) instead of a Job. */
  readonly schedule?: string;
  readonly resources: { readonly requests: Readonly<Record<string, string>>; readonly limits: Readonly<Record<string, string>> };
  /** The scenario talks to the cluster (imports loadgen/k8s or a module built on it): a token and a Role with these rules. */
  readonly clusterAccess?: { readonly rules: readonly AccessRule[] };
  readonly placement?: Placement;
}

/** The label every object of a job carries with the job's name: what `loadgen job delete NAME` selects. */
export const JOB_LABEL = "loadgen.io/job";
/** NimbusGuard's labels: the test's type, and what the objects are. */
export const LOAD_TEST_LABEL = "load-test";
export const COMPONENT_LABEL = "component";
export const COMPONENT = "load-generator";
/** The runner's container: its exit code is the job's. */
export const RUNNER_CONTAINER = "loadgen";

/**
 * What a runner may do when no --allow is given: read the workload kinds of its namespace (what load tests usually
 * watch), never secrets, never write. Writes are granted with --allow.
 */
export const DEFAULT_ACCESS_RULES: readonly AccessRule[] = [
  { apiGroups: [""], resources: ["pods", "pods/log", "configmaps", "services", "endpoints", "events", "persistentvolumeclaims"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets", "daemonsets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["kubevirt.io"], resources: ["virtualmachineinstances", "virtualmachines"], verbs: ["get", "list", "watch"] },
];
