// `loadgen run FILE.yaml`: YAML inputs are dispatched by their content, not their name. A kperf load profile
// (`version: 1` with `spec`/`specs`) runs on the kperf runner; other formats (KubeVirt workloads, issue #5) slot in
// beside it in `yamlFormats`.
import { readFileSync } from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { ensureLocalCluster } from "../cluster/local-cluster.ts";
import { InvalidOptionsError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import { buildSummary, type Summary } from "../output/summary/build-summary.ts";
import { apiserverReport, scrapeRequestTotals } from "../../stdlib/k8s/apiserver-metrics.ts";
import { K8sClient } from "../../stdlib/k8s/client.ts";
import { loadClusterAccess } from "../../stdlib/k8s/cluster-access.ts";
import { DEFAULT_K8S_OPTIONS } from "../../stdlib/k8s/k8s-options.ts";
import { registerK8sMetrics } from "../../stdlib/k8s/request.ts";
import type { ClusterFlags } from "../../stdlib/host-module.ts";
import { isKperfProfile, parseKperfProfile } from "./profile.ts";
import { kperfResult } from "./result.ts";
import { runSpec, type SpecOutcome } from "./runner.ts";

export interface YamlRunOptions {
  readonly cluster: ClusterFlags;
  readonly runId: string;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
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

const yamlFormats: readonly YamlFormat[] = [{ name: "kperf load profile", matches: isKperfProfile, run: runKperfProfile }];

/**
 * Runs a YAML file in the format its content says.
 * @throws {InvalidOptionsError} for YAML that does not parse, an unknown format, or a profile kperf would reject.
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
    throw new InvalidOptionsError([`not a format loadgen runs (known: ${yamlFormats.map((f) => f.name).join(", ")}; a kperf profile has version: 1 and spec or specs)`], file);
  }
  return format.run(doc, file, o);
}

async function runKperfProfile(doc: unknown, file: string, o: YamlRunOptions): Promise<YamlRunResult> {
  let profile;
  try {
    profile = parseKperfProfile(doc);
  } catch (e) {
    throw new InvalidOptionsError([(e as Error).message], file);
  }
  const access = await loadClusterAccess(o.cluster, () => ensureLocalCluster(o.log));
  const registry = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(registry, tags);
  registerK8sMetrics(registry);
  // One more client, outside the measured connections, reads the API server's /metrics before and after.
  const scraper = new K8sClient(access, DEFAULT_K8S_OPTIONS, registry, engine, o.runId);
  const before = await scrapeRequestTotals(scraper.transport).catch(() => undefined);
  const scenario = path.basename(file).replace(/\.ya?ml$/i, "");
  const outcomes: SpecOutcome[] = [];
  const started = performance.now();
  let after;
  try {
    for (const [i, spec] of profile.specs.entries()) {
      if (o.signal.aborted) break;
      o.log(`kperf: spec ${i + 1}/${profile.specs.length}: rate ${spec.rate || "unlimited"}/s, ${spec.total > 0 ? `total ${spec.total}` : `duration ${spec.duration}s`}, conns ${spec.conns}, client ${spec.client}, ${spec.contentType}, HTTP/${spec.disableHTTP2 ? "1.1" : "2"}`);
      const specTags = profile.specs.length > 1 ? tags.empty.with("spec", String(i)) : tags.empty;
      outcomes.push(await runSpec(spec, { access, registry, engine, tags: specTags, runId: o.runId, scenario, signal: o.signal, log: o.log }));
    }
  } finally {
    after = await scrapeRequestTotals(scraper.transport).catch(() => undefined);
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
  return { exitCode: o.signal.aborted ? ExitCode.externalAbort : ExitCode.ok, summary, kperf: kperfResult(outcomes) };
}
