/**
 * `loadgen/kwok`: fake nodes for control-plane scale tests, and pod startup latency as the Kubernetes SLO measures it.
 *
 * A node pool is a set of Node objects that a kwok controller keeps Ready: named `<pool>-0` … `<pool>-<N-1>`, labelled
 * `loadgen.io/nodepool=<pool>` and `type: kwok`, annotated `kwok.x-k8s.io/node: fake`, and tainted
 * `kwok.x-k8s.io/node=fake:NoSchedule`, so only pods that tolerate the taint land there ({@link podPlacement} gives the
 * nodeSelector and tolerations). On the local cluster its own kwok keeps them Ready; on a cluster without kwok (or
 * with `controller: "deploy"`), {@link addNodePool} deploys a controller (namespace `loadgen-kwok`; on the local cluster
 * its pod runs on the real node, and the cluster's kwok leaves that pool alone), and deleting its last pool removes it.
 * The same pools are managed from the shell with `loadgen nodepool add|list|delete`.
 *
 * Requests go through loadgen/k8s's client (same cluster, connection pool and rate limit) and are recorded in
 * `k8s_request_duration` like any other. Metrics of this module (trends, in seconds): `pod_startup_seconds` (created →
 * all containers running, as seen by watch; the SLO is p99 ≤ 5 s) and `pod_scheduling_seconds` (created → bound to a node).
 * @module
 */

/** A node taint (as in a Node's spec.taints). */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** A pod toleration (as in a Pod's spec.tolerations). */
export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect: string;
}

/** Options of {@link addNodePool}. */
export interface NodePoolOptions {
  /** Number of nodes (required). */
  nodes: number;
  /** CPU cores per node (default 32). */
  cpu?: number;
  /** Memory per node in GiB (default 256). */
  memory?: number;
  /** Pods per node (default 110). */
  maxPods?: number;
  /** Extra node labels. */
  labels?: Record<string, string>;
  /** Extra taints besides kwok's; pods need tolerations for them (see {@link podPlacement}). */
  taints?: Taint[];
  /** Wait until every node is Ready (default true). */
  wait?: boolean;
  /** How long to wait for Ready, e.g. `"2m"` (default 5 minutes); past it the pool is removed again and the call fails. */
  timeout?: string | number;
  /** Node creations in flight at once (default 32). */
  concurrency?: number;
  /** `auto` (default): deploy a kwok controller only when none manages the cluster; `deploy`: always loadgen's; `none`: never. */
  controller?: "auto" | "deploy" | "none";
  /**
   * Image of the kwok controller loadgen deploys (default `registry.k8s.io/kwok/kwok:v0.8.0`; on the local cluster,
   * `loadgen.local/kwok:v0.8.0`, built from the cluster's own kwok and put on its real node, where the pod runs).
   */
  controllerImage?: string;
}

/** A node pool as listed. */
export interface NodePool {
  name: string;
  /** Nodes the pool was made with. */
  nodes: number;
  /** Nodes that exist now. */
  present: number;
  /** Nodes that are Ready. */
  ready: number;
  cpu: number;
  /** GiB per node. */
  memory: number;
  maxPods: number;
  labels: Record<string, string>;
  taints: Taint[];
  /** `Ready` (every wanted node is), `NotReady` (some are not yet), `Incomplete` (nodes are missing), `Deleting`. */
  status: "Ready" | "NotReady" | "Incomplete" | "Deleting";
  /** `{ "loadgen.io/nodepool": name }`: the nodeSelector for pods on this pool. */
  nodeSelector: Record<string, string>;
  /** Tolerations for the pool's taints. */
  tolerations: Toleration[];
}

/** What {@link addNodePool} resolves to. */
export interface AddedNodePool extends NodePool {
  /** Milliseconds to create the Node objects. */
  createMs: number;
  /**
   * Milliseconds from the first create until every node was Ready and schedulable (the node lifecycle controller had
   * taken its not-ready taint off); null with `wait: false`.
   */
  readyMs: number | null;
  /** Milliseconds until every node's Ready condition was True (kwok's part of readyMs); null with `wait: false`. */
  readyConditionMs: number | null;
  /** Who keeps the nodes Ready: `local` (the local cluster's kwok), `loadgen` (the Deployment loadgen made), `external`, `none`. */
  controller: "local" | "loadgen" | "external" | "none";
  /** True when this call deployed the kwok controller. */
  controllerDeployed: boolean;
}

/** Options of {@link deleteNodePool}. */
export interface DeleteNodePoolOptions {
  /** Wait until the nodes are gone (default true); false returns once the deletes are sent. */
  wait?: boolean;
  /** How long to wait, e.g. `"2m"` (default 5 minutes). */
  timeout?: string | number;
}

/** What {@link deleteNodePool} resolves to. */
export interface DeletedNodePool {
  name: string;
  /** Nodes deleted. */
  deleted: number;
  elapsedMs: number;
  /** True when this was the last pool and the kwok controller loadgen had deployed was removed with it. */
  controllerRemoved: boolean;
}

/** A failure of a pool operation, as caught in a scenario. */
export interface NodePoolError extends Error {
  name: "NodePoolError";
  /** `InvalidOptions`, `AlreadyExists` (a pool of that name, or a node name in use), `NotFound`, `Forbidden` (RBAC), `Timeout`. */
  code: string;
  /** 409, 404, 403 where an HTTP status fits, else 0. */
  status: number;
}

/**
 * `loadgen.io/nodepool`: the label that names a node's pool.
 * @example Usage
 * ```ts
 * import { POOL_LABEL } from "loadgen/kwok";
 * import { list } from "loadgen/k8s";
 * const nodes = await list("nodes", { labelSelector: `${POOL_LABEL}=bench` });
 * ```
 */
export const POOL_LABEL: string;

/**
 * `{ key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" }`: the taint every pool node carries.
 * @example Usage
 * ```ts
 * import { KWOK_TAINT } from "loadgen/kwok";
 * const toleration = { key: KWOK_TAINT.key, operator: "Equal", value: KWOK_TAINT.value, effect: KWOK_TAINT.effect };
 * ```
 */
export const KWOK_TAINT: Taint;

/**
 * Creates a pool of fake nodes and (by default) waits until they are all Ready. Fails without leaving anything behind
 * when the pool exists already, a node name is taken, the user may not create nodes, or the nodes do not become Ready.
 * @param name Pool name: lower-case letters, digits and `-`, at most 50 characters.
 * @param options Size and shape of the nodes; `nodes` is required.
 * @returns The pool, with how long it took.
 * @throws {NodePoolError} code AlreadyExists, Forbidden, InvalidOptions or Timeout.
 * @example Usage
 * ```ts
 * import { addNodePool } from "loadgen/kwok";
 * export async function setup() {
 *   const pool = await addNodePool("bench", { nodes: 100, cpu: 32, memory: 256, maxPods: 110 });
 *   console.log(`${pool.ready} nodes Ready in ${pool.readyMs} ms`);
 * }
 * ```
 */
export function addNodePool(name: string, options: NodePoolOptions): Promise<AddedNodePool>;

/**
 * Deletes a pool's nodes and waits until they are gone; the last pool's delete also removes a kwok controller loadgen deployed.
 * @param name The pool.
 * @param options `wait: false` to return once the delete is sent; `timeout` for the wait (default 5 minutes).
 * @throws {NodePoolError} code NotFound for a pool that does not exist, Forbidden.
 * @example Usage
 * ```ts
 * import { deleteNodePool } from "loadgen/kwok";
 * export async function teardown() {
 *   await deleteNodePool("bench");
 * }
 * ```
 */
export function deleteNodePool(name: string, options?: DeleteNodePoolOptions): Promise<DeletedNodePool>;

/**
 * Every node pool in the cluster, by name.
 * @returns The pools, with Ready counts and status.
 * @example Usage
 * ```ts
 * import { listNodePools } from "loadgen/kwok";
 * for (const p of await listNodePools()) console.log(`${p.name}: ${p.ready}/${p.nodes} ${p.status}`);
 * ```
 */
export function listNodePools(): Promise<NodePool[]>;

/**
 * The `nodeSelector` and `tolerations` that put a pod on a pool's nodes (spread them into the pod spec).
 * @param pool A pool name, or a pool as returned by {@link addNodePool} (then its extra taints are tolerated too).
 * @example Usage
 * ```ts
 * import { podPlacement } from "loadgen/kwok";
 * const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { ...podPlacement("bench"), containers: [{ name: "c", image: "fake" }] } };
 * ```
 */
export function podPlacement(pool: string | { name: string; taints?: Taint[] }): PodPlacement;

/** What {@link podPlacement} returns: the parts of a pod spec that put the pod on a pool's nodes. */
export interface PodPlacement {
  /** `{ "loadgen.io/nodepool": <pool> }` */
  nodeSelector: Record<string, string>;
  /** Tolerations for kwok's taint and the pool's own. */
  tolerations: Toleration[];
}

/** Distribution of one latency, in seconds. */
export interface Percentiles {
  count: number;
  min: number;
  avg: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What a pod startup tracker has seen. */
export interface PodStartupStats {
  /** Pods created since tracking began (each counted once, by uid). */
  created: number;
  scheduled: number;
  /** Pods whose containers were all seen running. */
  running: number;
  /** Pods that existed before tracking began (not measured). */
  preexisting: number;
  /** Created → running, seconds. */
  startup: Percentiles;
  /** Created → scheduled, seconds. */
  scheduling: Percentiles;
  /** Scheduled → running, seconds: the node's part (a kubelet starting the containers, or kwok playing its stage). */
  scheduledToRunning: Percentiles;
  /** Pods created per second, between the first and the last creation seen. */
  createdPerSecond: number;
  /** Pods reaching running per second, from the first creation to the last pod running. */
  runningPerSecond: number;
  elapsedMs: number;
}

/** Options of {@link trackPodStartup}. */
export interface TrackOptions {
  /** Only this namespace (default: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Extra tags on the pod_startup_seconds and pod_scheduling_seconds samples. */
  tags?: Record<string, string>;
}

/** Options of {@link PodStartupTracker.waitFor}. */
export interface WaitOptions {
  /** How long to wait, e.g. `"2m"` (default 5 minutes). */
  timeout?: string | number;
}

/** A running pod startup tracker. Its `id` can travel in setup data; {@link podStartupTracker} finds it again in other VUs. */
export interface PodStartupTracker {
  readonly id: string;
  /**
   * What it has seen so far.
   * @example Usage
   * ```ts
   * import { podStartupTracker } from "loadgen/kwok";
   * const s = await podStartupTracker("pods-1").stats();
   * console.log(`${s.running} of ${s.created} pods running`);
   * ```
   */
  stats(): Promise<PodStartupStats>;
  /**
   * Waits until at least `count` pods were seen running.
   * @throws {Error} a K8sError with code WaitTimeout past `timeout` (default 5 minutes), saying how far it got.
   * @example Usage
   * ```ts
   * import { trackPodStartup } from "loadgen/kwok";
   * const t = await trackPodStartup({ namespace: "bench" });
   * const s = await t.waitFor(100, { timeout: "2m" });
   * console.log(`p99 ${s.startup.p99}s`);
   * ```
   */
  waitFor(count: number, options?: WaitOptions): Promise<PodStartupStats>;
  /**
   * Stops watching (the run stops it anyway at its end) and returns the final figures.
   * @example Usage
   * ```ts
   * import { podStartupTracker } from "loadgen/kwok";
   * export async function teardown(data: { tracker: string }) {
   *   const s = await podStartupTracker(data.tracker).stop();
   *   console.log(`${s.running} pods measured`);
   * }
   * ```
   */
  stop(): Promise<PodStartupStats>;
}

/**
 * Starts measuring pod startup: one watch on the pods (pods there already are left out) records, once per pod,
 * `pod_scheduling_seconds` (created → bound) and `pod_startup_seconds` (created → all containers running). Start it
 * before the pods are created, e.g. in setup(). The end-of-test summary adds a table per tracker.
 * @param options Which pods: namespace, selectors; extra tags.
 * @returns The tracker.
 * @example Usage
 * ```ts
 * import { trackPodStartup } from "loadgen/kwok";
 * export const options = { thresholds: { pod_startup_seconds: ["p(99)<=5"] } };
 * export async function setup() {
 *   const t = await trackPodStartup({ namespace: "bench" });
 *   return { tracker: t.id };
 * }
 * ```
 */
export function trackPodStartup(options?: TrackOptions): Promise<PodStartupTracker>;

/**
 * The tracker with this id (from {@link trackPodStartup}, e.g. passed through setup data).
 * @param id The tracker's id.
 * @example Usage
 * ```ts
 * import { podStartupTracker } from "loadgen/kwok";
 * export async function teardown(data: { tracker: string }) {
 *   const s = await podStartupTracker(data.tracker).stats();
 *   console.log(`pod startup p99 ${s.startup.p99}s over ${s.running} pods`);
 * }
 * ```
 */
export function podStartupTracker(id: string): PodStartupTracker;
