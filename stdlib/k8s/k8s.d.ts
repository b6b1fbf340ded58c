/**
 * `loadgen/k8s`: the Kubernetes API from scenarios. Requests are sent by the host (undici, kperf's connection model),
 * so VUs stay small and latencies stay honest; credentials never reach the scenario, and requests only go to the
 * configured API server (`--kubeconfig`, `--context`, KUBECONFIG, ~/.kube/config, in-cluster, else the local cluster).
 *
 * Response bodies are not decoded unless you pass `decode: true`: without it a call resolves to `{ status, bytes }`.
 * Failures reject with a {@link K8sError} (`status`: HTTP status or 0; `code`: the Status reason such as `NotFound`,
 * `AlreadyExists`, `Forbidden`, `Invalid`, or `Connection`, `Timeout`, `UnknownResource`, `InvalidObject`, ...).
 *
 * Metrics (tags `verb`, `resource`, `group`, `scope`, `status`, `url` = kperf's masked URL, plus the VU's tags):
 * `k8s_requests` (counter), `k8s_request_duration` (trend, ms), `k8s_request_errors` (counter, + `kind`: http, http2,
 * connection, timeout, unknown, and `error`: kperf's key such as `http/404`), `k8s_bytes_received` (counter, bytes),
 * `k8s_watch_events` (counter, + `type`). The summary adds the API server's own apiserver_request_total by verb.
 *
 * Every object created, updated or applied carries the labels `loadgen.io/run=<run id>` and
 * `loadgen.io/scenario=<scenario>`; `loadgen cleanup --run <id>` deletes them, or set `options.k8s.cleanup: true`.
 *
 * Resources are named as kubectl accepts them: `pods`, `pod`, `po`, `Pod`, `v1/pods`, `apps/v1/deployments`,
 * `deployments.apps`, `kubevirt.io/v1/virtualmachineinstances`, `vmi`; they are resolved by discovery once per run.
 * @module
 */

/** Tags added to one call's samples. */
export type Tags = Record<string, string>;

/** A Kubernetes object (loosely typed). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** What an undecoded call resolves to. */
export interface Reply {
  /** HTTP status (2xx; errors reject). */
  status: number;
  /** Response body bytes received. */
  bytes: number;
}

/** Options every call takes. */
export interface CallOptions {
  /** Per-call timeout (default `options.k8s.timeout`, 60s), e.g. `"10s"` or milliseconds. */
  timeout?: string | number;
  /** Extra tags on this call's samples. */
  tags?: Tags;
}

/** Options of {@link list}. */
export interface ListOptions extends CallOptions {
  /** A namespace; omitted: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** `"stale"`: resourceVersion=0, served from the API server's cache (kperf staleList); `"quorum"` (default): from etcd. */
  consistency?: "stale" | "quorum";
  /** An explicit resourceVersion (overrides `consistency`). */
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  /** Page size: one request returns at most this many items, and a `continue` token. */
  limit?: number;
  /** Continue a paginated list. */
  continue?: string;
  /** Follow `continue` tokens until the last page (one request per page; `limit` defaults to 500). */
  allPages?: boolean;
  /** Decode the items. */
  decode?: boolean;
}

/** A list's result. `items` is present when `decode: true`; `continue` and `resourceVersion` when paginated or decoded. */
export interface ListResult<T = KubeObject> extends Reply {
  /** The list's kind and apiVersion (e.g. `PodList`, `v1`), when decoded. */
  kind?: string;
  apiVersion?: string;
  pageCount?: number;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items?: T[];
}

/** Options of {@link get}. */
export interface GetOptions extends CallOptions {
  namespace?: string;
  /** `"stale"`: resourceVersion=0 (kperf staleGet); `"quorum"` (default). */
  consistency?: "stale" | "quorum";
  resourceVersion?: string;
  /** A subresource such as `status` or `log` (`get("pods", name, { subresource: "log" })`). */
  subresource?: string;
  decode?: boolean;
}

/** Options of {@link create}, {@link update} and {@link apply}. */
export interface WriteOptions extends CallOptions {
  /** The namespace (default: the object's, else the kubeconfig context's, else "default"). */
  namespace?: string;
  /** The resource, when the object has no apiVersion/kind. */
  resource?: string;
  /** Treat the object text as a template and fill `{{.name}}` variables from here (plus Iteration, VU, RunID, Scenario). */
  vars?: Record<string, unknown>;
  /** Return the object the server answered with. */
  decode?: boolean;
  dryRun?: boolean;
  fieldManager?: string;
  /** apply only: take over fields other managers own. */
  force?: boolean;
  /** update only: a subresource such as `status`. */
  subresource?: string;
}

/** Options of {@link patch}. */
export interface PatchOptions extends CallOptions {
  namespace?: string;
  /** `merge` (default, RFC 7386), `json` (RFC 6902), `strategic` (built-in kinds only) or `apply` (server-side apply). */
  type?: "merge" | "json" | "strategic" | "apply";
  fieldManager?: string;
  force?: boolean;
  subresource?: string;
  dryRun?: boolean;
  decode?: boolean;
}

/** Options of {@link del} (`delete`) and {@link deleteCollection}. */
export interface DeleteOptions extends CallOptions {
  namespace?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  dryRun?: boolean;
  decode?: boolean;
  /** deleteCollection only. */
  labelSelector?: string;
  fieldSelector?: string;
}

/** Options of {@link watch}. */
export interface WatchOptions extends CallOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this resourceVersion (typically a list's). Omitted: the server first sends ADDED for existing objects. */
  resourceVersion?: string;
  /** Hand BOOKMARK events to the scenario (they are always requested, to resume from a fresh resourceVersion). */
  bookmarks?: boolean;
  /** Streaming list: ADDED for every existing object, then a BOOKMARK marking the end of the initial events. */
  sendInitialEvents?: boolean;
  /** Asks the server to end each watch request after this many seconds; the watch reopens at once from where it was. */
  timeoutSeconds?: number;
}

/**
 * One watch event. `RELIST` is loadgen's: after a 410 Gone the watch listed again and `object` is that list (`items`);
 * replace what you hold with it. Events are not lost across disconnects: the watch resumes from the last resourceVersion.
 */
export interface WatchEvent<T = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR" | "RELIST";
  object: T;
}

/** A running watch: an async iterator of events. `break` out of a `for await` (or call close()) to stop it. */
export interface Watch<T = KubeObject> extends AsyncIterableIterator<WatchEvent<T>> {
  /**
   * The events that arrive within `maxWaitMs` (possibly none): for a loop that does other work between batches.
   * @example Usage
   * ```ts
   * import { watch } from "loadgen/k8s";
   * const w = watch("pods", { namespace: "default" });
   * const events = await w.poll(1000);
   * console.log(`${events.length} events in the first second`);
   * await w.close();
   * ```
   */
  poll(maxWaitMs: number): Promise<WatchEvent<T>[]>;
  /**
   * Stops the watch; events not yet read are dropped. Closing twice is harmless.
   * @example Usage
   * ```ts
   * import { watch } from "loadgen/k8s";
   * const w = watch("configmaps", { namespace: "default" });
   * await w.close();
   * ```
   */
  close(): Promise<void>;
}

/** A condition for {@link waitFor}. */
export type Condition<T = KubeObject> =
  | "exists"
  | "deleted"
  | ((object: T) => unknown)
  | { path: string; equals?: unknown; in?: unknown[] }
  | { condition: string; status?: "True" | "False" | "Unknown" };

/** Options of {@link waitFor}. */
export interface WaitForOptions<T = KubeObject> extends CallOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** One object by name. */
  name?: string;
  /** What to wait for (default `"exists"`). `"deleted"`: until no object matches. */
  until?: Condition<T>;
  /** Until at least this many objects meet the condition; omitted: until there is at least one and every object does. */
  count?: number;
}

/** What {@link waitFor} found. */
export interface WaitResult {
  matched: number;
  total: number;
  elapsedMs: number;
}

/** A failed call, as caught in a scenario. */
export interface K8sError extends Error {
  name: "K8sError";
  /** HTTP status, or 0 when no response came (connection, timeout) or the call was refused before sending. */
  status: number;
  /** The Status reason (NotFound, AlreadyExists, Conflict, Forbidden, Unauthorized, Invalid, Gone, ...) or Connection, Timeout, HTTP2, Unknown, UnknownResource, InvalidObject, InvalidName, InvalidOptions, InvalidTemplate, WaitTimeout, WatchClosed. */
  code: string;
}

/**
 * This run's id (the value of the `loadgen.io/run` label).
 * @example Usage
 * ```ts
 * import { runId } from "loadgen/k8s";
 * const name = `cm-${runId}`;
 * ```
 */
export const runId: string;
/**
 * `loadgen.io/run=<run id>`: selects every object this run created.
 * @example Usage
 * ```ts
 * import { list, runSelector } from "loadgen/k8s";
 * const mine = await list("configmaps", { namespace: "default", labelSelector: runSelector, decode: true });
 * ```
 */
export const runSelector: string;
/**
 * `loadgen.io/run`: the label with the run's id on every object the run creates.
 * @example Usage
 * ```ts
 * import { RUN_LABEL, SCENARIO_LABEL, get } from "loadgen/k8s";
 * const cm = await get("configmaps", "cm-1", { namespace: "default", decode: true });
 * console.log(cm.metadata?.labels?.[RUN_LABEL], cm.metadata?.labels?.[SCENARIO_LABEL]);
 * ```
 */
export const RUN_LABEL: string;
/**
 * `loadgen.io/scenario`: the label with the name of the scenario that created the object.
 * @example Usage
 * ```ts
 * import { SCENARIO_LABEL, deleteCollection } from "loadgen/k8s";
 * await deleteCollection("configmaps", { namespace: "default", labelSelector: `${SCENARIO_LABEL}=warm` });
 * ```
 */
export const SCENARIO_LABEL: string;

/**
 * Lists objects of one resource: one LIST request (one per page with `allPages`).
 * @param resource A plural, short name, kind, or `group/version/resource`.
 * @param options Namespace, selectors, consistency (stale or quorum), pagination, `decode`.
 * @returns `{ status, bytes }`, plus `items` when `decode: true` and `continue`/`resourceVersion` when paginated.
 * @throws {K8sError} for an unknown resource, an HTTP error or a transport failure.
 * @example Usage
 * ```ts
 * import { list } from "loadgen/k8s";
 * await list("pods", { namespace: "default", consistency: "stale" });            // kperf staleList
 * const vmis = await list("vmi", { labelSelector: "app=web", decode: true });
 * console.log(vmis.items?.length);
 * ```
 */
export function list<T = KubeObject>(resource: string, options?: ListOptions): Promise<ListResult<T>>;

/**
 * Reads one object.
 * @returns The object with `decode: true`, else `{ status, bytes }`.
 * @throws {K8sError} code NotFound (status 404) when it does not exist.
 * @example Usage
 * ```ts
 * import { get } from "loadgen/k8s";
 * const cm = await get<{ data?: Record<string, string> }>("configmaps", "settings", { namespace: "default", decode: true });
 * ```
 */
export function get<T = KubeObject>(resource: string, name: string, options: GetOptions & { decode: true }): Promise<T>;
export function get(resource: string, name: string, options?: GetOptions): Promise<Reply>;

/**
 * Creates an object (POST). The object may be YAML or JSON text, and a template when `vars` is given; it gets the run's labels.
 * @throws {K8sError} code AlreadyExists (409), Invalid (422), Forbidden (403), InvalidObject for a malformed object.
 * @example Usage
 * ```ts
 * import { create } from "loadgen/k8s";
 * await create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-1" }, data: { a: "1" } }, { namespace: "default" });
 * await create(open("./vm.yaml"), { namespace: "default", vars: { name: "vm-1" } });
 * ```
 */
export function create<T = KubeObject>(object: KubeObject | string, options: WriteOptions & { decode: true }): Promise<T>;
export function create(object: KubeObject | string, options?: WriteOptions): Promise<Reply>;

/**
 * Replaces an object (PUT), by its metadata.name. Include metadata.resourceVersion for an optimistic-concurrency update.
 * @throws {K8sError} code Conflict (409) when the resourceVersion is stale, NotFound (404).
 * @example Usage
 * ```ts
 * import { get, update } from "loadgen/k8s";
 * const cm = await get<any>("configmaps", "cm-1", { namespace: "default", decode: true });
 * cm.data = { a: "2" };
 * await update(cm);
 * ```
 */
export function update<T = KubeObject>(object: KubeObject | string, options: WriteOptions & { decode: true }): Promise<T>;
export function update(object: KubeObject | string, options?: WriteOptions): Promise<Reply>;

/**
 * Server-side apply (PATCH application/apply-patch+yaml, field manager `loadgen` unless given): creates or updates.
 * @example Usage
 * ```ts
 * import { apply } from "loadgen/k8s";
 * await apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-1", namespace: "default" }, data: { a: "3" } });
 * ```
 */
export function apply<T = KubeObject>(object: KubeObject | string, options: WriteOptions & { decode: true }): Promise<T>;
export function apply(object: KubeObject | string, options?: WriteOptions): Promise<Reply>;

/**
 * Patches an object: merge (default), JSON, strategic or apply.
 * @param body The patch: an object, an array of JSON-patch operations, or text.
 * @example Usage
 * ```ts
 * import { patch } from "loadgen/k8s";
 * await patch("configmaps", "cm-1", { data: { b: "1" } }, { namespace: "default" });
 * await patch("configmaps", "cm-1", [{ op: "remove", path: "/data/b" }], { namespace: "default", type: "json" });
 * ```
 */
export function patch<T = KubeObject>(resource: string, name: string, body: unknown, options: PatchOptions & { decode: true }): Promise<T>;
export function patch(resource: string, name: string, body: unknown, options?: PatchOptions): Promise<Reply>;

/**
 * Deletes one object. Exported as `delete` (import it as `import { delete as del } from "loadgen/k8s"` or use `k8s.delete`).
 * @throws {K8sError} code NotFound (404) when it does not exist.
 * @example Usage
 * ```ts
 * import * as k8s from "loadgen/k8s";
 * await k8s.delete("configmaps", "cm-1", { namespace: "default" });
 * ```
 */
declare function del(resource: string, name: string, options?: DeleteOptions): Promise<Reply>;
export { del as delete };

/**
 * Deletes every object that matches the selectors in one request (DELETE on the collection).
 * @example Usage
 * ```ts
 * import { deleteCollection } from "loadgen/k8s";
 * await deleteCollection("configmaps", { namespace: "default", labelSelector: "app=churn" });
 * ```
 */
export function deleteCollection(resource: string, options?: DeleteOptions): Promise<Reply>;

/**
 * Watches a resource: events as an async iterator. Bookmarks keep the resourceVersion fresh; after a disconnect the
 * watch resumes from the last resourceVersion, and after 410 Gone it lists again (a RELIST event) and carries on.
 * @example Usage
 * ```ts
 * import { list, watch } from "loadgen/k8s";
 * const start = await list("pods", { namespace: "default", decode: true });
 * const w = watch("pods", { namespace: "default", resourceVersion: start.resourceVersion });
 * for await (const ev of w) {
 *   if (ev.type === "ADDED") break;
 * }
 * ```
 */
export function watch<T = KubeObject>(resource: string, options?: WatchOptions): Watch<T>;

/**
 * Waits until a count of objects, or every object, meets a condition (list, then watch), or until they are deleted.
 * @returns How many matched, of how many, after how long.
 * @throws {K8sError} code WaitTimeout past `timeout` (default 60s), saying how far it got.
 * @example Usage
 * ```ts
 * import { waitFor } from "loadgen/k8s";
 * await waitFor("vmi", { namespace: "default", labelSelector: "app=web", until: { path: "status.phase", equals: "Running" }, count: 10, timeout: "2m" });
 * await waitFor("configmaps", { namespace: "default", labelSelector: "app=churn", until: "deleted" });
 * ```
 */
export function waitFor<T = KubeObject>(resource: string, options?: WaitForOptions<T>): Promise<WaitResult>;

/**
 * Fills a YAML template (`{{.name}}` or `{{ .name }}` variables, kube-burner style) and parses it into one object.
 * Built-in variables: Iteration, VU, RunID, Scenario.
 * @throws {K8sError} code InvalidTemplate for an undefined variable; InvalidObject for YAML that does not parse.
 * @example Usage
 * ```ts
 * import { render } from "loadgen/k8s";
 * const cm = render("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{.Iteration}}\ndata:\n  size: '{{ .size }}'\n", { size: 3 });
 * ```
 */
export function render<T = KubeObject>(template: string, vars?: Record<string, unknown>): T;

/**
 * Like {@link render}, for templates with several YAML documents.
 * @example Usage
 * ```ts
 * import { renderAll } from "loadgen/k8s";
 * const objects = renderAll("kind: A\n---\nkind: B\n");
 * ```
 */
export function renderAll<T = KubeObject>(template: string, vars?: Record<string, unknown>): T[];

/** Options of {@link watchReplicas}. */
export interface WatchReplicasOptions {
  /** The workload's namespace (default: the kubeconfig context's, else "default"). */
  namespace?: string;
  /** Extra tags on the `workload_*` samples (besides `workload` and `namespace`). */
  tags?: Tags;
}

/** One replica series' milestones: counts, and seconds from the load's start (null when not reached). */
export interface ReplicaMilestones {
  /** Replicas when the load started (the scenarios' start; the first count seen if the workload appeared later). */
  baseline: number | null;
  /** The most replicas since the load started. */
  max: number | null;
  /** The last count seen. */
  final: number | null;
  /** First count above the baseline. */
  scaleUpSeconds: number | null;
  /** Reaching the maximum (null when it never rose above the baseline). */
  maxSeconds: number | null;
  /** First count below the maximum after reaching it. */
  scaleDownSeconds: number | null;
  /** First count at or below the baseline after the maximum: scaled back down. */
  backToBaselineSeconds: number | null;
}

/** A workload's replica counts over the run, as {@link ReplicaWatch.timeline} reports them. */
export interface ScalingTimeline {
  /** `deployment/consumer`. */
  workload: string;
  namespace: string | undefined;
  /** When the load started (ISO 8601); null while it has not (during setup). */
  loadStart: string | null;
  /** spec.replicas: what the autoscaler asked for. */
  desired: ReplicaMilestones;
  /** status.readyReplicas. */
  ready: ReplicaMilestones;
  /** Every change, oldest first; `t` in seconds from the load's start (negative before it). */
  samples: Array<{ t: number; desired: number; current: number; ready: number; exists: boolean }>;
  samplesDropped: number;
  /** Why the watch stopped early, if it did. */
  error?: string;
}

/** A running replica watch (see {@link watchReplicas}); its `id` crosses from setup() to teardown() in setup's data. */
export interface ReplicaWatch {
  readonly id: string;
  /** The timeline so far. */
  timeline(): Promise<ScalingTimeline>;
  /** Stops watching and returns the timeline as it ends (stopping in teardown lets thresholds judge every milestone). */
  stop(): Promise<ScalingTimeline>;
}

/**
 * Records a workload's replica count over the run with one watch on the host, for autoscaler tests: the time from the
 * load's start (when the scenarios start) to the first scale-up, to the maximum, and back down to the baseline. Start
 * it in setup() so the baseline is the count before the load. The workload may not exist yet (it counts from its
 * creation). Any resource with `spec.replicas` works: `deployment/NAME`, `statefulset/NAME`, `replicaset/NAME`,
 * `vmpool/NAME`, …
 *
 * Metrics (tags `workload`, `namespace`): gauges `workload_replicas` (spec.replicas) and `workload_ready_replicas`
 * (status.readyReplicas) at every change, and `workload_scale_up_seconds`, `workload_scale_max_seconds`,
 * `workload_scale_down_seconds` (back to the baseline) when each milestone is reached, so thresholds can gate on them
 * (`workload_scale_up_seconds: ["value<60"]`, `workload_replicas: ["max>=3"]`). The summary adds a table of every
 * watched workload's milestones and its changes over the run (in `--summary-export` under
 * `extensions["loadgen/k8s"].data.scaling`).
 * @throws {K8sError} code InvalidName when `workload` is not `RESOURCE/NAME`, UnknownResource.
 * @example Usage
 * ```ts
 * import * as k8s from "loadgen/k8s";
 * export async function setup() {
 *   const w = await k8s.watchReplicas("deployment/consumer", { namespace: "nimbusguard" });
 *   return { watch: w.id };
 * }
 * export async function teardown(data: { watch: string }) {
 *   const t = await k8s.replicaWatch(data.watch).stop();
 *   console.log(`scaled up after ${t.desired.scaleUpSeconds} s, to ${t.desired.max} replicas`);
 * }
 * ```
 */
export function watchReplicas(workload: string, options?: WatchReplicasOptions): Promise<ReplicaWatch>;

/**
 * The replica watch with this id (from {@link watchReplicas}, e.g. passed through setup's data).
 * @example Usage
 * ```ts
 * import * as k8s from "loadgen/k8s";
 * export default async function (data: { watch: string }) {
 *   const t = await k8s.replicaWatch(data.watch).timeline();
 *   console.log(t.desired.final);
 * }
 * ```
 */
export function replicaWatch(id: string): ReplicaWatch;
