// Starting and stopping the cluster's processes. Each runs detached (its own
// process group, so it outlives the `loadgen cluster up` that started it and
// is not hit by that terminal's Ctrl-C) with stdout and stderr appended to
// its log file. A process is identified by pid *and* executable path, so a
// recycled pid never makes loadgen report, or kill, someone else's process.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";

export interface ProcessRecord {
  name: string;
  pid: number;
  /** Executable as started (argv[0]); compared with /proc/<pid>/cmdline. */
  binary: string;
  args: string[];
  logFile: string;
  startedAt: string;
}

export type ProcessState = "running" | "exited";

export function startProcess(name: string, binary: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ProcessRecord {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", fd, fd], ...(env ? { env } : {}) });
    if (child.pid === undefined) throw new Error(`${name} could not be started from ${binary}`);
    // Spawn failures surface through processState()/waitReady() with the log;
    // unref() lets this command exit while the component keeps running.
    child.on("error", () => {});
    child.unref();
    return { name, pid: child.pid, binary, args, logFile, startedAt: new Date().toISOString() };
  } finally {
    closeSync(fd);
  }
}

/** "running" when the pid is alive, not a zombie, and still runs the recorded binary. */
export function processState(rec: Pick<ProcessRecord, "pid" | "binary">): ProcessState {
  if (process.platform === "linux") {
    try {
      const stat = readFileSync(`/proc/${rec.pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") return "exited";
      const argv0 = readFileSync(`/proc/${rec.pid}/cmdline`, "utf8").split("\0")[0];
      return argv0 === rec.binary ? "running" : "exited";
    } catch {
      return "exited";
    }
  }
  try {
    process.kill(rec.pid, 0);
    return "running";
  } catch {
    return "exited";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(rec: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (processState(rec) !== "running") return;
  try {
    process.kill(rec.pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (processState(rec) !== "running") return;
    await sleep(100);
  }
  try {
    process.kill(rec.pid, "SIGKILL");
  } catch {
    return;
  }
  for (let i = 0; i < 50 && processState(rec) === "running"; i++) await sleep(100);
}

/** The last `lines` lines of a log file ("" when it does not exist). */
export async function tailFile(path: string, lines = 20): Promise<string> {
  if (!existsSync(path)) return "";
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return buf.toString("utf8").split("\n").filter((l) => l.length > 0).slice(-lines).join("\n");
  } finally {
    await fh.close();
  }
}
