// `loadgen nodepool add|list|delete`: pools of kwok's fake nodes (kperf's `vc nodepool`), from the shell. Cluster
// access is loadgen/k8s's (--kubeconfig, --context, KUBECONFIG, ~/.kube/config, in-cluster, else the local cluster).
import { Command } from "commander";
import { KubeClient } from "../kube/client.ts";
import { K8sError } from "../kube/errors.ts";
import { DEFAULT_K8S_OPTIONS } from "../kube/k8s-options.ts";
import { clientApi } from "../kwok/kube-api.ts";
import { DEFAULT_CONTROLLER_IMAGE, type ControllerMode } from "../kwok/controller-deploy.ts";
import {
  addNodePool,
  DEFAULT_POOL,
  deleteNodePool,
  listNodePools,
  NodePoolError,
  parseLabels,
  parseTaints,
  type NodePoolStatus,
  type PoolContext,
} from "../kwok/node-pool.ts";
import { localClusterInfo, resolveClusterAccess } from "../execution/resolve-cluster-access.ts";
import { CommandExitCode } from "../exit-codes.ts";
import { CLUSTER_FLAGS } from "./cluster-flags.ts";
import { durationMs, positiveInt } from "./flag-parsers.ts";
import { addFlags, defaultedFlag, parsedFlag, switchFlag, negatedFlag, textFlag, type FlagValues } from "./flags.ts";

const say = (line: string) => process.stderr.write(line + "\n");

type AccessFlags = FlagValues<typeof CLUSTER_FLAGS>;

const ADD_FLAGS = {
  nodes: parsedFlag("--nodes <n>", "number of nodes", positiveInt("--nodes"), { required: true }),
  cpu: defaultedFlag("--cpu <cores>", "CPU cores per node", positiveInt("--cpu"), DEFAULT_POOL.cpu),
  memory: defaultedFlag("--memory <GiB>", "memory per node in GiB", positiveInt("--memory"), DEFAULT_POOL.memory),
  maxPods: defaultedFlag("--max-pods <n>", "pods per node", positiveInt("--max-pods"), DEFAULT_POOL.maxPods),
  labels: textFlag("--labels <k=v,...>", "extra node labels"),
  taints: textFlag("--taints <k[=v]:Effect,...>", "extra node taints (pods must tolerate them)"),
  controller: defaultedFlag<ControllerMode>("--controller <mode>", "auto: deploy a kwok controller when none manages the cluster; deploy: always loadgen's; none: never", undefined, "auto", { choices: ["auto", "deploy", "none"] }),
  controllerImage: textFlag("--controller-image <image>", `image of the kwok controller loadgen deploys (default: ${DEFAULT_CONTROLLER_IMAGE}; on the local cluster, kwok's image built for its real node)`),
  wait: negatedFlag("--no-wait", "return once the nodes are created, without waiting for Ready"),
  timeout: parsedFlag("--timeout <duration>", "how long to wait for Ready, e.g. 90s (default: 5m)", durationMs("--timeout")),
  json: switchFlag("--json", "print the pool as JSON"),
  ...CLUSTER_FLAGS,
};
const LIST_FLAGS = { json: switchFlag("--json", "print the pools as JSON"), ...CLUSTER_FLAGS };
const DELETE_FLAGS = {
  wait: negatedFlag("--no-wait", "return once the delete is sent"),
  timeout: parsedFlag("--timeout <duration>", "how long to wait for the nodes to go, e.g. 90s (default: 5m)", durationMs("--timeout")),
  ...CLUSTER_FLAGS,
};

/** Runs `fn` with a pool context on the chosen cluster; prints failures and sets a non-zero exit code. */
async function withCluster(flags: AccessFlags, fn: (ctx: PoolContext) => Promise<void>): Promise<void> {
  let client: KubeClient | undefined;
  try {
    const access = await resolveClusterAccess(flags, say);
    client = new KubeClient(access, DEFAULT_K8S_OPTIONS, { runId: "nodepool" });
    await fn({ api: clientApi(client, client.tags), log: say, localCluster: localClusterInfo });
  } catch (e) {
    const code = e instanceof NodePoolError || e instanceof K8sError ? ` [${e.code}]` : "";
    process.stderr.write(`loadgen nodepool: ${(e as Error)?.message ?? String(e)}${code}\n`);
    process.exitCode = CommandExitCode.failed;
  } finally {
    await client?.close().catch(() => {});
  }
}

/** The table `list` prints. */
export function formatPools(pools: readonly NodePoolStatus[]): string {
  if (pools.length === 0) return "no node pools";
  const rows = [
    ["NAME", "READY", "CPU", "MEMORY", "MAX PODS", "STATUS", "LABELS", "TAINTS"],
    ...pools.map((p) => [
      p.name,
      `${p.ready}/${p.nodes}`,
      String(p.cpu),
      `${p.memory}Gi`,
      String(p.maxPods),
      p.status + (p.present !== p.nodes ? ` (${p.present} present)` : ""),
      Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(",") || "-",
      p.taints.map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ""}:${t.effect}`).join(",") || "-",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join("")).join("\n");
}

export function nodepoolCommand(): Command {
  const nodepool = new Command("nodepool").description(
    "pools of fake nodes that kwok keeps Ready (labelled loadgen.io/nodepool=<name>, tainted kwok.x-k8s.io/node=fake:NoSchedule)",
  );

  addFlags(
    nodepool
      .command("add")
      .description("create a pool of N fake nodes and wait until they are Ready; deploys a kwok controller when the cluster has none")
      .argument("<name>", "pool name (nodes are named <name>-0 … <name>-<N-1>)"),
    ADD_FLAGS,
  ).action(async (name: string, o: FlagValues<typeof ADD_FLAGS>) => {
    await withCluster(o, async (ctx) => {
      const r = await addNodePool(
        ctx,
        // --nodes is a required flag: commander refuses a command line without it.
        { name, nodes: o.nodes!, cpu: o.cpu, memory: o.memory, maxPods: o.maxPods, labels: parseLabels(o.labels), taints: parseTaints(o.taints) },
        { wait: o.wait, timeoutMs: o.timeout ?? 300_000, controller: o.controller, controllerImage: o.controllerImage },
      );
      if (o.json) process.stdout.write(JSON.stringify({ ...r.pool, createMs: Math.round(r.createMs), readyMs: r.readyMs === undefined ? null : Math.round(r.readyMs), readyConditionMs: r.conditionMs === undefined ? null : Math.round(r.conditionMs), controller: r.controller }, null, 2) + "\n");
      else {
        const ready =
          r.readyMs === undefined
            ? "not waited for"
            : `all Ready in ${(r.conditionMs! / 1000).toFixed(1)}s and schedulable (no not-ready taint) in ${(r.readyMs / 1000).toFixed(1)}s`;
        process.stdout.write(`node pool "${name}": ${r.pool.nodes} node(s) created in ${(r.createMs / 1000).toFixed(1)}s, ${ready}; kwok: ${r.controller.detail}\n`);
      }
    });
  });

  addFlags(nodepool.command("list").description("show each pool: nodes Ready / wanted, cpu, memory, max pods, status"), LIST_FLAGS).action(async (o: FlagValues<typeof LIST_FLAGS>) => {
    await withCluster(o, async (ctx) => {
      const pools = await listNodePools(ctx);
      process.stdout.write((o.json ? JSON.stringify(pools, null, 2) : formatPools(pools)) + "\n");
    });
  });

  addFlags(
    nodepool
      .command("delete")
      .description("delete a pool's nodes and wait until they are gone; the last pool's delete also removes a kwok controller loadgen deployed")
      .argument("<name>", "pool name"),
    DELETE_FLAGS,
  ).action(async (name: string, o: FlagValues<typeof DELETE_FLAGS>) => {
    await withCluster(o, async (ctx) => {
      const r = await deleteNodePool(ctx, name, { wait: o.wait, timeoutMs: o.timeout ?? 300_000 });
      process.stdout.write(`node pool "${name}": ${r.deleted} node(s) deleted in ${(r.elapsedMs / 1000).toFixed(1)}s${r.controllerRemoved ? "; the kwok controller loadgen deployed was removed" : ""}\n`);
    });
  });

  return nodepool;
}
