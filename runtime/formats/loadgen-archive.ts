// A loadgen archive (runtime/archive), recognised by its content whatever the file is called: a scenario archive runs
// its bundle with its files and options, exactly as the scenario it was made from, on a machine with no source tree;
// open() reads only the archive's files. A document archive (a kperf profile) is unwrapped by the registry and run by
// its own format. Either way the archive's -e values and flags are the defaults a run's own replace.
import path from "node:path";
import yaml from "js-yaml";
import type { Archive, ArchiveMeta } from "../archive/archive.ts";
import { localSourceMap } from "../archive/archive-source-map.ts";
import { BUNDLE_NAME, type ScenarioBundle } from "../bundle/bundle.ts";
import { displayPath } from "../bundle/display-path.ts";
import { ArchivedFiles } from "../bundle/script-files.ts";
import { InvalidOptionsError } from "../errors.ts";
import { prepareRun, type PrebuiltScenario, type PreparedRun, type PrepareOptions } from "../execution/prepare-run.ts";
import { loadgenVersion } from "../util/package-version.ts";
import { stdlibModules } from "../../stdlib/modules.ts";
import { stdlibPath } from "../../stdlib/stdlib-path.ts";
import type { InputFile, InputFormat, RunRequest } from "./format.ts";
import { prepareScenarioRun } from "./typescript-scenario.ts";

/** `o` without its undefined values (flags not given), so that they do not replace the archive's. */
function given<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Conditions of `a` and `b` by metric key, `a`'s first. */
function mergeThresholds(a: ArchiveMeta["thresholds"], b: RunRequest["thresholds"]): RunRequest["thresholds"] {
  if (a === undefined) return b;
  const out: Record<string, readonly string[]> = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = [...(out[k] ?? []), ...v];
  return out;
}

/**
 * The request a run of `archive` runs with: the archive's -e values under the run's own, its --threshold conditions
 * beside the run's; for a document, its -d and kperf flags where the run gives none.
 */
export function archivedRequest(archive: Archive, request: RunRequest): RunRequest {
  const meta = archive.meta;
  const kperf = meta.kperf === undefined && request.kperf === undefined ? undefined : {
    overrides: { ...given(meta.kperf?.overrides), ...given(request.kperf?.overrides) },
    rawData: request.kperf?.rawData || meta.kperf?.rawData,
  };
  return {
    ...request,
    env: { ...meta.env, ...request.env },
    thresholds: mergeThresholds(meta.thresholds, request.thresholds),
    cli: meta.content === "document" ? { ...given(meta.cli), ...given(request.cli) } : request.cli,
    ...(kperf ? { kperf } : {}),
  };
}

/** The archive's document as the input it was made from (named as then), for the registry to run by its format. */
export function archivedDocument(archive: Archive, file: string): InputFile {
  return { path: `${archive.meta.input.source} (in ${displayPath(file)})`, yaml: true, document: archive.document === undefined ? undefined : parseYaml(archive.document, file) };
}

function parseYaml(text: string, file: string): unknown {
  try {
    return yaml.load(text);
  } catch (e) {
    throw new InvalidOptionsError([`its document does not parse: ${(e as Error).message.split("\n")[0]}`], file);
  }
}

/**
 * The archive's scenario as a bundle ready to run here: its code, its source map with this loadgen's stdlib, and its
 * files as the only ones open() can read.
 * @throws {InvalidOptionsError} when the scenario imports a stdlib module this loadgen does not have.
 */
export function prebuiltScenario(archive: Archive, file: string): PrebuiltScenario {
  const meta = archive.meta;
  const known = new Set(stdlibModules.map((m) => m.specifier));
  const unknown = (meta.stdlibImports ?? []).filter((s) => !known.has(s));
  if (unknown.length) {
    throw new InvalidOptionsError(unknown.map((s) => `the scenario imports "${s}", which this loadgen (${loadgenVersion()}) does not have; the archive was made by loadgen ${meta.loadgenVersion}`), displayPath(file));
  }
  const entryPath = path.resolve(meta.input.source);
  const bundle: ScenarioBundle = {
    entryPath,
    scriptDir: path.dirname(entryPath),
    code: archive.bundle!.code,
    sourceMap: localSourceMap(archive.bundle!.sourceMap, stdlibPath("")),
    moduleName: BUNDLE_NAME,
    sourceRoot: process.cwd(),
    stdlibImports: new Set(meta.stdlibImports ?? []),
  };
  return { bundle, files: new ArchivedFiles(archive.files, displayPath(file)), options: meta.options };
}

/** A line for a run of an archive another loadgen made (its guest shims are that loadgen's). */
export function versionNotice(archive: Archive, file: string): string | undefined {
  const made = archive.meta.loadgenVersion;
  return made === loadgenVersion() ? undefined : `WARN  ${displayPath(file)} was made by loadgen ${made}; this is loadgen ${loadgenVersion()}`;
}

/**
 * The run of an archive's scenario as `loadgen run FILE.tar` prepares it, for the runners of a group (local workers,
 * runner pods): the archive's -e values under `o.env`, its --threshold conditions beside `o.thresholds`.
 */
export function prepareArchivedScenario(archive: Archive, file: string, o: Omit<PrepareOptions, "scriptPath" | "prebuilt">): Promise<PreparedRun> {
  const request = archivedRequest(archive, { cli: o.cli, env: o.env, cluster: o.cluster ?? {}, thresholds: o.thresholds, runId: o.runId ?? "", log: o.log });
  return prepareRun({ ...o, scriptPath: archive.meta.input.source, prebuilt: prebuiltScenario(archive, file), cli: request.cli, env: request.env, thresholds: request.thresholds });
}

export const loadgenArchive: InputFormat<Archive> = {
  name: "loadgen-archive",
  description: "loadgen archive: made by `loadgen archive` (a tar, or a gzipped one, whose first entry is loadgen-archive.json)",
  runsScenarios: true,
  // Each worker reads the archive itself (runner-command.ts), as the coordinator does.
  takesWorkers: true,
  detect: (input) => input.archive?.meta.content === "scenario",
  validate: (input, request) => {
    if (request.delete) {
      throw new InvalidOptionsError([`--delete: an archive runs as it was made; archive a KubeVirt workload with \`loadgen archive --delete\` to delete it`], input.path);
    }
    return input.archive!;
  },
  prepare: (archive, input, request) => {
    const notice = versionNotice(archive, input.path);
    if (notice) request.log(notice);
    const source = archive.meta.input.source;
    return prepareScenarioRun(source, archivedRequest(archive, request), {
      format: archive.meta.input.format,
      source,
      prebuilt: prebuiltScenario(archive, input.path),
      title: `${source} (archive ${displayPath(input.path)})`,
      workerScript: input.path,
    });
  },
};
