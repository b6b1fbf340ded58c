// Every input format `loadgen run FILE` takes, in the order they are tried: the file is read once (a YAML file parsed
// once; a loadgen archive recognised by its first bytes and read; a script is left to the bundler), given to the first
// format that detects it, validated, and prepared as a Run. A file no format takes gets a message that lists them all.
// An archive of a document (a kperf profile) is unwrapped first and runs by the document's own format.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { ArchiveError, readArchiveFile } from "../archive/read-archive.ts";
import { InvalidOptionsError } from "../errors.ts";
import type { Run } from "../execution/run.ts";
import type { KperfOverrides } from "../kperf/profile.ts";
import type { InputFile, InputFormat, RunRequest } from "./format.ts";
import { kperfProfile } from "./kperf-profile.ts";
import { kperfRunnerGroup } from "./kperf-runner-group.ts";
import { kubevirtWorkload } from "./kubevirt-workload.ts";
import { kubevirtWorkloadLegacy } from "./kubevirt-workload-legacy.ts";
import { archivedDocument, archivedRequest, loadgenArchive, versionNotice } from "./loadgen-archive.ts";
import { typescriptScenario } from "./typescript-scenario.ts";

/**
 * Tried in this order: an archive before a script (an archive may have any name). The YAML formats' marks do not
 * overlap for any file of theirs; for a file that carries the marks of two, the KubeVirt formats come first, as they
 * always did.
 */
export const INPUT_FORMATS: readonly InputFormat[] = [loadgenArchive, typescriptScenario, kubevirtWorkloadLegacy, kubevirtWorkload, kperfProfile, kperfRunnerGroup] as InputFormat[];

/** Every format `loadgen run` takes, with how it is recognised (the message for a file that is none of them). */
export const KNOWN_FORMATS: readonly string[] = INPUT_FORMATS.map((f) => f.description);

/** The file named .yaml or .yml is YAML; anything else is a script, as it always was. */
const YAML_NAME = /\.ya?ml$/i;

/**
 * Reads `file` once: a YAML file is read and parsed; an archive is read and checked; a script is not read here (the
 * bundler reads it and its imports).
 * @throws {InvalidOptionsError} naming the file when it cannot be read, its YAML does not parse, or it is a tar that is
 * not a usable loadgen archive.
 */
export function readInput(file: string): InputFile {
  if (!YAML_NAME.test(file)) {
    try {
      const archive = readArchiveFile(file);
      return { path: file, yaml: false, document: undefined, ...(archive ? { archive } : {}) };
    } catch (e) {
      if (e instanceof ArchiveError) throw new InvalidOptionsError([e.message], file);
      throw e;
    }
  }
  try {
    return { path: file, yaml: true, document: yaml.load(readFileSync(file, "utf8")) };
  } catch (e) {
    throw new InvalidOptionsError([(e as Error).message.split("\n")[0]!], file);
  }
}

/**
 * The format of `input`.
 * @throws {InvalidOptionsError} listing every format loadgen runs, for a file that is none of them.
 */
export function formatOf(input: InputFile): InputFormat {
  const format = INPUT_FORMATS.find((f) => f.detect(input));
  if (format === undefined) {
    throw new InvalidOptionsError([`not a format loadgen runs; loadgen run takes:\n      ${KNOWN_FORMATS.join("\n      ")}`], input.path);
  }
  return format;
}

/** `kperf runner run`'s flag for each override. */
const KPERF_FLAG: Readonly<Record<keyof KperfOverrides, string>> = {
  rate: "--rate",
  total: "--total",
  duration: "--duration",
  conns: "--conns",
  client: "--client",
  contentType: "--content-type",
  disableHTTP2: "--disable-http2",
  maxRetries: "--max-retries",
};

/** Names the kperf flags a request sets, for a format that takes none. */
export function kperfFlagsSet(request: RunRequest): string[] {
  const overrides = request.kperf?.overrides ?? {};
  const set = (Object.keys(KPERF_FLAG) as Array<keyof KperfOverrides>).filter((k) => overrides[k] !== undefined).map((k) => KPERF_FLAG[k]);
  if (request.kperf?.rawData) set.push("--raw-data");
  return set;
}

/**
 * Reads, detects, validates and prepares `file` as a run; nothing is measured until the run executes.
 * @throws {InvalidOptionsError} for a file of no known format, a file its format refuses, or flags that do not apply to it.
 */
export async function prepareInput(file: string, given: RunRequest): Promise<Run> {
  let input = readInput(file);
  let request = given;
  if (input.archive?.meta.content === "document") {
    const notice = versionNotice(input.archive, file);
    if (notice) request.log(notice);
    request = archivedRequest(input.archive, given);
    input = archivedDocument(input.archive, file);
  }
  const format = formatOf(input);
  const kind = format.description.split(":")[0];
  const problems = (format.takesKperfFlags ? [] : kperfFlagsSet(request)).map((f) => `${f}: applies to kperf load profiles and runner-group specs; this file is a ${kind}`);
  if (!format.runsScenarios) {
    if (request.cli.executionSegment !== undefined) problems.push(`--execution-segment: applies to scenarios; this file is a ${kind}`);
    if (request.cli.executionSegmentSequence !== undefined) problems.push(`--execution-segment-sequence: applies to scenarios; this file is a ${kind}`);
  }
  if (!format.takesWorkers && request.workers !== undefined) problems.push(`--workers: applies to TypeScript/JavaScript scenarios; this file is a ${kind}`);
  if (request.workers !== undefined && (request.cli.executionSegment !== undefined || request.cli.executionSegmentSequence !== undefined)) {
    problems.push("--execution-segment: --workers splits the run into execution segments of its own; use one or the other");
  }
  if (problems.length) throw new InvalidOptionsError(problems, file);
  return format.prepare(format.validate(input, request), input, request);
}
