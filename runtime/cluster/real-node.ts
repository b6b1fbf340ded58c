// The local cluster's one real node: containerd (with the machine's runc) and a kubelet, whose pods really run. What
// it needs from the machine is checked before anything starts; everything it makes (containers and their shims,
// mounts, cgroups, host paths, sysctls) is taken down again by teardownRealNode, which is safe to repeat and to call
// on the leftovers of a node that crashed.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { createCgroupRoot, removeCgroupRoot } from "./cgroups.ts";
import { registerNode, unregisterNode } from "./host-state.ts";
import { unmountAll } from "./mounts.ts";
import { nodeCgroupRoot, type ClusterPaths } from "./paths.ts";
import { stopProcess } from "./processes.ts";
import type { ComponentRecord } from "./state.ts";

const run = promisify(execFile);

/** What the state file records about a running real node. */
export interface RealNodeRecord {
  cgroupRoot: string;
  runc: { path: string; version: string };
  /** Hash of the rendered containerd and kubelet configs: a newer loadgen's config restarts the node. */
  configHash: string;
}

/** Where to find runc: $LOADGEN_RUNC, else `runc` on PATH, else Debian's /usr/sbin/runc. */
export function findRunc(): string | undefined {
  if (process.env.LOADGEN_RUNC) return existsSync(process.env.LOADGEN_RUNC) ? process.env.LOADGEN_RUNC : undefined;
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/sbin", "/usr/bin"];
  return dirs.map((d) => join(d, "runc")).find((p) => existsSync(p));
}

async function runcVersion(runc: string): Promise<string> {
  const { stdout } = await run(runc, ["--version"]);
  return /runc version (\S+)/.exec(stdout)?.[1] ?? stdout.split("\n")[0]!;
}

/** The machine's runc and its version, or why the real node cannot run here (one sentence naming the fix). */
export async function realNodeRequirements(p: ClusterPaths): Promise<{ runc: { path: string; version: string } } | { missing: string }> {
  if (process.platform !== "linux") return { missing: `the real node needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { missing: "the real node needs root (containerd and the kubelet mount filesystems and make cgroups)" };
  const runc = findRunc();
  if (!runc) {
    return { missing: "runc not found (looked at $LOADGEN_RUNC, PATH, /usr/sbin/runc): on Debian `apt-get install -y --no-install-recommends runc`" };
  }
  // Unix socket paths may not exceed 107 bytes; the kubelet's own sockets sit two levels below its root dir.
  const longest = join(p.node.kubeletRoot, "plugins_registry", "x".repeat(40));
  if (Buffer.byteLength(longest) > 107) {
    return { missing: `the cluster dir ${p.dir} is too long for the node's unix sockets (${longest.length} > 107 bytes): use a shorter LOADGEN_CLUSTER_DIR` };
  }
  try {
    return { runc: { path: runc, version: await runcVersion(runc) } };
  } catch (err) {
    return { missing: `${runc} --version failed: ${(err as Error).message}` };
  }
}

/** Before the node's processes start: its dir, its cgroup subtree, and its entry in the machine's list of nodes. */
export async function prepareRealNode(p: ClusterPaths, log: (line: string) => void): Promise<string> {
  const cgroupRoot = nodeCgroupRoot(p.dir);
  await mkdir(p.node.dir, { recursive: true });
  await mkdir(p.node.podLogs, { recursive: true });
  await registerNode(p.dir, log);
  createCgroupRoot(cgroupRoot);
  return cgroupRoot;
}

/** Pids of containerd shims serving `socket` (they outlive containerd by design). */
function shimsOf(socket: string): number[] {
  const pids: number[] = [];
  const needle = `\0-address\0${socket}\0`;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.split("\0")[0]!.endsWith("containerd-shim-runc-v2") && `${cmdline}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * Stops the node and removes all it made: the kubelet first (so it restarts nothing), every container (by its
 * cgroups, which also catches a container whose shim died), containerd, its shims, the mounts under the node dir,
 * the cgroup subtree, the container log links and, after the machine's last node, its sysctls and host paths; then
 * the node dir. `records` are the node's processes as the state file has them (absent after a crash).
 */
export async function teardownRealNode(
  p: ClusterPaths,
  records: { kubelet?: ComponentRecord; containerd?: ComponentRecord },
  log: (line: string) => void,
): Promise<void> {
  if (!existsSync(p.node.dir)) return;
  if (records.kubelet) await stopProcess(records.kubelet);
  const cgroupRoot = nodeCgroupRoot(p.dir);
  const killed = await removeCgroupRoot(cgroupRoot);
  if (records.containerd) await stopProcess(records.containerd);
  for (const pid of shimsOf(p.node.containerdSocket)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  // containerd or a shim may have made a container's cgroup after the first sweep (a container it was starting).
  await removeCgroupRoot(cgroupRoot);
  const unmounted = await unmountAll(p.node.dir);
  const restored = await unregisterNode(p.dir, log);
  await rm(p.node.dir, { recursive: true, force: true });
  log(`  real node removed: ${killed} container process(es) killed, ${unmounted} mount(s) unmounted, cgroups ${cgroupRoot} removed` +
    (restored.length ? `; the machine's last node, so restored ${restored.join(", ")}` : ""));
}
