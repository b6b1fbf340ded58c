// The files of loadgen's own image, from this checkout: the Node binary that runs this loadgen and the shared
// libraries `ldd` lists for it, then loadgen itself in /opt/loadgen (bin/, dist/, stdlib/ for the guest shims the
// engine bundles at run time, scenarios/, examples/, controlplane/manifests, and the production packages of
// package-lock.json without their type declarations, source maps and docs). Its entrypoint runs loadgen, so a pod's `args: [run, …]`
// works as with grafana/k6's image. image/Dockerfile builds the same image for a registry (from these files:
// `loadgen image build --rootfs`).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { controlplaneDir } from "../cluster/paths.ts";
import type { ImageConfig } from "./oci-archive.ts";
import type { TarEntry } from "./tar-writer.ts";

const run = promisify(execFile);

/** The checkout (or installed package) this loadgen runs from. */
export const packageRoot = dirname(controlplaneDir);

export const APP_DIR = "opt/loadgen";
const NODE_PATH = "usr/local/bin/node";

/** The name the image has on the local node (`.local` never resolves to a registry); the tag is loadgen's version. */
export function loadgenImageRef(version: string = packageVersion()): string {
  return `loadgen.local/loadgen:${version}`;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}

/** Its runtime settings; image/Dockerfile repeats them (test/node/loadgen-image.test.ts holds the two together). */
export const LOADGEN_IMAGE_CONFIG: ImageConfig = {
  Entrypoint: [`/${NODE_PATH}`, `/${APP_DIR}/bin/loadgen.js`],
  Cmd: ["--help"],
  Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp"],
  WorkingDir: `/${APP_DIR}`,
  // Unprivileged, as distroless' "nonroot" (and as k6's image runs).
  User: "65532:65532",
};

/**
 * Files of the app dir that are loadgen's; node_modules follows separately. The guest shims in stdlib/ are bundled
 * into each scenario at run time, with the runtime sources they import (the one duration parser). examples/ holds the
 * consumer service, which runs from this image as a Deployment on the real node (examples/consumer/deployment.yaml).
 */
const APP_PARTS = ["package.json", "bin", "dist", "stdlib", "runtime/metrics/duration.ts", "scenarios", "examples", "controlplane/manifests", "LICENSE", "README.md"];
/** What production packages carry that nothing runs: types, source maps, TypeScript sources, docs, Bare prebuilds. */
const NOT_RUN = /(\.d\.[cm]?ts|\.[cm]?ts|\.map|\.md|\.markdown|\.bare)$/i;

/** The shared libraries (and the dynamic loader) `ldd` lists for `binary`: absolute paths. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await run("ldd", [binary]));
  } catch (err) {
    const e = err as Error & { stdout?: string; code?: string };
    if (e.code === "ENOENT") throw new Error("ldd not found: `loadgen image build` lists the Node binary's shared libraries with it (Debian: libc-bin)");
    if (/not a dynamic executable/.test(`${e.stdout ?? ""}${e.message}`)) return [];
    throw new Error(`ldd ${binary} failed: ${e.message}`);
  }
  const libs: string[] = [];
  for (const line of stdout.split("\n")) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)", "/lib64/ld-linux-x86-64.so.2 (0x…)"; vdso has no file.
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m) libs.push(m[1]!);
    else if (/=>\s*not found/.test(line)) throw new Error(`ldd ${binary}: ${line.trim()}`);
  }
  return libs;
}

/** The production packages' dirs (node_modules/…, nested ones included), from package-lock.json, as installed. */
function productionPackages(): string[] {
  const lockFile = join(packageRoot, "package-lock.json");
  if (!existsSync(lockFile)) throw new Error(`${lockFile} is missing: the image takes its packages from the lock file`);
  const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages?: Record<string, { dev?: boolean; link?: boolean }> };
  return Object.entries(lock.packages ?? {})
    .filter(([path, p]) => path.startsWith("node_modules/") && !p.dev && !p.link)
    // Optional packages for other platforms (esbuild's) are in the lock but not installed.
    .filter(([path]) => existsSync(join(packageRoot, path)))
    .map(([path]) => path);
}

/** `from` (a file, dir or symlink on this machine) as entries at `to` in the image; `skip` filters files by name. */
function tree(from: string, to: string, out: TarEntry[], skip?: (name: string) => boolean): void {
  const st = lstatSync(from);
  if (st.isSymbolicLink()) out.push({ type: "symlink", path: to, target: readlinkSync(from) });
  else if (st.isFile()) out.push({ type: "file", path: to, mode: st.mode & 0o755 | 0o644, from, size: st.size });
  else if (st.isDirectory()) {
    out.push({ type: "dir", path: to, mode: 0o755 });
    for (const name of readdirSync(from).sort()) {
      // A package's own dependencies are listed (and filtered) on their own.
      if (name === "node_modules" && to.includes("node_modules")) continue;
      const child = join(from, name);
      if (skip?.(name) && !lstatSync(child).isDirectory()) continue;
      tree(child, `${to}/${name}`, out, skip);
    }
  }
}

/** Every parent dir of the entries, as an entry of its own (once, before its children: the list is sorted). */
function withParents(entries: TarEntry[]): TarEntry[] {
  const have = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    for (let d = dirname(e.path); d !== "."; d = dirname(d)) if (!have.has(d)) have.set(d, { type: "dir", path: d, mode: 0o755 });
  }
  return [...have.values()].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** All files of the image; `node` is the Node binary to ship (default: the one running this loadgen). */
export async function loadgenImageEntries(node: string = process.execPath): Promise<TarEntry[]> {
  if (!existsSync(join(packageRoot, "dist", "loadgen.mjs"))) {
    throw new Error(`${join(packageRoot, "dist", "loadgen.mjs")} is missing: run \`npm run build\` first (the image ships the built CLI)`);
  }
  const entries: TarEntry[] = [];
  const nodeBinary = realpathSync(node);
  entries.push({ type: "file", path: NODE_PATH, mode: 0o755, from: nodeBinary, size: statSync(nodeBinary).size });
  // At the path ldd names, with the file's content (the dynamic loader looks there; /lib64 may be a link on the host).
  for (const lib of await sharedLibraries(nodeBinary)) {
    const real = realpathSync(lib);
    entries.push({ type: "file", path: lib.slice(1), mode: 0o755, from: real, size: statSync(real).size });
  }
  entries.push({ type: "dir", path: "tmp", mode: 0o1777 });
  entries.push({ type: "file", path: "etc/passwd", mode: 0o644, data: Buffer.from("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n") });
  entries.push({ type: "file", path: "etc/group", mode: 0o644, data: Buffer.from("root:x:0:\nnonroot:x:65532:\n") });
  for (const part of APP_PARTS) {
    const from = join(packageRoot, part);
    if (existsSync(from)) tree(from, `${APP_DIR}/${part}`, entries);
  }
  for (const pkg of productionPackages()) tree(join(packageRoot, pkg), `${APP_DIR}/${pkg}`, entries, (name) => NOT_RUN.test(name));
  return withParents(entries);
}

/** A digest of what the entries would put in a layer (names, modes, sizes, mtimes, link targets): unchanged, no repack. */
export function entriesFingerprint(entries: readonly TarEntry[], config: ImageConfig, ref: string): string {
  const h = createHash("sha256").update(ref).update(JSON.stringify(config));
  for (const e of entries) {
    h.update(e.type).update(e.path).update("\0");
    if (e.type === "symlink") h.update(e.target);
    else if (e.type === "dir") h.update(String(e.mode));
    else if ("data" in e) h.update(e.data);
    else h.update(`${e.mode}:${e.size}:${statSync(e.from).mtimeMs}:${relative(packageRoot, e.from)}`);
    h.update("\0");
  }
  return h.digest("hex");
}
