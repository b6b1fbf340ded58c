// `loadgen archive`'s work: any input loadgen runs, made into an archive (runtime/archive). A scenario (a script, or
// the one a KubeVirt workload becomes) is bundled and its init code run once, as k6 does, to resolve its options
// (with -u/-d/-i) and to record every file it open()s; a kperf profile is kept as the document it is, with the flags
// given. Nothing else of the machine goes in: -e values yes, the environment never.
import { readFileSync } from "node:fs";
import { ARCHIVE_VERSION, type Archive } from "../archive/archive.ts";
import { portableSourceMap } from "../archive/archive-source-map.ts";
import { displayPath } from "../bundle/display-path.ts";
import type { ScenarioConfig } from "../config/scenario-config.ts";
import { filesManifest } from "../archive/write-archive.ts";
import { InvalidOptionsError } from "../errors.ts";
import { prepareRun } from "../execution/prepare-run.ts";
import { loadgenVersion } from "../util/package-version.ts";
import { stdlibPath } from "../../stdlib/stdlib-path.ts";
import type { RunRequest } from "./format.ts";
import { formatOf, readInput } from "./registry.ts";

/** The archive of `file` with the request's flags, nothing run but the init code (once). */
export interface ArchivedInput {
  readonly archive: Archive;
  /** The stdlib modules the scenario imports (empty for a document): what a pod running it needs from the cluster. */
  readonly stdlibImports: ReadonlySet<string>;
  /** For a scenario: its resolved scenarios and setup/teardown timeouts (what a Job's deadline must cover). */
  readonly plan?: { readonly scenarios: readonly ScenarioConfig[]; readonly setupTimeoutMs: number; readonly teardownTimeoutMs: number };
}

/**
 * Makes the archive of `file`.
 * @throws {InvalidOptionsError} for a file that is an archive already or of a format that cannot be archived, and as
 * `loadgen run` would for the file (it does not bundle, its options do not validate, its init code fails: ScriptError).
 */
export async function archiveInput(file: string, request: RunRequest): Promise<ArchivedInput> {
  const input = readInput(file);
  if (input.archive !== undefined) throw new InvalidOptionsError(["is a loadgen archive already (run it, or archive the scenario it was made from)"], file);
  const format = formatOf(input);
  const validated = format.validate(input, request);
  const how = format.archiveAs?.(validated, input, request);
  if (how === undefined) throw new InvalidOptionsError([`a ${format.description.split(":")[0]} cannot be archived`], file);
  const common = { kind: "loadgen-archive" as const, version: ARCHIVE_VERSION, loadgenVersion: loadgenVersion(), env: { ...request.env }, ...(request.thresholds ? { thresholds: request.thresholds } : {}) };
  if (how === "document") {
    const { vus, duration, iterations } = request.cli;
    const cli = Object.fromEntries(Object.entries({ vus, duration, iterations }).filter(([, v]) => v !== undefined));
    const overrides = Object.fromEntries(Object.entries(request.kperf?.overrides ?? {}).filter(([, v]) => v !== undefined));
    return {
      archive: {
        meta: {
          ...common,
          input: { format: format.name, source: displayPath(file) },
          content: "document",
          ...(Object.keys(cli).length ? { cli } : {}),
          ...(Object.keys(overrides).length || request.kperf?.rawData ? { kperf: { overrides, ...(request.kperf?.rawData ? { rawData: true } : {}) } } : {}),
          files: [],
        },
        document: readFileSync(file, "utf8"),
        files: new Map(),
      },
      stdlibImports: new Set(),
    };
  }
  const prepared = await prepareRun({
    scriptPath: how.script,
    cli: request.cli,
    env: request.env,
    log: request.log,
    thresholds: request.thresholds,
    runId: request.runId,
    connectCluster: false,
  });
  const files = new Map(prepared.scriptFiles.opened());
  const stdlibImports = [...prepared.bundle.stdlibImports].sort();
  return {
    archive: {
      meta: {
        ...common,
        input: { format: format.name, source: how.source },
        content: "scenario",
        options: prepared.options.raw,
        stdlibImports,
        files: filesManifest(files),
      },
      bundle: { code: prepared.bundle.code, sourceMap: portableSourceMap(prepared.bundle.sourceMap, prepared.bundle.sourceRoot, stdlibPath("")) },
      files,
    },
    stdlibImports: new Set(stdlibImports),
    plan: { scenarios: prepared.options.scenarios, setupTimeoutMs: prepared.options.setupTimeoutMs, teardownTimeoutMs: prepared.options.teardownTimeoutMs },
  };
}
