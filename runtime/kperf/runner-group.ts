// kperf's runner-group spec (Azure/kperf api/types/runner_group.go RunnerGroupSpec): `count` runners, each running the
// `loadProfile`, optionally placed by `nodeAffinity` and run as `serviceAccount`, owned by `ownerReference`. Every
// profile kperf ships (contrib/internal/manifests/loadprofile/*.yaml) is written this way. `loadgen run` runs the
// wrapped profile once, here, and says it ignores the runner-group fields; `loadgen rg run` runs `count` runner pods,
// each the whole profile, placed and owned as the fields say.
import { Field } from "./fields.ts";
import { readKperfProfile, type KperfProfile, type ParseProfileOptions } from "./profile.ts";

export interface RunnerGroupSpec {
  readonly count: number;
  readonly profile: KperfProfile;
  /** The runner-group fields the file sets besides loadProfile (count, nodeAffinity, …), in file order. */
  readonly groupFields: readonly string[];
  /** Label key → accepted values: the nodes runners may run on. */
  readonly nodeAffinity?: Readonly<Record<string, readonly string[]>>;
  /** Run the runners as this ServiceAccount (of the group's namespace) instead of a new one. */
  readonly serviceAccount?: string;
  /** `apiVersion:kind:name:uid`: the owner every object of the group gets. */
  readonly ownerReference?: string;
}

const GROUP_FIELDS = ["count", "nodeAffinity", "serviceAccount", "ownerReference"] as const;

/** True for a document with `count` and a `loadProfile` mapping. */
export function isRunnerGroupSpec(doc: unknown): boolean {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  return "count" in d && d.loadProfile !== null && typeof d.loadProfile === "object" && !Array.isArray(d.loadProfile);
}

/**
 * Reads a runner-group spec; problems in the profile are named below `loadProfile.`.
 * @throws {FieldProblems} listing every problem.
 */
export function parseRunnerGroupSpec(doc: unknown, o: ParseProfileOptions = {}): RunnerGroupSpec {
  const root = Field.root(doc);
  if (!root.expectMapping()) root.throwIfProblems();
  const countField = root.at("count");
  const count = countField.int();
  // kperf's Count is an int32; a group of no runners runs nothing.
  if (count <= 0 || count > 2 ** 31 - 1) countField.problem(`count requires > 0: ${count}`);
  const affinity = root.at("nodeAffinity");
  if (!affinity.missing && affinity.expectMapping()) {
    // map[string][]string: label key → accepted values.
    for (const key of affinity.keys()) {
      const values = affinity.at(key);
      if (!Array.isArray(values.value) || values.value.some((v) => typeof v !== "string")) values.problem("must be a list of label values (strings)");
    }
  }
  const account = root.at("serviceAccount");
  const serviceAccount = account.string();
  const owner = root.at("ownerReference");
  const ref = owner.string();
  // kperf splits it in at most 4 at ":" (runner/group/handler.go buildOwnerReference); the UID may hold more.
  if (!owner.missing && ref.split(":").length < 4) owner.problem(`${JSON.stringify(ref)} own reference is not apiVersion:kind:name:uid format`);
  const profile = readKperfProfile(root.at("loadProfile"), o);
  root.throwIfProblems();
  const groupFields = root.keys().filter((k) => (GROUP_FIELDS as readonly string[]).includes(k) && !root.at(k).missing);
  return {
    count,
    profile: profile!,
    groupFields,
    ...(affinity.missing ? {} : { nodeAffinity: affinity.value as Record<string, string[]> }),
    ...(account.missing || serviceAccount === "" ? {} : { serviceAccount }),
    ...(owner.missing || ref === "" ? {} : { ownerReference: ref }),
  };
}
