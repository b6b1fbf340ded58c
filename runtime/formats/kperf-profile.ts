// A kperf load profile (`version: 1` with `spec` or `specs`; runtime/kperf/profile.ts), with `kperf runner run`'s
// flags replacing the first spec's values as kperf's do. Run on the kperf runner through the run's engine
// (runtime/kperf/kperf-run.ts). kperf-runner-group.ts reads the same profile wrapped in a runner-group spec.
import { InvalidOptionsError } from "../errors.ts";
import { prepareKperfRun } from "../kperf/kperf-run.ts";
import { FieldProblems } from "../kperf/fields.ts";
import { isKperfProfile, parseKperfProfile, type KperfOverrides, type KperfProfile } from "../kperf/profile.ts";
import { parseDuration } from "../metrics/duration.ts";
import type { Run } from "../execution/run.ts";
import type { InputFile, InputFormat, RunRequest } from "./format.ts";

/** Parses with `parse`, turning field problems into the CLI's invalid-options error for `file`. */
export function parsedKperf<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof FieldProblems) throw new InvalidOptionsError(e.problems, file);
    throw e;
  }
}

/**
 * The kperf flags of a request as kperf's overrides. `-d/--duration` is kperf's `--duration`: a whole number of
 * seconds as kperf takes it, or a duration such as `90s`. `-u` and `-i` mean nothing to a profile: said, not silently
 * dropped.
 * @throws {InvalidOptionsError} for a duration that does not read.
 */
export function kperfOverrides(input: InputFile, request: RunRequest): KperfOverrides {
  const overrides = { ...request.kperf?.overrides };
  const { vus, duration, iterations } = request.cli;
  if (duration !== undefined) {
    try {
      overrides.duration = /^\d+$/.test(duration.trim()) ? Number(duration) : parseDuration(duration, "--duration") / 1000;
    } catch (e) {
      throw new InvalidOptionsError([(e as Error).message], input.path);
    }
  }
  if (vus !== undefined) request.log("WARN  --vus applies to scenarios; a kperf profile sets its clients with --client");
  if (iterations !== undefined) request.log("WARN  --iterations applies to scenarios; a kperf profile sets its requests with --total");
  return overrides;
}

/** The run of a profile, whichever file it came in. */
export function prepareProfileRun(profile: KperfProfile, input: InputFile, request: RunRequest, format: string, notices: readonly string[] = []): Promise<Run> {
  return prepareKperfRun(profile, {
    file: input.path,
    format,
    runId: request.runId,
    cluster: request.cluster,
    log: request.log,
    thresholds: request.thresholds,
    rawData: request.kperf?.rawData,
    notices,
  });
}

export const kperfProfile: InputFormat<KperfProfile> = {
  name: "kperf-profile",
  description: "kperf load profile: version: 1 with spec or specs",
  takesKperfFlags: true,
  archiveAs: () => "document",
  detect: (input) => input.yaml && isKperfProfile(input.document),
  validate: (input, request) => parsedKperf(input.path, () => parseKperfProfile(input.document, { overrides: kperfOverrides(input, request) })),
  prepare: (profile, input, request) => prepareProfileRun(profile, input, request, "kperf-profile"),
};
