// Builds the control-plane binaries from the Go wrapper modules in
// controlplane/ and caches them at <cache>/bin/<component>-<version>/, so a
// cold machine pays the build once and every later `cluster up` starts in
// seconds. A build goes to a temporary dir and is renamed into place only
// when complete, so an interrupted build never leaves a half binary behind.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { BUILDS, type BuildSpec } from "./components.ts";
import { findGo, goVersion } from "./go-toolchain.ts";
import { cacheDir } from "./paths.ts";

export class BuildError extends Error {
  constructor(
    readonly component: string,
    readonly outputTail: string,
    detail: string,
  ) {
    super(`building ${component} failed: ${detail}\n--- last lines of go build output ---\n${outputTail}`);
    this.name = "BuildError";
  }
}

/** The build was stopped by a signal: nothing was cached, and Go's build cache lets the next build resume. */
export class BuildInterruptedError extends BuildError {
  constructor(component: string, readonly signal: NodeJS.Signals) {
    super(component, "", `interrupted (${signal}); nothing half-built was kept, and the next build resumes from Go's build cache`);
    this.message = `building ${component} was interrupted (${signal}); nothing half-built was kept, and the next build resumes from Go's build cache`;
    this.name = "BuildInterruptedError";
  }
}

export interface BuiltBinary {
  component: string;
  version: string;
  dir: string;
  /** Absolute path of the binary (or of each multi-call link, by name). */
  path: string;
}

/** Paths of every binary the cluster runs. */
export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  /** The real node's binaries, when it was asked for. */
  node?: NodeBinaries;
  versions: Record<string, string>;
}

/** The real node's binaries (runc is the machine's, see real-node.ts). */
export interface NodeBinaries {
  containerd: string;
  /** containerd's dir, also holding ctr, containerd-shim-runc-v2 and the CNI loopback plugin. */
  containerdDir: string;
  ctr: string;
  kubelet: string;
  pause: string;
}

interface Stamp {
  component: string;
  version: string;
  source: string;
  go: string;
  builtAt: string;
  seconds: number;
}

export function binDir(spec: BuildSpec): string {
  return join(cacheDir(), "bin", `${spec.component}-${spec.version}`);
}

/**
 * Hash of the wrapper module's go.mod, go.sum and Go files: a changed module
 * (say, a bumped dependency) rebuilds even when the version key is the same.
 */
function sourceHash(moduleDir: string): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === "go.mod" || name === "go.sum" || name.endsWith(".go")) {
        h.update(p.slice(moduleDir.length)).update("\0").update(readFileSync(p)).update("\0");
      }
    }
  };
  walk(moduleDir);
  return h.digest("hex").slice(0, 16);
}

async function readStamp(dir: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, "build.json"), "utf8")) as Stamp;
  } catch {
    return undefined;
  }
}

/** True when the cached binary exists and was built from the current wrapper module. */
export async function isCached(spec: BuildSpec): Promise<boolean> {
  const dir = binDir(spec);
  const stamp = await readStamp(dir);
  return stamp !== undefined && stamp.source === sourceHash(spec.moduleDir) && existsSync(join(dir, spec.binary));
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * Runs one `go build`, reporting progress every 30 s; resolves with the seconds it took. Should this process exit
 * meanwhile (Ctrl-C, a kill, a run that ends), the build and its temp dir go with it: nothing half-built stays in
 * the cache, and the next build resumes from Go's own build cache.
 */
async function goBuild(go: string, spec: BuildSpec, outDir: string, log: (line: string) => void, interrupt: Interrupt): Promise<number> {
  if (interrupt.signal) throw new BuildInterruptedError(spec.component, interrupt.signal);
  // Several packages build into one dir (-o with a trailing slash), each binary named after its package.
  const out = spec.packages.length > 1 ? `${outDir}/` : join(outDir, spec.binary);
  const args = ["build", "-v", "-trimpath", ...(spec.tags ? ["-tags", spec.tags] : []), "-ldflags", `-s -w ${spec.ldflags}`.trim(), "-o", out, ...spec.packages];
  // nice: the build must not starve whatever else shares the machine (tests, benchmarks).
  const useNice = existsSync("/usr/bin/nice");
  const child = spawn(useNice ? "/usr/bin/nice" : go, useNice ? [go, ...args] : args, {
    cwd: spec.moduleDir,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: [process.env.GOFLAGS, "-mod=readonly"].filter(Boolean).join(" ") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // A signal stops the build (go and the compilers it runs), and ensureBuilt removes the temp dir; an exit of this
  // process by any other road takes both with it too.
  interrupt.stop = () => child.kill("SIGTERM");
  const onExit = () => {
    child.kill("SIGKILL");
    rmSync(outDir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const tail: string[] = [];
  let packages = 0;
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line) continue;
      // `go build -v` names each package as it compiles it: a cheap progress
      // count, kept out of the tail so that the tail shows the diagnostics.
      if (/^[\w.\-]+(\/[\w.\-~]+)*$/.test(line)) {
        packages++;
        continue;
      }
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const started = Date.now();
  const timer = setInterval(() => {
    log(`  … still building ${spec.component}: ${packages} packages compiled, ${formatDuration(Date.now() - started)} so far`);
  }, 30_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (interrupt.signal) throw new BuildInterruptedError(spec.component, interrupt.signal);
    if (code !== 0) {
      throw new BuildError(spec.component, tail.join("\n"), `go build exited with code ${code} in ${spec.moduleDir}`);
    }
  } catch (err) {
    if (err instanceof BuildError) throw err;
    throw new BuildError(spec.component, tail.join("\n"), (err as Error).message);
  } finally {
    clearInterval(timer);
    interrupt.stop = undefined;
    process.off("exit", onExit);
  }
  return (Date.now() - started) / 1000;
}

/** Removes temp dirs of builds whose process is gone (an interrupted `cluster up`). */
async function removeAbandonedBuilds(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.tmp-`;
  let names: string[] = [];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length));
    // Our own leftover (an earlier failed attempt in this process) or a dead builder's.
    if (pid === process.pid || !isAlive(pid)) await rm(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A signal that arrived while binaries were being built, and how to stop the build under way. */
interface Interrupt {
  signal?: NodeJS.Signals;
  stop?: () => void;
}

/** Builds one component unless its cached binary is current. */
export async function ensureBuilt(spec: BuildSpec, log: (line: string) => void, interrupt: Interrupt = {}): Promise<BuiltBinary> {
  const dir = binDir(spec);
  const result = { component: spec.component, version: spec.version, dir, path: join(dir, spec.binary) };
  if (await isCached(spec)) return result;

  const go = findGo();
  const goVer = await goVersion(go);
  const why = existsSync(dir) ? " (wrapper module changed since the cached build)" : "";
  log(`building ${spec.component} ${spec.version} with ${goVer}${why}; expect ${spec.expect} (once; cached in ${dir})`);
  const tmp = `${dir}.tmp-${process.pid}`;
  await removeAbandonedBuilds(dir);
  await mkdir(tmp, { recursive: true });
  try {
    const seconds = await goBuild(go, spec, tmp, log, interrupt);
    for (const link of spec.links) await symlink(spec.binary, join(tmp, link));
    const stamp: Stamp = {
      component: spec.component,
      version: spec.version,
      source: sourceHash(spec.moduleDir),
      go: goVer,
      builtAt: new Date().toISOString(),
      seconds: Math.round(seconds),
    };
    await writeFile(join(tmp, "build.json"), JSON.stringify(stamp, null, 2) + "\n");
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    log(`built ${spec.component} ${spec.version} in ${formatDuration(seconds * 1000)}`);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return result;
}

/**
 * Builds (or finds in the cache) every binary the local cluster runs. SIGINT or SIGTERM meanwhile stops the build
 * and rejects with BuildInterruptedError: listening from the start, not only while `go build` runs, so that a signal
 * never falls between two steps.
 */
export async function ensureBinaries(log: (line: string) => void = () => {}, options: { realNode?: boolean } = {}): Promise<Binaries> {
  const realNode = options.realNode ?? true;
  const built: Record<string, BuiltBinary> = {};
  const interrupt: Interrupt = {};
  const onSignal = (signal: NodeJS.Signals) => {
    interrupt.signal ??= signal;
    interrupt.stop?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    for (const spec of BUILDS) if (realNode || !spec.realNode) built[spec.component] = await ensureBuilt(spec, log, interrupt);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const k8s = built.kubernetes!;
  return {
    etcd: built.etcd!.path,
    kwok: built.kwok!.path,
    kubeApiserver: join(k8s.dir, "kube-apiserver"),
    kubeControllerManager: join(k8s.dir, "kube-controller-manager"),
    kubeScheduler: join(k8s.dir, "kube-scheduler"),
    node: realNode
      ? {
        containerd: built.containerd!.path,
        containerdDir: built.containerd!.dir,
        ctr: join(built.containerd!.dir, "ctr"),
        kubelet: built.kubelet!.path,
        pause: built.pause!.path,
      }
      : undefined,
    versions: Object.fromEntries(Object.values(built).map((b) => [b.component, b.version])),
  };
}
