// kperf's runner-group spec (`count` + `loadProfile`; runtime/kperf/runner-group.ts), the form of every profile kperf
// ships: its loadProfile runs once, from here, whatever `count` says; the runner-group fields are said to be ignored.
import { isRunnerGroupSpec, parseRunnerGroupSpec, type RunnerGroupSpec } from "../kperf/runner-group.ts";
import type { InputFormat } from "./format.ts";
import { kperfOverrides, parsedKperf, prepareProfileRun } from "./kperf-profile.ts";

/** The line that says which fields of the file loadgen run leaves to runner groups. */
function ignoredFields(group: RunnerGroupSpec): string {
  const fields = group.groupFields.map((k) => (k === "count" ? `count (${group.count})` : k)).join(", ");
  const one = group.groupFields.length === 1;
  return `kperf: runner-group spec: ${fields} ${one ? "applies" : "apply"} to runner groups (loadgen rg run, coming) and ${one ? "is" : "are"} ignored by loadgen run: its loadProfile runs once, from here`;
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
