/**
 * A loadgen archive (`loadgen archive SCENARIO -o FILE.tar`): one tar that runs anywhere with no source tree, as k6's
 * archives do. It holds, in this order:
 *
 * - `loadgen-archive.json` first (so a reader knows the file from its first 512 bytes): {@link ArchiveMeta};
 * - for a scenario (a script, or a KubeVirt workload's generated one): `scenario.bundle.js`, the bundled code, and
 *   `scenario.bundle.js.map`, its source map with portable paths (archive-source-map.ts); `files/<path>` for every file
 *   the init code open()ed, by its path below the script's folder;
 * - for a document that runs without VUs (a kperf profile or runner-group spec): `input.yaml`, the file as it was.
 *
 * Layer: runtime/archive may import runtime/bundle (paths), runtime/image's tar reader and writer, and Node; never
 * the formats, the execution layer or the CLI, which build on it (runtime/formats/loadgen-archive.ts).
 */

export const ARCHIVE_META = "loadgen-archive.json";
export const ARCHIVE_VERSION = 1;
export const BUNDLE_ENTRY = "scenario.bundle.js";
export const SOURCE_MAP_ENTRY = "scenario.bundle.js.map";
export const DOCUMENT_ENTRY = "input.yaml";
export const FILES_DIR = "files/";

/** What `loadgen-archive.json` says. */
export interface ArchiveMeta {
  /** Always "loadgen-archive": what a reader checks before anything else. */
  readonly kind: "loadgen-archive";
  readonly version: number;
  /** The loadgen that made it (a run by another version says so: the guest shims in the bundle are that version's). */
  readonly loadgenVersion: string;
  /** The input it was made from: its format (runtime/formats) and the file as the user saw it. */
  readonly input: { readonly format: string; readonly source: string };
  /** A bundled scenario, or a document run as it is. */
  readonly content: "scenario" | "document";
  /** A scenario's options, resolved when the archive was made (-u/-d/-i applied): the options it runs with. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The stdlib modules the scenario imports (the run opens those). */
  readonly stdlibImports?: readonly string[];
  /** `-e` values given when it was made; a run's own `-e` override them. Never the machine's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** `--threshold` conditions given when it was made, added to a run's own. */
  readonly thresholds?: Readonly<Record<string, readonly string[]>>;
  /** For a document: `-d` and kperf's flags given when it was made; a run's own replace them one by one. */
  readonly cli?: { readonly duration?: string; readonly vus?: number; readonly iterations?: number };
  readonly kperf?: { readonly overrides?: Readonly<Record<string, unknown>>; readonly rawData?: boolean };
  /** The files `files/…` holds, with their sizes and SHA-256 digests (checked when read). */
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number; readonly sha256: string }>;
}

/** An archive in memory. */
export interface Archive {
  readonly meta: ArchiveMeta;
  /** A scenario's code and portable source map. */
  readonly bundle?: { readonly code: string; readonly sourceMap: string };
  /** A document's text. */
  readonly document?: string;
  /** The files open() may read, by their path below the script's folder. */
  readonly files: ReadonlyMap<string, Buffer>;
}
