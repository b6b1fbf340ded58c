// `loadgen run FILE.yaml`: YAML inputs are dispatched by their content, not their name. A kperf load profile
// (`version: 1` with `spec`/`specs`) runs on the kperf runner, and so does the profile a kperf runner-group spec
// (`count` + `loadProfile`) wraps: once, here, whatever `count` says. KubeVirt perfscale workloads are recognised
// earlier, by the CLI (stdlib/kubevirt/workload.ts); KNOWN_FORMATS lists all of them for the message about a file
// that is none.
import { readFileSync } from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { InvalidOptionsError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import { buildSummary, type Summary } from "../output/summary/build-summary.ts";
import { apiserverReport, scrapeRequestTotals } from "../kube/apiserver-metrics.ts";
import { KubeClient } from "../kube/client.ts";
import { requireClusterAccess, resolveClusterAccess } from "../execution/resolve-cluster-access.ts";
import { DEFAULT_K8S_OPTIONS } from "../kube/k8s-options.ts";
import { registerK8sMetrics } from "../kube/recorder.ts";
import type { ClusterFlags } from "../kube/cluster-access.ts";
import { FieldProblems } from "./fields.ts";
import { isKperfProfile, parseKperfProfile, type KperfOverrides, type KperfProfile, type KperfSpec } from "./profile.ts";
import { kperfResult } from "./result.ts";
import { isRunnerGroupSpec, parseRunnerGroupSpec } from "./runner-group.ts";
import { runSpec, type SpecOutcome } from "./runner.ts";
import { requestCount } from "./time-series.ts";

export interface YamlRunOptions {
  readonly cluster: ClusterFlags;
  readonly runId: string;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  /** Replace the first spec's values, as `kperf runner run --rate/--total/…` do. */
  readonly overrides?: KperfOverrides;
  /** Add kperf's raw data to the result (`latenciesByURL`, `errors`), as `kperf runner run --raw-data` does. */
  readonly rawData?: boolean;
}

export interface YamlRunResult {
  readonly exitCode: number;
  readonly summary: Summary;
  /** kperf's result JSON. */
  readonly kperf: object;
}

/** A YAML format loadgen runs: recognised by content. */
interface YamlFormat {
  readonly name: string;
  matches(doc: unknown): boolean;
  run(doc: unknown, file: string, o: YamlRunOptions): Promise<YamlRunResult>;
}

const yamlFormats: readonly YamlFormat[] = [
  { name: "kperf load profile", matches: isKperfProfile, run: runKperfProfile },
  { name: "kperf runner-group spec", matches: isRunnerGroupSpec, run: runRunnerGroupSpec },
];

/** Every format `loadgen run` takes, with how it is recognised (the message for a file that is none of them). */
export const KNOWN_FORMATS: readonly string[] = [
  "TypeScript/JavaScript scenario: a .ts or .js file",
  "kperf load profile: version: 1 with spec or specs",
  "kperf runner-group spec: count and loadProfile",
  "KubeVirt perfscale workload: name, object.templateFile and count or type",
  "KubeVirt perfscale workload, older format: globalConfig and workloads[]",
];

/**
 * Runs a YAML file in the format its content says.
 * @throws {InvalidOptionsError} for YAML that does not parse, an unknown format, or a profile kperf would reject (every
 * problem, each with its field path).
 */
export async function runYamlFile(file: string, o: YamlRunOptions): Promise<YamlRunResult> {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidOptionsError([(e as Error).message.split("\n")[0]!], file);
  }
  const format = yamlFormats.find((f) => f.matches(doc));
  if (format === undefined) {
    throw new InvalidOptionsError([`not a format loadgen runs; loadgen run takes:\n      ${KNOWN_FORMATS.join("\n      ")}`], file);
  }
  return format.run(doc, file, o);
}

/** Parses with `parse`, turning field problems into the CLI's invalid-options error for `file`. */
function parsed<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof FieldProblems) throw new InvalidOptionsError(e.problems, file);
    throw e;
  }
}

async function runKperfProfile(doc: unknown, file: string, o: YamlRunOptions): Promise<YamlRunResult> {
  return runProfile(parsed(file, () => parseKperfProfile(doc, { overrides: o.overrides })), file, o);
}

async function runRunnerGroupSpec(doc: unknown, file: string, o: YamlRunOptions): Promise<YamlRunResult> {
  const group = parsed(file, () => parseRunnerGroupSpec(doc, { overrides: o.overrides }));
  const fields = group.groupFields.map((k) => (k === "count" ? `count (${group.count})` : k)).join(", ");
  o.log(`kperf: runner-group spec: ${fields} ${group.groupFields.length === 1 ? "applies" : "apply"} to runner groups (loadgen rg run, coming) and ${group.groupFields.length === 1 ? "is" : "are"} ignored by loadgen run: its loadProfile runs once, from here`);
  return runProfile(group.profile, file, o);
}

function describeSpec(spec: KperfSpec): string {
  const transport = `conns ${spec.conns}, client ${spec.client}, ${spec.contentType}, HTTP/${spec.disableHTTP2 ? "1.1" : "2"}`;
  if (spec.mode === "time-series") {
    const last = spec.buckets[spec.buckets.length - 1]?.startTime ?? 0;
    return `time-series: ${spec.buckets.length} buckets, ${requestCount(spec.buckets)} requests, the last at ${last}s, ${transport}`;
  }
  return `rate ${spec.rate || "unlimited"}/s, ${spec.total > 0 ? `total ${spec.total}` : `duration ${spec.duration}s`}, ${transport}`;
}

async function runProfile(profile: KperfProfile, file: string, o: YamlRunOptions): Promise<YamlRunResult> {
  for (const note of profile.notes) o.log(note);
  const access = await requireClusterAccess(() => resolveClusterAccess(o.cluster, o.log));
  const registry = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(registry, tags);
  registerK8sMetrics(registry);
  // One more client, outside the measured connections and the metrics, reads the API server's /metrics before and after.
  const scraper = new KubeClient(access, DEFAULT_K8S_OPTIONS, { runId: o.runId });
  const before = await scrapeRequestTotals(scraper).catch(() => undefined);
  const scenario = path.basename(file).replace(/\.ya?ml$/i, "");
  const outcomes: SpecOutcome[] = [];
  const started = performance.now();
  let after;
  try {
    for (const [i, spec] of profile.specs.entries()) {
      if (o.signal.aborted) break;
      o.log(`kperf: spec ${i + 1}/${profile.specs.length}: ${describeSpec(spec)}`);
      const specTags = profile.specs.length > 1 ? tags.empty.with("spec", String(i)) : tags.empty;
      outcomes.push(await runSpec(spec, { access, registry, engine, tags: specTags, runId: o.runId, scenario, signal: o.signal, log: o.log, rawErrors: o.rawData }));
    }
  } finally {
    after = await scrapeRequestTotals(scraper).catch(() => undefined);
    await scraper.close();
  }
  const extensions = before && after ? { "loadgen/k8s": apiserverReport(before, after) } : undefined;
  const summary = buildSummary({
    engine,
    metrics: registry,
    elapsedMs: performance.now() - started,
    options: {},
    aborted: o.signal.aborted ? { reason: "interrupted by signal" } : undefined,
    extensions: extensions && { "loadgen/k8s": { data: extensions["loadgen/k8s"].data, tables: extensions["loadgen/k8s"].tables } },
  });
  return { exitCode: o.signal.aborted ? ExitCode.externalAbort : ExitCode.ok, summary, kperf: kperfResult(outcomes, { rawData: o.rawData }) };
}
