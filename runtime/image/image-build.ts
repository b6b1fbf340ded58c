// `loadgen image build`'s work: the image archive of this checkout, kept in the cache and rebuilt only when a file
// that goes into it changed, or the files themselves as a root filesystem (for image/Dockerfile).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { copyFile, mkdir, symlink, writeFile, chmod } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir } from "../cluster/paths.ts";
import { entriesFingerprint, LOADGEN_IMAGE_CONFIG, loadgenImageEntries, loadgenImageRef, packageVersion } from "./loadgen-image.ts";
import { writeOciArchive, type WrittenImage } from "./oci-archive.ts";
import type { TarEntry } from "./tar-writer.ts";

export interface LoadgenImage extends WrittenImage {
  /** The cached archive was current: nothing was packed. */
  reused: boolean;
}

/**
 * Builds (or finds current in the cache) the OCI archive of loadgen's image, tagged `ref` (default: the local image
 * of this version, loadgenImageRef()); each ref has its own cached archive.
 */
export async function buildLoadgenImage(o: { node?: string; ref?: string } = {}): Promise<LoadgenImage> {
  const entries = await loadgenImageEntries(o.node);
  const ref = o.ref ?? loadgenImageRef();
  const fingerprint = entriesFingerprint(entries, LOADGEN_IMAGE_CONFIG, ref);
  const tag = o.ref === undefined ? packageVersion() : ref.replace(/[^A-Za-z0-9_.-]+/g, "_");
  const archive = join(cacheDir(), "images", `loadgen-${tag}.tar`);
  const stamp = `${archive}.json`;
  if (existsSync(archive) && existsSync(stamp)) {
    const cached = JSON.parse(readFileSync(stamp, "utf8")) as WrittenImage & { fingerprint: string };
    if (cached.fingerprint === fingerprint) return { ...cached, archive, reused: true };
  }
  mkdirSync(join(cacheDir(), "images"), { recursive: true });
  rmSync(stamp, { force: true });
  const written = await writeOciArchive({ ref, entries, config: LOADGEN_IMAGE_CONFIG, out: archive });
  writeFileSync(stamp, JSON.stringify({ ...written, fingerprint }, null, 2) + "\n");
  return { ...written, reused: false };
}

/** Writes the image's files under `dir` (modes as in the image; owners are the caller's, root in a Docker build). */
export async function writeRootfs(dir: string, o: { node?: string } = {}): Promise<number> {
  const entries: TarEntry[] = await loadgenImageEntries(o.node);
  for (const e of entries) {
    const to = join(dir, e.path);
    if (e.type === "dir") await mkdir(to, { recursive: true });
    else if (e.type === "symlink") await symlink(e.target, to);
    else if ("data" in e) await writeFile(to, e.data);
    else await copyFile(e.from, to);
    if (e.type !== "symlink") await chmod(to, e.mode);
  }
  return entries.length;
}
