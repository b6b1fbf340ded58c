// An archive as bytes: a reproducible tar (tar-writer.ts: mtime 0, fixed owners and modes), so the same scenario,
// files and flags always give the same archive (and the same ConfigMap for `loadgen job`). `.gz` names are gzipped.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { TarWriter } from "../image/tar-writer.ts";
import { ARCHIVE_META, BUNDLE_ENTRY, DOCUMENT_ENTRY, FILES_DIR, SOURCE_MAP_ENTRY, type Archive, type ArchiveMeta } from "./archive.ts";

/** The metadata's `files` list for `files`, sorted by path. */
export function filesManifest(files: ReadonlyMap<string, Buffer>): ArchiveMeta["files"] {
  return [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, data]) => ({ path, bytes: data.length, sha256: createHash("sha256").update(data).digest("hex") }));
}

/** The archive as an uncompressed tar. */
export function archiveTar(archive: Archive): Buffer {
  const chunks: Buffer[] = [];
  // The writer reuses its buffers between calls: copy each chunk.
  const tar = new TarWriter((chunk) => chunks.push(Buffer.from(chunk)));
  const file = (path: string, data: Buffer) => tar.add({ type: "file", path, mode: 0o644, data });
  file(ARCHIVE_META, Buffer.from(JSON.stringify(archive.meta, null, 2) + "\n"));
  if (archive.bundle) {
    file(BUNDLE_ENTRY, Buffer.from(archive.bundle.code));
    file(SOURCE_MAP_ENTRY, Buffer.from(archive.bundle.sourceMap));
  }
  if (archive.document !== undefined) file(DOCUMENT_ENTRY, Buffer.from(archive.document));
  for (const { path } of archive.meta.files) file(FILES_DIR + path, archive.files.get(path)!);
  tar.finish();
  return Buffer.concat(chunks);
}

/** The archive's bytes, gzipped when asked (gzip's header carries no time here: the bytes stay reproducible). */
export function archiveBytes(archive: Archive, o: { gzip?: boolean } = {}): Buffer {
  const tar = archiveTar(archive);
  return o.gzip ? gzipSync(tar, { level: 9 }) : tar;
}

/** Writes the archive to `file`, gzipped when its name ends in `.gz` or `.tgz`. */
export function writeArchive(file: string, archive: Archive): number {
  const bytes = archiveBytes(archive, { gzip: /\.(t?gz)$/i.test(file) });
  writeFileSync(file, bytes);
  return bytes.length;
}
