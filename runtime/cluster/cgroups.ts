// The real node's cgroup subtree: made in every mounted hierarchy before the kubelet starts (it refuses a cgroupRoot
// that does not exist), emptied of processes and removed when the node stops. Works on cgroup v1 (with or without the
// unified mount of a hybrid host) and on v2.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Mount points of the cgroup hierarchies (v1 controllers, name=systemd, unified or v2). */
export function cgroupMounts(): string[] {
  const points: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [mountFields, fsFields] = line.split(" - ");
    const fsType = fsFields?.split(" ")[0];
    if (fsType === "cgroup" || fsType === "cgroup2") points.push(mountFields!.split(" ")[4]!);
  }
  return points;
}

/** Only a subtree of loadgen's own (see nodeCgroupRoot) is ever made, emptied or removed here. */
function checkRoot(root: string): void {
  if (!/^\/loadgen-[0-9a-f]{12}$/.test(root)) throw new Error(`not a real node's cgroup root: ${root}`);
}

/** Makes `root` (e.g. /loadgen-1a2b3c4d5e6f) in every hierarchy. */
export function createCgroupRoot(root: string): void {
  checkRoot(root);
  const mounts = cgroupMounts();
  if (mounts.length === 0) throw new Error("no cgroup hierarchy is mounted (/proc/self/mountinfo lists none): the real node needs cgroups");
  for (const mount of mounts) {
    const dir = join(mount, root);
    mkdirSync(dir, { recursive: true });
    // A new v1 cpuset starts with no CPUs and no memory nodes, and no task can join it: give it its parent's.
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      const own = join(dir, file);
      if (existsSync(own) && readFileSync(own, "utf8").trim() === "") writeFileSync(own, readFileSync(join(mount, file), "utf8"));
    }
  }
}

/** Every cgroup dir at or below `root`, in every hierarchy, deepest first. */
export function cgroupsUnder(root: string): string[] {
  const dirs: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    dirs.push(dir);
  };
  for (const mount of cgroupMounts()) {
    const top = join(mount, root);
    if (existsSync(top)) walk(top);
  }
  return dirs;
}

/** Pids of the processes in `root`'s subtree (containers whose shim is gone included). */
export function processesInCgroups(root: string): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupsUnder(root)) {
    try {
      for (const p of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) if (p) pids.add(Number(p));
    } catch {
      // removed meanwhile
    }
  }
  return [...pids];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs every process in the subtree, waits until they are gone, then removes the subtree. Returns how many it killed. */
export async function removeCgroupRoot(root: string): Promise<number> {
  checkRoot(root);
  let killed = 0;
  for (let i = 0; i < 50; i++) {
    const pids = processesInCgroups(root);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // gone
      }
    }
    await sleep(100);
  }
  const left = processesInCgroups(root);
  if (left.length) throw new Error(`processes ${left.join(", ")} are still in the real node's cgroups ${root} after SIGKILL`);
  for (const dir of cgroupsUnder(root)) {
    // A cgroup whose last process has just exited may be busy a moment longer.
    for (let i = 0; ; i++) {
      try {
        rmdirSync(dir);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") break;
        if (i >= 20) throw new Error(`cannot remove cgroup ${dir}: ${(err as Error).message}`);
        await sleep(100);
      }
    }
  }
  return killed;
}
