// The scenario generated for a workload file stands in for that file: the user wrote workload.yaml, so every message
// of the run (the "run <id>: <file>" line, errors, script error locations) must name workload.yaml, never the
// temporary folder the generated TypeScript lives in.
//
// Locations come from the bundle's source map (runtime/bundle/source-map.ts), and esbuild follows a source map that
// an input file carries: the generated file ends with an inline map that sends every one of its lines to the start
// of the workload file, so `file:line:col` of an iteration error, an init or setup failure reads
// `workload.yaml:1:1` without the bundler or the stack mapper knowing about workloads. Messages built from the
// entry path itself (options errors of prepareRun) are renamed by {@link nameWorkloadFile}.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { displayPath } from "../bundle/display-path.ts";

/**
 * Generated-scenario code: `workloadError(e, what)` is `e` (a failed stdlib call, say) with `what` in front of its
 * message, thrown from the generated code. A stdlib call's own error only has the stdlib's frame, which is not a
 * location of the scenario; this one's frame is, so the run names the workload file as the error's location.
 */
export const WORKLOAD_ERROR_JS = `
/** What was being done, in front of the error's message; thrown from here so that its location is the workload file. */
function workloadError(e, what) {
  const failed = e !== null && typeof e === "object" && typeof e.message === "string";
  const err = new Error(what + ": " + (failed ? e.message : String(e)));
  if (failed) {
    if (typeof e.name === "string") err.name = e.name;
    for (const k of ["code", "status"]) if (e[k] !== undefined) err[k] = e[k];
  }
  return err;
}
`;

/** A generated scenario and the workload file it runs. */
export interface WorkloadScript {
  /** The generated scenario: what to bundle and run. */
  readonly script: string;
  /** The workload file as the user should see it (relative to the working directory when below it). */
  readonly displayName: string;
}

/** Writes `code` as the scenario for `workloadFile`, named `name`.ts in a fresh temporary folder. */
export function writeWorkloadScript(workloadFile: string, name: string, code: string): WorkloadScript {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-kubevirt-workload-"));
  const script = path.join(dir, `${name}.ts`);
  const lines = code.split("\n").length + 1;
  // Source map v3: one segment per generated line, [column 0, source 0, line delta 0, column delta 0] = "AAAA".
  const map = { version: 3, sources: [pathToFileURL(path.resolve(workloadFile)).href], names: [], mappings: Array(lines).fill("AAAA").join(";") };
  writeFileSync(script, `${code.endsWith("\n") ? code : code + "\n"}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`);
  return { script, displayName: displayPath(workloadFile) };
}

/**
 * `error` with the generated scenario's path (as displayed, or absolute) replaced by the workload file's, for the
 * messages that are built from the bundle's entry path rather than from source-mapped locations.
 */
export function nameWorkloadFile(error: unknown, w: WorkloadScript | undefined): unknown {
  if (w === undefined || !(error instanceof Error)) return error;
  // Longest first: the relative form (../../tmp/…) contains the absolute one.
  const generated = [displayPath(w.script), path.resolve(w.script), path.relative(process.cwd(), w.script)].sort((a, b) => b.length - a.length);
  let message = error.message;
  for (const g of generated) if (g) message = message.split(g).join(w.displayName);
  if (message !== error.message) error.message = message;
  return error;
}
