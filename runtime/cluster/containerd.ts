// The real node's containerd 2: every path it owns in the cluster dir, runc from the machine (Debian's), pulls sent to
// a dead loopback port (no image ever comes from outside: a pod whose image is missing fails with ErrImagePull at
// once), and one CNI config (loopback) so the runtime reports its network ready.
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import type { NodeBinaries } from "./build.ts";
import type { NodePaths } from "./paths.ts";
import { LOOPBACK } from "./ports.ts";

const run = promisify(execFile);

/** The namespace the CRI plugin keeps kubelet's images and containers in. */
export const CRI_NAMESPACE = "k8s.io";

/** A TOML string literal (single quotes: no escapes; the paths never contain one). */
const lit = (s: string) => {
  if (s.includes("'")) throw new Error(`containerd config: a path with a quote cannot be used: ${s}`);
  return `'${s}'`;
};

export function renderContainerdConfig(o: { paths: NodePaths; bins: NodeBinaries; runc: string; sandboxImage: string }): string {
  const { paths: p } = o;
  return `# Written by loadgen cluster up: the real node's containerd, everything under ${p.dir}.
version = 3
root = ${lit(p.containerdRoot)}
state = ${lit(p.containerdState)}
imports = []
# Plugins that would touch host paths (/var/run/nri, /opt/containerd) or need what the node does not use.
disabled_plugins = [
  'io.containerd.nri.v1.nri',
  'io.containerd.internal.v1.opt',
  'io.containerd.snapshotter.v1.blockfile',
  'io.containerd.snapshotter.v1.erofs',
  'io.containerd.differ.v1.erofs',
  'io.containerd.mount-handler.v1.erofs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
]

[grpc]
  address = ${lit(p.containerdSocket)}

[ttrpc]
  address = ''

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = ${lit(o.sandboxImage)}
    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = ${lit(p.registryHosts)}

  [plugins.'io.containerd.cri.v1.runtime']
    enable_cdi = false
    enable_criu = false
    disable_apparmor = true
    # No CAP_SYS_RESOURCE here: a container's oom_score_adj may not go below containerd's own (else runc fails with
    # "failed to update /proc/self/oom_score_adj: Permission denied").
    restrict_oom_score_adj = true
    # A pod's network namespace (only pods without hostNetwork get one) is bind-mounted in the state dir, not /var/run/netns.
    netns_mounts_under_state_dir = true
    tolerate_missing_hugetlb_controller = true
    disable_hugetlb_controller = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        sandboxer = 'podsandbox'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = ${lit(o.runc)}
          Root = ${lit(p.runcRoot)}
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = [${lit(o.bins.containerdDir)}]
      conf_dir = ${lit(p.cniConfigDir)}
      max_conf_num = 1

  [plugins.'io.containerd.grpc.v1.cri']
    disable_tcp_service = true
    # exec/attach/port-forward streams, reached through the kubelet; a free port on loopback.
    stream_server_address = '${LOOPBACK}'
    stream_server_port = '0'
`;
}

/** containerd's config, the registry redirect and the CNI config. */
export async function writeContainerdFiles(o: { paths: NodePaths; bins: NodeBinaries; runc: string; sandboxImage: string }): Promise<void> {
  const p = o.paths;
  await mkdir(join(p.registryHosts, "_default"), { recursive: true });
  await mkdir(p.cniConfigDir, { recursive: true });
  await writeFile(p.containerdConfig, renderContainerdConfig(o));
  // Every registry without a dir of its own (so: every registry) resolves to this dead endpoint: a pull fails with
  // "connection refused" at once, with no DNS lookup and no packet off the machine.
  await writeFile(join(p.registryHosts, "_default", "hosts.toml"),
    `server = "http://${LOOPBACK}:1"\n[host."http://${LOOPBACK}:1"]\n  capabilities = ["pull", "resolve"]\n`);
  await writeFile(join(p.cniConfigDir, "10-loopback.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "loadgen-loopback", plugins: [{ type: "loopback" }] }, null, 2) + "\n");
}

export function containerdArgs(paths: NodePaths): string[] {
  return ["--config", paths.containerdConfig];
}

/** True when containerd accepts connections on its socket. */
export function containerdListening(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socket);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** `ctr` against the node's containerd, in the CRI namespace. */
export async function ctr(bins: NodeBinaries, socket: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(bins.ctr, ["--address", socket, "--namespace", CRI_NAMESPACE, ...args], { maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`ctr ${args.join(" ")} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** Imports an OCI archive into the node (unpacked, so the CRI can run it at once). */
export async function importImage(bins: NodeBinaries, socket: string, archive: string): Promise<void> {
  await ctr(bins, socket, ["images", "import", archive]);
}

/** The digest (sha256:…) containerd has for `ref`, or undefined. */
export async function imageDigest(bins: NodeBinaries, socket: string, ref: string): Promise<string | undefined> {
  const out = await ctr(bins, socket, ["images", "ls", `name==${ref}`]);
  // REF TYPE DIGEST SIZE PLATFORMS LABELS
  const line = out.split("\n").slice(1).find((l) => l.startsWith(`${ref} `));
  return line?.split(/\s+/)[2];
}
