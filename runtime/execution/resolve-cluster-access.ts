// Where a run's (or a command's) cluster comes from: kubectl's order (--kubeconfig, KUBECONFIG, ~/.kube/config,
// in-cluster), else the local cluster, built and started if need be. Everything is imported on demand: a run that
// never talks to a cluster never loads the Kubernetes client or the local cluster's code.
import type { ClusterAccess, ClusterFlags, LocalClusterInfo } from "../kube/cluster-access.ts";
import { LoadgenError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";

/** No cluster could be had for the run: a wrong kubeconfig or context (104), or a local cluster that did not build or start. */
export class ClusterUnavailableError extends LoadgenError {
  constructor(message: string, exitCode: typeof ExitCode.invalidConfig | typeof ExitCode.engineError | typeof ExitCode.externalAbort) {
    super(message, exitCode);
  }
}

/**
 * Resolves cluster access once; `log` says which cluster is used (and reports the local cluster's build and start).
 * @throws {ClusterAccessError} for a kubeconfig that cannot be used (unknown context, unreadable file).
 */
export async function resolveClusterAccess(flags: ClusterFlags, log: (line: string) => void): Promise<ClusterAccess> {
  const { loadClusterAccess } = await import("../kube/cluster-access.ts");
  return loadClusterAccess(flags, async () => (await import("../cluster/local-cluster.ts")).ensureLocalCluster(log));
}

/**
 * The local cluster when it runs (the one in `dir`, default the usual one): its API server, running components and
 * real node (what runtime/kube and runtime/kwok may know of it, handed to them rather than imported); undefined when
 * it is not running or its state cannot be read.
 */
export async function localClusterInfo(options: { dir?: string } = {}): Promise<LocalClusterInfo | undefined> {
  const { clusterStatus } = await import("../cluster/local-cluster.ts");
  const local = await clusterStatus(options).catch(() => undefined);
  if (local?.state !== "running" || local.server === undefined) return undefined;
  const realNode = local.realNode ? await (await import("../cluster/real-node-host.ts")).realNodeHost(options).catch(() => undefined) : undefined;
  return { server: local.server, running: local.components.filter((c) => c.state === "running").map((c) => c.name), ...(realNode ? { realNode } : {}) };
}

/** The same, with every failure turned into one clear error with its exit code (for a run about to start). */
export async function requireClusterAccess(resolve: () => Promise<ClusterAccess>): Promise<ClusterAccess> {
  try {
    return await resolve();
  } catch (e) {
    if (e instanceof LoadgenError) throw e;
    const error = e as Error;
    if (error.name === "BuildInterruptedError") throw new ClusterUnavailableError(`the run was interrupted before it started: ${error.message}`, ExitCode.externalAbort);
    if ((error as { code?: string }).code === "ClusterAccess") throw new ClusterUnavailableError(`cluster access: ${error.message}`, ExitCode.invalidConfig);
    throw new ClusterUnavailableError(`no cluster for the run: ${error.message}`, ExitCode.engineError);
  }
}
