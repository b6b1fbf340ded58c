// kperf's runner-group spec (`count` + `loadProfile`; runtime/kperf/runner-group.ts), the form of every profile kperf
// ships: `loadgen run` runs its loadProfile once, from here, whatever `count` says, and says it ignores the runner-group
// fields; `loadgen rg run` runs the spec as kperf does (runtime/group/pod-group-run.ts).
import { isRunnerGroupSpec, parseRunnerGroupSpec, type RunnerGroupSpec } from "../kperf/runner-group.ts";
import type { Archive } from "../archive/archive.ts";
import { InvalidOptionsError } from "../errors.ts";
import type { KperfProfile } from "../kperf/profile.ts";
import type { InputFormat, RunRequest } from "./format.ts";
import { kperfOverrides, kperfProfile, parsedKperf, prepareProfileRun } from "./kperf-profile.ts";
import { archivedDocument, archivedRequest } from "./loadgen-archive.ts";

/** The line that says which fields of the file loadgen run leaves to runner groups. */
function ignoredFields(group: RunnerGroupSpec): string {
  const fields = group.groupFields.map((k) => (k === "count" ? `count (${group.count})` : k)).join(", ");
  const one = group.groupFields.length === 1;
  return `kperf: runner-group spec: ${fields} ${one ? "applies" : "apply"} to runner groups (\`loadgen rg run\` runs the spec on runner pods) and ${one ? "is" : "are"} ignored by loadgen run: its loadProfile runs once, from here`;
}

export const kperfRunnerGroup: InputFormat<RunnerGroupSpec> = {
  name: "kperf-runner-group",
  description: "kperf runner-group spec: count and loadProfile",
  takesKperfFlags: true,
  archiveAs: () => "document",
  detect: (input) => input.yaml && isRunnerGroupSpec(input.document),
  validate: (input, request) => parsedKperf(input.path, () => parseRunnerGroupSpec(input.document, { overrides: kperfOverrides(input, request) })),
  prepare: (group, input, request) => prepareProfileRun(group.profile, input, request, "kperf-runner-group", [ignoredFields(group)]),
};

/**
 * The kperf profile a document archive holds (`loadgen rg run` puts one in a group's payload): a load profile, or the
 * one a runner-group spec wraps, with the spec itself when it is one (its count, nodeAffinity…). The archive's
 * kperf flags apply under the request's, as in `loadgen run FILE.tar`.
 * @throws {InvalidOptionsError} when the archive holds no kperf document, or one with problems.
 */
export function archivedKperfProfile(archive: Archive, file: string, request: RunRequest): { profile: KperfProfile; group?: RunnerGroupSpec } {
  const input = archivedDocument(archive, file);
  const archived = archivedRequest(archive, request);
  if (kperfRunnerGroup.detect(input)) {
    const group = kperfRunnerGroup.validate(input, archived) as RunnerGroupSpec;
    return { profile: group.profile, group };
  }
  if (kperfProfile.detect(input)) return { profile: kperfProfile.validate(input, archived) as KperfProfile };
  throw new InvalidOptionsError([`the archive holds a ${archive.meta.input.format} document, not a kperf load profile or runner-group spec`], input.path);
}
