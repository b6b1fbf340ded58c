/** The flags of `loadgen job`, `job result` and `job delete` (flags.ts tables), and how their values read. */
import { InvalidArgumentError } from "commander";
import type { AccessRule } from "../job/job-spec.ts";
import { CLUSTER_FLAGS } from "./cluster-flags.ts";
import { durationMs, thresholdPair } from "./flag-parsers.ts";
import { defaultedFlag, negatedFlag, parsedFlag, repeatableFlag, switchFlag, textFlag, type FlagValues } from "./flags.ts";
import { EXECUTION_FLAGS } from "./run-flags.ts";

/** A Job's name: a DNS label short enough for a CronJob (whose Jobs get an 11-character suffix). */
export function jobName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError(`--name must be lower-case letters, digits and "-", at most 52, starting and ending with a letter or digit; got "${value}"`);
  }
  return value;
}

/** `cpu=100m,memory=128Mi` (or `none`): a container's requests or limits. */
export function resourceList(flag: string): (value: string) => Record<string, string> {
  return (value) => {
    if (value.trim() === "" || value.trim() === "none") return {};
    const out: Record<string, string> = {};
    for (const pair of value.split(",")) {
      const [k, v, extra] = pair.split("=").map((s) => s.trim());
      if (!k || !v || extra !== undefined || !/^[a-z][a-z0-9./-]*$/i.test(k) || !/^[0-9]+(\.[0-9]+)?([a-zA-Z]{1,2})?$/.test(v)) {
        throw new InvalidArgumentError(`${flag} expects NAME=QUANTITY[,…] such as cpu=100m,memory=128Mi (or none), got "${value}"`);
      }
      out[k] = v;
    }
    return out;
  };
}

/**
 * `--allow VERBS:RESOURCES`: `get,list,watch:pods,apps/deployments`, `*:configmaps`. A resource is `RESOURCE` (the
 * core group) or `GROUP/RESOURCE`; one rule per group.
 */
export function accessRule(value: string, previous: readonly AccessRule[]): AccessRule[] {
  const colon = value.indexOf(":");
  const verbs = value.slice(0, colon).split(",").map((s) => s.trim()).filter(Boolean);
  const resources = value.slice(colon + 1).split(",").map((s) => s.trim()).filter(Boolean);
  if (colon <= 0 || verbs.length === 0 || resources.length === 0 || !verbs.every((v) => /^([a-z]+|\*)$/.test(v)) || !resources.every((r) => /^([a-z0-9.-]+\/)?([a-z0-9/-]+|\*)$/.test(r))) {
    throw new InvalidArgumentError(`--allow expects VERBS:RESOURCES such as 'get,list,watch:pods,apps/deployments' or '*:configmaps', got "${value}"`);
  }
  const byGroup = new Map<string, string[]>();
  for (const r of resources) {
    const slash = r.indexOf("/");
    // `pods/log` is a core subresource; `apps/deployments` a group's resource: a group name has a dot or is known.
    const group = slash > 0 && (r.slice(0, slash).includes(".") || KNOWN_GROUPS.has(r.slice(0, slash))) ? r.slice(0, slash) : "";
    const resource = group ? r.slice(slash + 1) : r;
    byGroup.set(group, [...(byGroup.get(group) ?? []), resource]);
  }
  return [...previous, ...[...byGroup].map(([group, res]) => ({ apiGroups: [group], resources: res, verbs }))];
}

/** API groups without a dot in their name. */
const KNOWN_GROUPS = new Set(["apps", "batch", "policy", "autoscaling", "*"]);

/** A CronJob schedule: five fields, or one of cron's macros. The API server checks the fields themselves. */
export function cronSchedule(value: string): string {
  if (!/^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\S+(\s+\S+){4})$/.test(value.trim())) {
    throw new InvalidArgumentError(`--schedule expects a cron schedule of five fields ('*/5 * * * *') or @hourly, @daily, …; got "${value}"`);
  }
  return value.trim();
}

/** `--wait-for URL`: a service's base URL gets `/health` (NimbusGuard's probe); a URL with a path is polled as it is. */
export function healthUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--wait-for expects an http:// or https:// URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError(`--wait-for expects an http:// or https:// URL, got "${value}"`);
  if (url.pathname === "/" && url.search === "") url.pathname = "/health";
  return url.href;
}

const NAMESPACE = textFlag("-n, --namespace <namespace>", "the namespace (default: the kubeconfig context's, else default)");

export const JOB_FLAGS = {
  ...EXECUTION_FLAGS,
  threshold: repeatableFlag<Readonly<Record<string, readonly string[]>>>("--threshold <METRIC=CONDITION>", "a threshold added to the script's own (repeatable)", thresholdPair, {}),
  name: parsedFlag("--name <name>", "the Job's name, and the run id of everything it labels (default: loadgen-<scenario>-<random>)", jobName),
  namespace: NAMESPACE,
  image: textFlag("--image <image>", "the runner's image (default: loadgen's local image, loadgen.local/loadgen:<version>, built and imported into the local cluster's real node when missing)"),
  waitFor: parsedFlag("--wait-for <url>", "an init container polls this URL until it answers 2xx before the run starts (a bare http://host:port gets /health)", healthUrl),
  deadline: parsedFlag("--deadline <duration>", "the Job's activeDeadlineSeconds (default: the scenario's planned duration + setup/teardown timeouts + 2m, +5m with --wait-for; at least 5m)", durationMs("--deadline")),
  ttl: defaultedFlag("--ttl <duration>", "ttlSecondsAfterFinished: the Job, its pod (and result) and its objects are removed this long after it ends", durationMs("--ttl"), 3_600_000, { defaultText: "1h" }),
  schedule: parsedFlag("--schedule <cron>", "a CronJob (concurrencyPolicy: Forbid) on this schedule instead of one Job", cronSchedule),
  requests: defaultedFlag("--requests <list>", "the runner's resource requests", resourceList("--requests"), { cpu: "100m", memory: "128Mi" }, { defaultText: "cpu=100m,memory=128Mi" }),
  limits: defaultedFlag("--limits <list>", "the runner's resource limits (none: no limits)", resourceList("--limits"), { memory: "1Gi" }, { defaultText: "memory=1Gi" }),
  allow: repeatableFlag<readonly AccessRule[]>("--allow <VERBS:RESOURCES>", "what the runner may do in its namespace, for a scenario that imports loadgen/k8s (repeatable; default: get,list,watch of pods, configmaps, services, deployments, jobs, VMIs…, never secrets)", accessRule, []),
  placement: defaultedFlag("--placement <where>", "real-node: the local cluster's real node (host network, its taint); cluster: where the scheduler puts it; auto: real-node on the local cluster", undefined, "auto", { choices: ["auto", "real-node", "cluster"] }),
  follow: switchFlag("-f, --follow", "stream the pod's logs (init containers, then the run) through the API server"),
  wait: negatedFlag("--no-wait", "return once the Job is created (the default waits for it and exits with the run's exit code)"),
  dryRun: switchFlag("--dry-run", "print the manifests instead of applying them (nothing is contacted)"),
  output: defaultedFlag("-o, --output <format>", "with --dry-run: yaml (multi-document) or json (a v1 List)", undefined, "yaml", { choices: ["yaml", "json"] }),
  ...CLUSTER_FLAGS,
};
export type JobFlags = FlagValues<typeof JOB_FLAGS>;

export const JOB_RESULT_FLAGS = { namespace: NAMESPACE, ...CLUSTER_FLAGS };
export type JobResultFlags = FlagValues<typeof JOB_RESULT_FLAGS>;

export const JOB_DELETE_FLAGS = {
  selector: textFlag("-l, --selector <selector>", "delete every job whose objects match this label selector (e.g. load-test=heavy), instead of one by name"),
  namespace: NAMESPACE,
  timeout: defaultedFlag("--timeout <duration>", "how long to wait for the objects to be gone", durationMs("--timeout"), 2 * 60_000, { defaultText: "2m" }),
  ...CLUSTER_FLAGS,
};
export type JobDeleteFlags = FlagValues<typeof JOB_DELETE_FLAGS>;
