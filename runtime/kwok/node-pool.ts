// Node pools: groups of fake Node objects that a kwok controller keeps Ready. A pool is nothing but its nodes: each one
// carries the pool label (`loadgen.io/nodepool=<name>`), kwok's annotation, a taint that keeps real workloads off, and
// the pool's spec as an annotation, so `list` needs no other object and works for any user who may list nodes.
// Shared by `loadgen nodepool` and `loadgen/kwok`.
import type { LocalClusterInfo } from "../kube/cluster-access.ts";
import { K8sError } from "../kube/errors.ts";
import { runBounded } from "../util/worker-pool.ts";
import { R, type KubeApi, type Obj } from "./kube-api.ts";
import { CONTROLLER_LABEL, CONTROLLER_NAMESPACE, deployController, detectController, removeController, type ControllerKind, type ControllerMode } from "./controller-deploy.ts";

export const POOL_LABEL = "loadgen.io/nodepool";
export const POOL_SPEC_ANNOTATION = "loadgen.io/nodepool-spec";
export const KWOK_ANNOTATION = "kwok.x-k8s.io/node";
/** The taint every pool node carries: pods must tolerate it to land on fake nodes. */
export const KWOK_TAINT: Taint = Object.freeze({ key: "kwok.x-k8s.io/node", value: "fake", effect: "NoSchedule" });

export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";
export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: TaintEffect;
}

/** What a pool is made of. */
export interface NodePoolSpec {
  readonly name: string;
  readonly nodes: number;
  /** Cores per node. */
  readonly cpu: number;
  /** GiB per node. */
  readonly memory: number;
  readonly maxPods: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Taints besides {@link KWOK_TAINT}. */
  readonly taints: readonly Taint[];
}

export const DEFAULT_POOL = { cpu: 32, memory: 256, maxPods: 110 } as const;

/** A pool as `list` sees it. */
export interface NodePoolStatus {
  readonly name: string;
  /** Nodes the pool was made with. */
  readonly nodes: number;
  /** Nodes that exist now. */
  readonly present: number;
  readonly ready: number;
  readonly cpu: number;
  readonly memory: number;
  readonly maxPods: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Ready: every wanted node is Ready; NotReady: some are not (yet); Incomplete: nodes are missing; Deleting. */
  readonly status: "Ready" | "NotReady" | "Incomplete" | "Deleting";
  /** Pods for this pool: `nodeSelector` and `tolerations` to put in their spec. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** A pool operation that failed for a reason the user can act on. `code` is one of the K8sError codes where one fits. */
export class NodePoolError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(message: string, code: string, status = 0) {
    super(message);
    this.name = "NodePoolError";
    this.code = code;
    this.status = status;
  }
}

export interface PoolContext {
  readonly api: KubeApi;
  readonly log?: (line: string) => void;
  /** The local loadgen cluster when it runs (its own kwok keeps nodes Ready there); from the run or the CLI. */
  readonly localCluster?: () => Promise<LocalClusterInfo | undefined>;
}

export interface AddOptions {
  /** Wait until every node is Ready (default true). */
  readonly wait?: boolean;
  /** How long to wait for Ready (default 5 minutes). */
  readonly timeoutMs?: number;
  /** Node creations in flight at once (default 32). */
  readonly concurrency?: number;
  /** auto (default): deploy a kwok controller when none manages the cluster; deploy: always ours; none: never. */
  readonly controller?: ControllerMode;
  readonly controllerImage?: string;
}

export interface AddResult {
  readonly pool: NodePoolStatus;
  /** Milliseconds to create the Node objects. */
  readonly createMs: number;
  /** Milliseconds from the first create until every node was Ready and schedulable (undefined without wait). */
  readonly readyMs: number | undefined;
  /**
   * Milliseconds until every node's Ready condition was True (kwok's part). The node lifecycle controller takes the
   * not-ready taint off later, at its own pace: readyMs includes that.
   */
  readonly conditionMs: number | undefined;
  /** Who keeps the nodes Ready, and whether this call deployed it. */
  readonly controller: { readonly kind: ControllerKind; readonly deployed: boolean; readonly detail: string };
}

export interface DeleteResult {
  readonly name: string;
  /** Nodes the pool had when the delete began. */
  readonly deleted: number;
  readonly elapsedMs: number;
  /** True when this was the last pool of the kwok controller loadgen had deployed, and that was removed too. */
  readonly controllerRemoved: boolean;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const EFFECTS: readonly TaintEffect[] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
/** Labels the pool sets itself; user labels may not change them. */
const RESERVED_LABELS = new Set([POOL_LABEL, CONTROLLER_LABEL, "type", "kubernetes.io/hostname"]);

/** `k=v,k2=v2` → a label map. @throws {NodePoolError} naming the bad entry. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new NodePoolError(`--labels: "${part}" is not key=value`, "InvalidOptions");
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** `key[=value]:Effect,...` (kubectl taint's form) → taints. @throws {NodePoolError} naming the bad entry. */
export function parseTaints(text: string | undefined): Taint[] {
  if (!text) return [];
  return text.split(",").map((s) => s.trim()).filter(Boolean).map((part) => {
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(part);
    if (!m) throw new NodePoolError(`--taints: "${part}" is not key[=value]:Effect (Effect: ${EFFECTS.join(", ")})`, "InvalidOptions");
    const t: Taint = m[2] !== undefined && m[2] !== "" ? { key: m[1]!, value: m[2], effect: m[3] as TaintEffect } : { key: m[1]!, effect: m[3] as TaintEffect };
    return t;
  });
}

/**
 * Checks a pool spec; every problem is listed, each naming its field.
 * @throws {NodePoolError} code InvalidOptions.
 */
export function validateSpec(spec: NodePoolSpec): void {
  const problems: string[] = [];
  if (typeof spec.name !== "string" || !NAME.test(spec.name) || spec.name.length > 50) {
    problems.push(`name ${JSON.stringify(spec.name)}: a pool name is lower-case letters, digits and "-", at most 50 characters, starting and ending with a letter or digit`);
  }
  const int = (field: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${field}: must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
  int("nodes", spec.nodes, 1, 100_000);
  int("cpu", spec.cpu, 1, 100_000);
  int("memory", spec.memory, 1, 1_000_000);
  int("maxPods", spec.maxPods, 1, 1_000_000);
  for (const [k, v] of Object.entries(spec.labels ?? {})) {
    if (!LABEL_KEY.test(k)) problems.push(`labels: "${k}" is not a valid label key`);
    else if (RESERVED_LABELS.has(k)) problems.push(`labels: "${k}" is set by the pool itself`);
    if (typeof v !== "string" || !LABEL_VALUE.test(v)) problems.push(`labels: the value of "${k}" (${JSON.stringify(v)}) is not a valid label value`);
  }
  for (const t of spec.taints ?? []) {
    if (!t || typeof t.key !== "string" || !LABEL_KEY.test(t.key)) problems.push(`taints: ${JSON.stringify(t?.key)} is not a valid taint key`);
    else if (t.key === KWOK_TAINT.key) problems.push(`taints: "${t.key}" is the pool's own taint`);
    if (t && t.value !== undefined && (typeof t.value !== "string" || !LABEL_VALUE.test(t.value))) problems.push(`taints: the value of "${t.key}" is not a valid taint value`);
    if (t && !EFFECTS.includes(t.effect)) problems.push(`taints: the effect of "${t?.key}" must be one of ${EFFECTS.join(", ")}, got ${JSON.stringify(t?.effect)}`);
  }
  if (problems.length) throw new NodePoolError(problems.join("; "), "InvalidOptions");
}

/** The label selector of one pool's nodes. */
export function poolSelector(name: string): string {
  return `${POOL_LABEL}=${name}`;
}

/** The name of a pool's node `index` (0-based): `<pool>-<index>`, as kperf names them. */
export function nodeName(pool: string, index: number): string {
  return `${pool}-${index}`;
}

/** Tolerations for the pool's taints (kwok's and the user's). */
export function tolerationsFor(taints: readonly Taint[]): Array<Record<string, string>> {
  return [KWOK_TAINT, ...taints].map((t): Record<string, string> =>
    t.value !== undefined ? { key: t.key, operator: "Equal", value: t.value, effect: t.effect } : { key: t.key, operator: "Exists", effect: t.effect },
  );
}

/**
 * The Node object of a pool's node `index`. `controller`: the pool belongs to the kwok controller loadgen deployed
 * (labelled for it; the local cluster's own kwok leaves such nodes alone).
 */
export function nodeObject(spec: NodePoolSpec, index: number, controller?: "loadgen"): Obj {
  const name = nodeName(spec.name, index);
  const resources = { cpu: String(spec.cpu), memory: `${spec.memory}Gi`, pods: String(spec.maxPods) };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: {
        [KWOK_ANNOTATION]: "fake",
        "node.alpha.kubernetes.io/ttl": "0",
        [POOL_SPEC_ANNOTATION]: JSON.stringify({ nodes: spec.nodes, cpu: spec.cpu, memory: spec.memory, maxPods: spec.maxPods, labels: spec.labels, taints: spec.taints }),
      },
      labels: {
        ...spec.labels,
        [POOL_LABEL]: spec.name,
        ...(controller === "loadgen" ? { [CONTROLLER_LABEL]: CONTROLLER_NAMESPACE } : {}),
        type: "kwok",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/role": "agent",
      },
    },
    spec: { taints: [KWOK_TAINT, ...spec.taints].map((t) => ({ ...t })) },
    // kwok's node-initialize stage keeps capacity and allocatable it finds here.
    status: { capacity: resources, allocatable: resources },
  };
}

function readyCondition(node: Obj): boolean {
  const conditions = (node.status?.conditions ?? []) as Array<{ type?: string; status?: string }>;
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** Taints the node lifecycle controller sets on a node that is (or just was) not Ready. */
const NOT_READY_TAINTS = new Set(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]);

/**
 * Ready, and schedulable: the Ready condition is True and the node lifecycle controller has taken off the not-ready
 * taint it puts on every new node (until then the scheduler keeps pods off, which would show up as pod startup time).
 */
function isReady(node: Obj): boolean {
  if (!readyCondition(node)) return false;
  return !((node.spec?.taints ?? []) as Array<{ key?: string }>).some((t) => NOT_READY_TAINTS.has(t.key ?? ""));
}

function say(ctx: PoolContext, line: string): void {
  ctx.log?.(line);
}

/** Turns a 403 into a NodePoolError that says who may not do what. */
async function forbidden(ctx: PoolContext, e: unknown, what: string): Promise<never> {
  if (e instanceof K8sError && e.status === 403) {
    const user = await whoAmI(ctx.api);
    throw new NodePoolError(`${what}: forbidden${user ? ` for user "${user}"` : ""}: ${e.message.replace(/^.*?: 403 Forbidden: /, "")}`, "Forbidden", 403);
  }
  throw e;
}

/** The authenticated user's name (SelfSubjectReview), or undefined when the server will not say. */
export async function whoAmI(api: KubeApi): Promise<string | undefined> {
  try {
    const r = await api.create(R.selfsubjectreviews, { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }, { quiet: true });
    return r.status?.userInfo?.username as string | undefined;
  } catch {
    return undefined;
  }
}

/** Asks the API server whether the user may `verb` `resource`; undefined when it cannot tell (no SSAR permission). */
async function mayI(api: KubeApi, verb: string, resource: string, group = ""): Promise<{ allowed: boolean; reason: string } | undefined> {
  try {
    const r = await api.create(R.selfsubjectaccessreviews, {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: { resourceAttributes: { verb, resource, group } },
    }, { quiet: true });
    return { allowed: r.status?.allowed === true, reason: String(r.status?.reason ?? "") };
  } catch {
    return undefined;
  }
}

/**
 * Checks, before anything is made, that the user may create and delete nodes (deleting is how a failed add cleans up).
 * @throws {NodePoolError} code Forbidden naming the user and the verb.
 */
async function checkNodePermissions(ctx: PoolContext, pool: string): Promise<void> {
  for (const verb of ["create", "delete"]) {
    const r = await mayI(ctx.api, verb, "nodes");
    if (r !== undefined && !r.allowed) {
      const user = await whoAmI(ctx.api);
      throw new NodePoolError(
        `cannot add node pool "${pool}": user ${user ? `"${user}" ` : ""}may not ${verb} nodes (cluster-scoped, core API group)${r.reason ? `: ${r.reason}` : ""}; ` +
          "a node pool needs create, delete and list on nodes (e.g. a ClusterRole bound with a ClusterRoleBinding)",
        "Forbidden",
        403,
      );
    }
  }
}

/** Nodes of one pool, or of every pool (name undefined). */
async function poolNodes(ctx: PoolContext, name: string | undefined): Promise<{ items: Obj[]; resourceVersion: string }> {
  try {
    return await ctx.api.list(R.nodes, { labelSelector: name === undefined ? POOL_LABEL : poolSelector(name) });
  } catch (e) {
    return forbidden(ctx, e, name === undefined ? "cannot list node pools" : `cannot read node pool "${name}"`);
  }
}

/** Deletes nodes by name, ignoring those already gone. @throws the first other failure. */
async function deleteNodes(ctx: PoolContext, names: readonly string[]): Promise<void> {
  const errors = await runBounded(names, 32, async (name) => {
    try {
      await ctx.api.delete(R.nodes, { name });
    } catch (e) {
      if (!(e instanceof K8sError && e.status === 404)) throw e;
    }
  });
  if (errors.length > 0) throw errors[0];
}

/**
 * Creates a node pool: checks the name is free and the user may manage nodes, makes sure a kwok controller manages
 * the cluster (deploying loadgen's when there is none, per `controller`), creates the nodes in parallel and waits
 * until they are Ready. On any failure it removes what it made (nodes, and a controller it deployed) and throws.
 * @throws {NodePoolError} codes InvalidOptions, AlreadyExists (409), Forbidden (403), Timeout; K8sError for others.
 */
export async function addNodePool(ctx: PoolContext, spec: NodePoolSpec, o: AddOptions = {}): Promise<AddResult> {
  validateSpec(spec);
  const existing = await ctx.api.list(R.nodes, { labelSelector: poolSelector(spec.name) }).catch((e) => forbidden(ctx, e, `cannot add node pool "${spec.name}"`));
  if (existing.items.length > 0) {
    throw new NodePoolError(
      `node pool "${spec.name}" already exists (${existing.items.length} node(s)); delete it first with \`loadgen nodepool delete ${spec.name}\``,
      "AlreadyExists",
      409,
    );
  }
  await checkNodePermissions(ctx, spec.name);

  const mode = o.controller ?? "auto";
  const found = await detectController(ctx);
  let controller = { kind: found.kind, deployed: false, detail: found.detail };
  if ((mode === "deploy" && found.kind !== "loadgen") || (mode === "auto" && found.kind === "none")) {
    say(ctx, found.kind === "none"
      ? `no kwok controller manages this cluster (${found.detail}): deploying one`
      : `deploying loadgen's kwok controller for pool "${spec.name}" (--controller deploy; ${found.detail} keeps managing the other nodes)`);
    await deployController(ctx, o.controllerImage);
    controller = { kind: "loadgen", deployed: true, detail: "deployed by loadgen in namespace loadgen-kwok" };
  } else if (mode === "none" && found.kind === "none") {
    say(ctx, `warning: no kwok controller manages this cluster (${found.detail}); the nodes will stay NotReady until one runs`);
  }

  const started = performance.now();
  const made = new Set<string>();
  const rollback = async (why: unknown): Promise<never> => {
    say(ctx, `removing the ${made.size} node(s) made so far`);
    try {
      await deleteNodes(ctx, [...made]);
      if (controller.deployed) await removeController(ctx);
    } catch (e) {
      say(ctx, `cleanup failed too (${(e as Error).message}); delete the nodes with \`loadgen nodepool delete ${spec.name}\``);
    }
    throw why;
  };

  const indexes = Array.from({ length: spec.nodes }, (_, i) => i);
  const errors = await runBounded(indexes, Math.max(1, o.concurrency ?? 32), async (i) => {
    const name = nodeName(spec.name, i);
    try {
      made.add(name); // before the call: a timed-out create may still have made it
      await ctx.api.create(R.nodes, nodeObject(spec, i, controller.kind === "loadgen" ? "loadgen" : undefined));
    } catch (e) {
      if (e instanceof K8sError && e.status === 409) {
        made.delete(name); // someone else's node: never ours to delete
        throw new NodePoolError(`cannot add node pool "${spec.name}": a node named "${name}" already exists (not in this pool); choose another pool name`, "AlreadyExists", 409);
      }
      if (e instanceof K8sError && e.status === 403) return forbidden(ctx, e, `cannot add node pool "${spec.name}": creating node "${name}"`);
      throw e;
    }
  });
  if (errors.length > 0) {
    const first = errors.find((e) => e instanceof NodePoolError) ?? errors[0];
    const err = first instanceof NodePoolError ? first : new NodePoolError(`cannot add node pool "${spec.name}": ${(first as Error).message}`, (first as { code?: string }).code ?? "Unknown", (first as { status?: number }).status ?? 0);
    return rollback(err);
  }
  const createMs = performance.now() - started;
  say(ctx, `created ${spec.nodes} node(s) of pool "${spec.name}" in ${(createMs / 1000).toFixed(1)}s`);

  let readyMs: number | undefined;
  let conditionMs: number | undefined;
  if (o.wait !== false) {
    try {
      const at = await waitReady(ctx, spec.name, spec.nodes, o.timeoutMs ?? 300_000);
      readyMs = at.schedulableAt - started;
      conditionMs = at.conditionAt - started;
    } catch (e) {
      return rollback(e);
    }
    say(ctx, `all ${spec.nodes} node(s) of pool "${spec.name}" Ready ${(conditionMs / 1000).toFixed(1)}s and schedulable ${(readyMs / 1000).toFixed(1)}s after the first create`);
  }
  const pool = (await listNodePools(ctx, spec.name))[0] ?? statusOf(spec.name, []);
  return { pool, createMs, readyMs, conditionMs, controller };
}

/**
 * Waits until `want` nodes of the pool are Ready and schedulable: one list, then a watch from its resourceVersion.
 * @returns When (performance.now()) the last node's Ready condition turned True, and when the last became schedulable.
 * @throws {NodePoolError} code Timeout saying how many were Ready.
 */
export async function waitReady(ctx: PoolContext, name: string, want: number, timeoutMs: number): Promise<{ conditionAt: number; schedulableAt: number }> {
  let condition = 0;
  let ready = 0;
  let conditionAt = 0;
  const count = (nodes: ReadonlyMap<string, Obj>): boolean => {
    condition = 0;
    ready = 0;
    for (const n of nodes.values()) {
      if (readyCondition(n)) condition++;
      if (isReady(n)) ready++;
    }
    if (conditionAt === 0 && condition >= want) conditionAt = performance.now();
    return ready >= want;
  };
  let met: boolean;
  try {
    met = await ctx.api.waitFor(R.nodes, { labelSelector: poolSelector(name) }, timeoutMs, count);
  } catch (e) {
    return forbidden(ctx, e, `cannot read node pool "${name}"`);
  }
  if (!met) {
    throw new NodePoolError(
      `node pool "${name}": ${ready} of ${want} node(s) Ready and schedulable (${condition} with the Ready condition) after ${Math.round(timeoutMs / 1000)}s; ` +
        "is a kwok controller running (`loadgen nodepool add` deploys one with --controller deploy)?",
      "Timeout",
    );
  }
  return { conditionAt: conditionAt || performance.now(), schedulableAt: performance.now() };
}

function statusOf(name: string, nodes: readonly Obj[]): NodePoolStatus {
  let spec: Partial<Omit<NodePoolSpec, "name">> = {};
  for (const n of nodes) {
    try {
      spec = JSON.parse(n.metadata?.annotations?.[POOL_SPEC_ANNOTATION] ?? "{}");
      break;
    } catch {
      // a node whose annotation was edited: try the next
    }
  }
  const present = nodes.length;
  const ready = nodes.filter(isReady).length;
  const wanted = spec.nodes ?? present;
  const deleting = nodes.some((n) => n.metadata?.deletionTimestamp);
  const taints = spec.taints ?? [];
  return {
    name,
    nodes: wanted,
    present,
    ready,
    cpu: spec.cpu ?? 0,
    memory: spec.memory ?? 0,
    maxPods: spec.maxPods ?? 0,
    labels: spec.labels ?? {},
    taints,
    status: deleting ? "Deleting" : present < wanted ? "Incomplete" : ready >= wanted ? "Ready" : "NotReady",
    nodeSelector: { [POOL_LABEL]: name },
    tolerations: tolerationsFor(taints),
  };
}

/** Every node pool (nodes grouped by their pool label), by name; or just `only`. */
export async function listNodePools(ctx: PoolContext, only?: string): Promise<NodePoolStatus[]> {
  const { items } = await poolNodes(ctx, only);
  const byPool = new Map<string, Obj[]>();
  for (const n of items) {
    const pool = n.metadata?.labels?.[POOL_LABEL] as string | undefined;
    if (!pool) continue;
    let list = byPool.get(pool);
    if (list === undefined) byPool.set(pool, (list = []));
    list.push(n);
  }
  return [...byPool.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, nodes]) => statusOf(name, nodes));
}

/**
 * Deletes a pool's nodes (one DELETE on the collection) and waits until they are gone; when it was the last pool the
 * kwok controller loadgen deployed managed (nodes labelled for it), removes that too.
 * @throws {NodePoolError} code NotFound (404) for a pool that does not exist, Forbidden (403), Timeout.
 */
export async function deleteNodePool(ctx: PoolContext, name: string, o: { wait?: boolean; timeoutMs?: number } = {}): Promise<DeleteResult> {
  if (typeof name !== "string" || !NAME.test(name)) throw new NodePoolError(`invalid node pool name ${JSON.stringify(name)}`, "InvalidOptions");
  const started = performance.now();
  const { items } = await poolNodes(ctx, name);
  if (items.length === 0) {
    const pools = (await listNodePools(ctx).catch(() => [])).map((p) => p.name);
    throw new NodePoolError(`node pool "${name}" not found (pools: ${pools.length ? pools.join(", ") : "none"})`, "NotFound", 404);
  }
  try {
    await ctx.api.deleteCollection(R.nodes, { labelSelector: poolSelector(name) });
  } catch (e) {
    if (!(e instanceof K8sError && (e.status === 403 || e.status === 405))) throw e;
    // No deletecollection permission: delete them one by one (which fails clearly if delete is not allowed either).
    try {
      await deleteNodes(ctx, items.map((n) => n.metadata.name as string));
    } catch (e2) {
      return forbidden(ctx, e2, `cannot delete node pool "${name}"`);
    }
  }
  if (o.wait !== false) {
    const deadline = Date.now() + (o.timeoutMs ?? 300_000);
    for (;;) {
      const left = (await poolNodes(ctx, name)).items.length;
      if (left === 0) break;
      if (Date.now() > deadline) throw new NodePoolError(`node pool "${name}": ${left} node(s) still present after the wait`, "Timeout");
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  let controllerRemoved = false;
  // The pools loadgen's controller still manages (on the local cluster, others may be its own kwok's).
  const managed = await ctx.api.list(R.nodes, { labelSelector: `${CONTROLLER_LABEL}=${CONTROLLER_NAMESPACE},${POOL_LABEL}!=${name}` });
  if (managed.items.length === 0) {
    const found = await detectController(ctx);
    if (found.kind === "loadgen") {
      say(ctx, "that was the last node pool of the kwok controller loadgen deployed: removing it");
      await removeController(ctx);
      controllerRemoved = true;
    }
  }
  return { name, deleted: items.length, elapsedMs: performance.now() - started, controllerRemoved };
}
