// A bundle's source map names its sources relative to the folder loadgen ran in, and the stdlib shims by where this
// loadgen is installed: neither exists where an archive runs. In the archive a scenario source is named as the user
// saw it when the archive was made (`scenarios/x.ts`), a stdlib shim as `loadgen-stdlib:<path below stdlib/>`; a run
// maps them back, so a stack trace reads `scenarios/x.ts:12:5` on any machine and the stdlib frames are still known
// as the stdlib's.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { displayPath } from "../bundle/display-path.ts";

const STDLIB = "loadgen-stdlib:";

interface SourceMapJson {
  sources?: string[];
  sourceRoot?: string;
  [key: string]: unknown;
}

/** The map of a bundle made in `sourceRoot`, with archive-portable source names. */
export function portableSourceMap(mapJson: string, sourceRoot: string, stdlibDir: string): string {
  const map = JSON.parse(mapJson) as SourceMapJson;
  const stdlib = path.resolve(stdlibDir) + path.sep;
  map.sources = (map.sources ?? []).map((s) => {
    const abs = s.startsWith("file://") ? fileURLToPath(s) : path.resolve(sourceRoot, map.sourceRoot ?? "", s);
    return abs.startsWith(stdlib) ? STDLIB + abs.slice(stdlib.length).split(path.sep).join("/") : displayPath(abs);
  });
  delete map.sourceRoot;
  return JSON.stringify(map);
}

/** An archive's map for a run in the working directory: stdlib shims under this loadgen's `stdlibDir`. */
export function localSourceMap(mapJson: string, stdlibDir: string): string {
  const map = JSON.parse(mapJson) as SourceMapJson;
  map.sources = (map.sources ?? []).map((s) => (s.startsWith(STDLIB) ? pathToFileURL(path.join(stdlibDir, s.slice(STDLIB.length))).href : s));
  return JSON.stringify(map);
}
