// Where the local cluster keeps things: built binaries in a per-user cache
// (shared by every checkout and by CI re-runs), cluster state in a per-user
// data dir, and the Go wrapper modules / manifests inside this repository.
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Cache root for built binaries: $LOADGEN_CACHE_DIR, else $XDG_CACHE_HOME/loadgen, else ~/.cache/loadgen. */
export function cacheDir(): string {
  if (process.env.LOADGEN_CACHE_DIR) return process.env.LOADGEN_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "loadgen");
}

/** The cluster's data dir (state, pki, etcd data, logs, kubeconfig): $LOADGEN_CLUSTER_DIR, else ~/.local/share/loadgen/cluster. */
export function clusterDir(): string {
  if (process.env.LOADGEN_CLUSTER_DIR) return process.env.LOADGEN_CLUSTER_DIR;
  const base = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(base, "loadgen", "cluster");
}

/**
 * The package's controlplane/ dir (Go wrapper modules and manifests). Found
 * by walking up from this module, because it runs both from source
 * (runtime/cluster/) and bundled into dist/loadgen.mjs.
 */
function findControlplaneDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "controlplane", "manifests"))) return join(dir, "controlplane");
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find loadgen's controlplane/ directory above ${fileURLToPath(import.meta.url)}; is the package complete?`);
    }
    dir = parent;
  }
}

export const controlplaneDir: string = findControlplaneDir();

export const manifestsDir: string = join(controlplaneDir, "manifests");

/** Files inside the cluster dir, named in one place. */
export function clusterPaths(dirOption: string = clusterDir()) {
  // Absolute, because the paths end up in the components' command lines and
  // in the state file, which later commands read from any working directory.
  const dir = resolve(dirOption);
  return {
    dir,
    state: join(dir, "state.json"),
    lock: join(dir, "up.lock"),
    kubeconfig: join(dir, "kubeconfig"),
    pki: join(dir, "pki"),
    etcdData: join(dir, "etcd-data"),
    logs: join(dir, "logs"),
    kwokConfig: join(dir, "kwok.yaml"),
    tokenFile: join(dir, "pki", "tokens.csv"),
    node: nodePaths(join(dir, "node")),
  };
}
export type ClusterPaths = ReturnType<typeof clusterPaths>;

/** The real node's files: everything containerd and the kubelet keep is below `dir` (the cluster dir's node/). */
export function nodePaths(dir: string) {
  return {
    dir,
    containerdConfig: join(dir, "containerd.toml"),
    containerdRoot: join(dir, "containerd"),
    containerdState: join(dir, "run"),
    containerdSocket: join(dir, "containerd.sock"),
    runcRoot: join(dir, "run", "runc"),
    registryHosts: join(dir, "certs.d"),
    cniConfigDir: join(dir, "cni"),
    kubeletConfig: join(dir, "kubelet.yaml"),
    kubeletKubeconfig: join(dir, "kubelet.kubeconfig"),
    kubeletRoot: join(dir, "kubelet"),
    kubeletCerts: join(dir, "kubelet-certs"),
    podLogs: join(dir, "pod-logs"),
    resolvConf: join(dir, "resolv.conf"),
  };
}
export type NodePaths = ReturnType<typeof nodePaths>;

/**
 * The cgroup (in every hierarchy) under which the node's kubelet makes its kubepods tree: one per cluster dir, so the
 * nodes of two clusters on one machine never see each other's pods as orphans to remove.
 */
export function nodeCgroupRoot(clusterDirPath: string): string {
  return `/loadgen-${createHash("sha256").update(resolve(clusterDirPath)).digest("hex").slice(0, 12)}`;
}

/**
 * Machine-wide state of the real nodes (which run, what they changed on the host): /run/loadgen, on tmpfs, gone at
 * reboot as those changes are ($LOADGEN_HOST_STATE_DIR replaces it, for tests).
 */
export function hostStateDir(): string {
  return process.env.LOADGEN_HOST_STATE_DIR || "/run/loadgen";
}
