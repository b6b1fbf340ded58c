// Reading an archive back, recognised by its content: a tar (or a gzipped one) whose first entry is
// loadgen-archive.json. Everything is checked before a run sees it: the metadata's fields, the entries it promises,
// each file's size and SHA-256. Nothing is written to disk: the files stay in memory, where only open() reads them.
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { pathBelowScript } from "../bundle/script-files.ts";
import { isTarHeader, readTar, TarFormatError } from "../image/tar-reader.ts";
import { ARCHIVE_META, ARCHIVE_VERSION, BUNDLE_ENTRY, DOCUMENT_ENTRY, FILES_DIR, SOURCE_MAP_ENTRY, type Archive, type ArchiveMeta } from "./archive.ts";

/** A file that is an archive but cannot be used: damaged, or made by a loadgen whose format this one does not read. */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

/** Unpacked archives are small; this bounds what a hostile .gz can make us hold. */
const MAX_UNPACKED = 1 << 30;

/** What the first bytes of a file say it is. */
export function sniff(head: Buffer): "gzip" | "loadgen-archive" | "tar" | "other" {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (!isTarHeader(head)) return "other";
  return head.toString("utf8", 0, ARCHIVE_META.length + 1) === ARCHIVE_META + "\0" ? "loadgen-archive" : "tar";
}

function readHead(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(512);
    return head.subarray(0, readSync(fd, head, 0, 512, 0));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The archive in `file` when the file is one (by its content, whatever its name); undefined for anything else
 * (a script, a missing file: the bundler says what is wrong with those).
 * @throws {ArchiveError} for a tar or gzip file that is not a usable loadgen archive.
 */
export function readArchiveFile(file: string): Archive | undefined {
  const head = readHead(file);
  if (head === undefined) return undefined;
  const kind = sniff(head);
  if (kind === "other") return undefined;
  let tar = readFileSync(file);
  if (kind === "gzip") {
    try {
      tar = gunzipSync(tar, { maxOutputLength: MAX_UNPACKED });
    } catch (e) {
      throw new ArchiveError(`a gzip file that does not unpack: ${(e as Error).message}`);
    }
    const inner = sniff(tar.subarray(0, 512));
    if (inner === "other") throw new ArchiveError("a gzip file, but not of a tar: not a loadgen archive");
    if (inner === "tar") throw new ArchiveError(`a gzipped tar, but not a loadgen archive (its first entry is not ${ARCHIVE_META}; make one with \`loadgen archive\`)`);
  } else if (kind === "tar") {
    throw new ArchiveError(`a tar file, but not a loadgen archive (its first entry is not ${ARCHIVE_META}; make one with \`loadgen archive\`)`);
  }
  return parseArchive(tar);
}

/**
 * An archive from its tar bytes.
 * @throws {ArchiveError} naming what is wrong.
 */
export function parseArchive(tar: Buffer): Archive {
  let entries;
  try {
    entries = readTar(tar);
  } catch (e) {
    if (e instanceof TarFormatError) throw new ArchiveError(`a damaged archive: ${e.message}`);
    throw e;
  }
  const byPath = new Map<string, Buffer>();
  for (const e of entries) {
    if (e.type === "dir") continue;
    if (e.type !== "file") throw new ArchiveError(`an archive holds only files; "${e.path}" is not one (tar type ${JSON.stringify(e.type)})`);
    if (byPath.has(e.path)) throw new ArchiveError(`"${e.path}" is in the archive twice`);
    byPath.set(e.path, e.data);
  }
  if (entries[0]?.path !== ARCHIVE_META) throw new ArchiveError(`not a loadgen archive: its first entry is not ${ARCHIVE_META}`);
  let raw: unknown;
  try {
    raw = JSON.parse(byPath.get(ARCHIVE_META)!.toString("utf8"));
  } catch (e) {
    throw new ArchiveError(`${ARCHIVE_META} is not JSON: ${(e as Error).message}`);
  }
  const meta = checkMeta(raw);
  const files = new Map<string, Buffer>();
  for (const f of meta.files) {
    const data = byPath.get(FILES_DIR + f.path);
    if (data === undefined) throw new ArchiveError(`${ARCHIVE_META} lists ${f.path}, which is not in the archive`);
    if (data.length !== f.bytes || createHash("sha256").update(data).digest("hex") !== f.sha256) {
      throw new ArchiveError(`${f.path} in the archive does not match its size and SHA-256 in ${ARCHIVE_META} (damaged or edited)`);
    }
    files.set(f.path, data);
  }
  for (const p of byPath.keys()) {
    if (p.startsWith(FILES_DIR) && !files.has(p.slice(FILES_DIR.length))) throw new ArchiveError(`${p} is in the archive but not listed in ${ARCHIVE_META}`);
  }
  if (meta.content === "scenario") {
    const code = byPath.get(BUNDLE_ENTRY);
    const map = byPath.get(SOURCE_MAP_ENTRY);
    if (code === undefined || map === undefined) throw new ArchiveError(`a scenario archive without ${code === undefined ? BUNDLE_ENTRY : SOURCE_MAP_ENTRY}`);
    return { meta, bundle: { code: code.toString("utf8"), sourceMap: map.toString("utf8") }, files };
  }
  const document = byPath.get(DOCUMENT_ENTRY);
  if (document === undefined) throw new ArchiveError(`a document archive without ${DOCUMENT_ENTRY}`);
  return { meta, document: document.toString("utf8"), files };
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isStringMap = (v: unknown): v is Record<string, string> => isRecord(v) && Object.values(v).every((x) => typeof x === "string");

function checkMeta(raw: unknown): ArchiveMeta {
  if (!isRecord(raw) || raw.kind !== "loadgen-archive") throw new ArchiveError(`${ARCHIVE_META}: kind is not "loadgen-archive"`);
  if (raw.version !== ARCHIVE_VERSION) {
    throw new ArchiveError(`${ARCHIVE_META}: archive format version ${JSON.stringify(raw.version)}; this loadgen reads version ${ARCHIVE_VERSION} (made by loadgen ${String(raw.loadgenVersion)})`);
  }
  const problems: string[] = [];
  if (typeof raw.loadgenVersion !== "string") problems.push("loadgenVersion: must be a string");
  const input = raw.input;
  if (!isRecord(input) || typeof input.format !== "string" || typeof input.source !== "string") problems.push("input: must be {format, source} strings");
  if (raw.content !== "scenario" && raw.content !== "document") problems.push(`content: "scenario" or "document", got ${JSON.stringify(raw.content)}`);
  if (raw.options !== undefined && !isRecord(raw.options)) problems.push("options: must be an object");
  if (raw.stdlibImports !== undefined && !(Array.isArray(raw.stdlibImports) && raw.stdlibImports.every((s) => typeof s === "string"))) problems.push("stdlibImports: must be a list of strings");
  if (!isStringMap(raw.env)) problems.push("env: must map names to strings");
  if (raw.thresholds !== undefined && !(isRecord(raw.thresholds) && Object.values(raw.thresholds).every((l) => Array.isArray(l) && l.every((c) => typeof c === "string")))) {
    problems.push("thresholds: must map metric keys to lists of conditions");
  }
  if (raw.cli !== undefined && !isRecord(raw.cli)) problems.push("cli: must be an object");
  if (raw.kperf !== undefined && !isRecord(raw.kperf)) problems.push("kperf: must be an object");
  if (!Array.isArray(raw.files)) problems.push("files: must be a list");
  else {
    for (const [i, f] of raw.files.entries()) {
      if (!isRecord(f) || typeof f.path !== "string" || typeof f.bytes !== "number" || typeof f.sha256 !== "string") problems.push(`files[${i}]: must be {path, bytes, sha256}`);
      else if (pathBelowScript(f.path) !== f.path) problems.push(`files[${i}].path: ${JSON.stringify(f.path)} is not a plain relative path`);
    }
  }
  if (problems.length) throw new ArchiveError(`${ARCHIVE_META}: ${problems.join("; ")}`);
  return raw as unknown as ArchiveMeta;
}
