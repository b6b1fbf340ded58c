// A lock file so two `cluster up`/`down` runs (say, a test run and a user's
// shell) never start or stop the same cluster at once. A lock whose holder
// is gone is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

function holderAlive(path: string): boolean {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive but not ours; ENOENT: lock just vanished.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits (up to `timeoutMs`, printing once) for the lock; returns its release function. */
export async function acquireLock(path: string, log: (line: string) => void, timeoutMs = 45 * 60_000): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (!holderAlive(path)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told) {
      log(`waiting for another loadgen process (pid ${readFileSync(path, "utf8").trim()}) that is starting or stopping the local cluster…`);
      told = true;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the cluster lock ${path}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
