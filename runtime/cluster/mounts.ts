// The mounts the real node leaves under its dir (container root filesystems, /dev/shm of sandboxes, volumes, network
// namespaces, the kubelet's own bind mount of its root dir), read from /proc/self/mountinfo and unmounted deepest first.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** mountinfo escapes space, tab, newline and backslash as \\ooo. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or below `dir`, deepest first (a mount point listed twice is stacked: it is listed twice). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const points: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const point = line.split(" ")[4];
    if (point === undefined) continue;
    const path = unescape(point);
    if (path === dir || path.startsWith(prefix)) points.push(path);
  }
  return points.sort((a, b) => b.length - a.length || (a < b ? 1 : -1));
}

/**
 * Unmounts everything at or below `dir`; a mount that is busy is detached (umount -l). Throws if any is left, naming
 * it: the caller must not delete a dir with a mount in it (a bind mount would take the files it shows with it).
 */
export async function unmountAll(dir: string): Promise<number> {
  let count = 0;
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return count;
    for (const point of points) {
      try {
        await run("umount", [point]);
      } catch {
        await run("umount", ["-l", point]).catch(() => {});
      }
      count++;
    }
  }
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`could not unmount ${left.length} mount(s) under ${dir}: ${left.slice(0, 5).join(", ")}`);
  return count;
}
