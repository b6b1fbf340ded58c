// What the real nodes change outside their cluster dirs, machine-wide: the kubelet rewrites a few sysctls, and the
// kubelet and containerd make some host paths whatever their own dirs (/var/lib/kubelet/device-plugins,
// /var/log/containers, /run/containerd/s). Several clusters' nodes may run at once, so the first node to start records
// the machine as it was and the last one to stop puts it back. The running nodes are files in hostStateDir()/nodes/,
// changed under a lock.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { acquireLock } from "./lock.ts";
import { mountsUnder } from "./mounts.ts";
import { hostStateDir, nodeCgroupRoot } from "./paths.ts";

/** The sysctls kubelet sets at start (pkg/kubelet/cm setupKernelTunables, protectKernelDefaults: false). */
const KUBELET_SYSCTLS = ["vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes"];
/** Host paths the kubelet or containerd create regardless of their root and state dirs. */
const HOST_PATHS = ["/var/lib/kubelet", "/var/log/containers", "/run/containerd"];
/** The kubelet's container log links: always here, each pointing into its node's pod-logs dir. */
const CONTAINER_LOG_LINKS = "/var/log/containers";

interface HostRecord {
  /** /proc/sys path (without the prefix) → value, before the first node started. */
  sysctls: Record<string, string>;
  /** HOST_PATHS that did not exist then: the last node removes them again. */
  absentPaths: string[];
}

const recordFile = () => join(hostStateDir(), "before-first-node.json");
const nodesDir = () => join(hostStateDir(), "nodes");
const readSysctl = (key: string) => readFileSync(`/proc/sys/${key}`, "utf8").trim();

function nodeFile(clusterDir: string): string {
  return join(nodesDir(), basename(nodeCgroupRoot(clusterDir)));
}

async function withHostLock<T>(log: (line: string) => void, fn: () => T): Promise<T> {
  await mkdir(nodesDir(), { recursive: true });
  const release = await acquireLock(join(hostStateDir(), "lock"), log, 60_000);
  try {
    return fn();
  } finally {
    release();
  }
}

/**
 * Other running nodes: files in nodes/ whose cluster still has a node dir (a vanished dir's entry is dropped; a node
 * makes its dir before it registers).
 */
function otherNodes(mine: string): string[] {
  const live: string[] = [];
  for (const name of readdirSync(nodesDir())) {
    const file = join(nodesDir(), name);
    if (file === mine) continue;
    const dir = readFileSync(file, "utf8").trim();
    if (existsSync(join(dir, "node"))) live.push(dir);
    else rmSync(file, { force: true });
  }
  return live;
}

/** Called before a node starts: the first one records the machine's sysctls and which host paths are absent. */
export async function registerNode(clusterDir: string, log: (line: string) => void): Promise<void> {
  await withHostLock(log, () => {
    // Only when there is no record: one left by a node that never stopped holds the machine's values, the current ones
    // are the kubelet's.
    if (!existsSync(recordFile())) {
      const record: HostRecord = {
        sysctls: Object.fromEntries(KUBELET_SYSCTLS.map((k) => [k, readSysctl(k)])),
        absentPaths: HOST_PATHS.filter((p) => !existsSync(p)),
      };
      writeFileSync(recordFile(), JSON.stringify(record, null, 2) + "\n");
    }
    writeFileSync(nodeFile(clusterDir), clusterDir + "\n");
  });
}

/**
 * Called after a node stopped: removes its container log links; the last node also restores the sysctls and removes
 * the host paths the nodes made. Returns what it put back, for the log.
 */
export async function unregisterNode(clusterDir: string, log: (line: string) => void): Promise<string[]> {
  return withHostLock(log, () => {
    const done: string[] = [];
    const podLogs = join(clusterDir, "node") + "/";
    if (existsSync(CONTAINER_LOG_LINKS)) {
      for (const name of readdirSync(CONTAINER_LOG_LINKS)) {
        const link = join(CONTAINER_LOG_LINKS, name);
        try {
          if (readlinkSync(link).startsWith(podLogs)) rmSync(link, { force: true });
        } catch {
          // not a link
        }
      }
    }
    const mine = nodeFile(clusterDir);
    rmSync(mine, { force: true });
    if (otherNodes(mine).length > 0 || !existsSync(recordFile())) return done;
    const record = JSON.parse(readFileSync(recordFile(), "utf8")) as HostRecord;
    for (const [key, value] of Object.entries(record.sysctls)) {
      if (readSysctl(key) === value) continue;
      writeFileSync(`/proc/sys/${key}`, value);
      done.push(`${key.replaceAll("/", ".")}=${value}`);
    }
    for (const path of record.absentPaths) {
      // Not if something else now lives there: a mount, or another containerd's socket.
      if (!existsSync(path) || mountsUnder(path).length > 0 || existsSync(join(path, "containerd.sock"))) continue;
      rmSync(path, { recursive: true, force: true });
      done.push(`removed ${path}`);
    }
    rmSync(recordFile(), { force: true });
    return done;
  });
}
