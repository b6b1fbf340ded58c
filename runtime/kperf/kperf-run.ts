// A kperf load profile as a run (runtime/execution/run.ts), whichever file it came in (a profile, or the one a
// runner-group spec wraps; runtime/formats/ reads both): the specs run one after the other on the kperf runner, which
// feeds the run's MetricsEngine as a script's VUs do, so thresholds (`--threshold`), the summary, `--summary-export`,
// `--out` and every other output work as for any run. kperf's own result JSON is the run's `kperf` report
// (`--result-format kperf`).
import path from "node:path";
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import type { RunResult } from "../execution/execute-run.ts";
import { requireClusterAccess, resolveClusterAccess } from "../execution/resolve-cluster-access.ts";
import type { Run, RunExecuteOptions } from "../execution/run.ts";
import { judgeTick, TICK_MS } from "../execution/judge-tick.ts";
import { runThresholds } from "../execution/run-thresholds.ts";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import { finishOutputs, startOutputs } from "../output/end-of-test.ts";
import { buildSummary, type Summary } from "../output/summary/build-summary.ts";
import { apiserverReport, scrapeRequestTotals } from "../kube/apiserver-metrics.ts";
import { KubeClient } from "../kube/client.ts";
import { DEFAULT_K8S_OPTIONS } from "../kube/k8s-options.ts";
import { registerK8sMetrics } from "../kube/recorder.ts";
import type { ClusterAccess, ClusterFlags } from "../kube/cluster-access.ts";
import type { KperfProfile, KperfSpec } from "./profile.ts";
import { kperfResult } from "./result.ts";
import { runSpec, type RunSpecOptions, type SpecOutcome } from "./runner.ts";
import { requestCount } from "./time-series.ts";

export interface KperfRunOptions {
  /** The file as the user gave it: the run line, messages, and (its base name) the loadgen.io/scenario label. */
  readonly file: string;
  /** The input format's name, for the outputs' run metadata. */
  readonly format: string;
  readonly runId: string;
  readonly cluster: ClusterFlags;
  readonly log: (line: string) => void;
  /** `--threshold` conditions by metric key. */
  readonly thresholds?: Readonly<Record<string, readonly string[]>>;
  /** Add kperf's raw data to the result (`latenciesByURL`, `errors`), as `kperf runner run --raw-data` does. */
  readonly rawData?: boolean;
  /** Said when the run starts, before the profile's own notes (what the file's format ignores). */
  readonly notices?: readonly string[];
  /** Where the requests come from: this process by default (localLoad), or a runner group's pods. */
  readonly load?: KperfLoad;
  /** The run's title (default: the file). */
  readonly title?: string;
}

/** What a profile's load is given: the run's metrics, its cluster, and the way to stop the run. */
export interface KperfLoadContext {
  readonly profile: KperfProfile;
  readonly registry: MetricRegistry;
  readonly engine: MetricsEngine;
  readonly tags: TagRegistry;
  readonly access: ClusterAccess;
  readonly runId: string;
  readonly scenario: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Stops the run with this reason and exit code (a lost runner). */
  abort(reason: string, exitCode: ExitCodeValue): void;
}

/**
 * Where a profile's requests come from: its run() feeds the run's engine (with the requests' samples, or the merged
 * snapshots of a group's runners) until the load ends or the signal aborts it, and gives kperf's result and any
 * summary tables of its own.
 */
export interface KperfLoad {
  /** Before the run's clock starts: a group's ready barrier (a runner that fails it stops the run through abort()). */
  ready?(c: KperfLoadContext): Promise<void>;
  run(c: KperfLoadContext): Promise<{ readonly kperf: object; readonly extensions?: Summary["extensions"] }>;
}

/** The profile's specs, run in this process (`loadgen run PROFILE.yaml`). */
export function localLoad(rawData: boolean | undefined): KperfLoad {
  return {
    async run(c) {
      const outcomes = await runProfileSpecs(c.profile, { access: c.access, registry: c.registry, engine: c.engine, tags: c.tags, runId: c.runId, scenario: c.scenario, signal: c.signal, log: c.log, rawErrors: rawData });
      return { kperf: kperfResult(outcomes, { rawData }) };
    },
  };
}

function describeSpec(spec: KperfSpec): string {
  const transport = `conns ${spec.conns}, client ${spec.client}, ${spec.contentType}, HTTP/${spec.disableHTTP2 ? "1.1" : "2"}`;
  if (spec.mode === "time-series") {
    const last = spec.buckets[spec.buckets.length - 1]?.startTime ?? 0;
    return `time-series: ${spec.buckets.length} buckets, ${requestCount(spec.buckets)} requests, the last at ${last}s, ${transport}`;
  }
  return `rate ${spec.rate || "unlimited"}/s, ${spec.total > 0 ? `total ${spec.total}` : `duration ${spec.duration}s`}, ${transport}`;
}

/**
 * Runs a profile's specs one after the other (each tagged `spec: i` when there are several), until the signal aborts.
 * What a one-machine run and each runner of a kperf runner group (kperf-runner.ts) do.
 */
export async function runProfileSpecs(profile: KperfProfile, o: Omit<RunSpecOptions, "tags"> & { readonly tags: TagRegistry }): Promise<SpecOutcome[]> {
  const outcomes: SpecOutcome[] = [];
  for (const [i, spec] of profile.specs.entries()) {
    if (o.signal.aborted) break;
    o.log(`kperf: spec ${i + 1}/${profile.specs.length}: ${describeSpec(spec)}`);
    const specTags = profile.specs.length > 1 ? o.tags.empty.with("spec", String(i)) : o.tags.empty;
    outcomes.push(await runSpec(spec, { ...o, tags: specTags }));
  }
  return outcomes;
}

/**
 * Prepares the run: its metrics and thresholds (checked first: a bad threshold never waits for a cluster), then the
 * cluster it talks to.
 * @throws {InvalidOptionsError} for thresholds that do not parse or fit their metric.
 * @throws {ClusterUnavailableError} when no cluster can be had.
 */
export async function prepareKperfRun(profile: KperfProfile, o: KperfRunOptions): Promise<Run> {
  const registry = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(registry, tags);
  registerK8sMetrics(registry);
  const thresholds = runThresholds({}, o.thresholds, registry, o.file);
  const access = await requireClusterAccess(() => resolveClusterAccess(o.cluster, o.log));
  const scenario = path.basename(o.file).replace(/\.ya?ml$/i, "");
  const load = o.load ?? localLoad(o.rawData);

  async function execute(x: RunExecuteOptions): Promise<RunResult> {
    const controller = new AbortController();
    let exitCode: ExitCodeValue = ExitCode.ok;
    let abortReason: string | undefined;
    const abort = (reason: string, code: ExitCodeValue) => {
      if (controller.signal.aborted) return;
      abortReason = reason;
      exitCode = code;
      controller.abort(new Error(reason));
    };
    x.signal?.addEventListener("abort", () => abort("interrupted by signal", ExitCode.externalAbort), { once: true });
    for (const line of [...(o.notices ?? []), ...profile.notes]) x.log(line);
    for (const name of thresholds.unknownMetrics(registry)) x.log(`WARN  thresholds: no one emits a metric named "${name}"; its thresholds will see no data`);
    const startTime = new Date().toISOString();
    await startOutputs(engine, x.outputs);

    // One more client, outside the measured connections, reads the API server's /metrics before and after.
    const scraper = new KubeClient(access, DEFAULT_K8S_OPTIONS, { runId: o.runId });
    const before = await scrapeRequestTotals(scraper).catch(() => undefined);
    const context: KperfLoadContext = { profile, registry, engine, tags, access, runId: o.runId, scenario, signal: controller.signal, log: x.log, abort };
    let started = performance.now();
    const elapsed = () => performance.now() - started;
    const judge = !x.noThresholds && thresholds.definitions.length > 0;
    let ticker: ReturnType<typeof setInterval> | undefined;
    let after;
    let loaded: Awaited<ReturnType<KperfLoad["run"]>>;
    try {
      await load.ready?.(context);
      started = performance.now();
      ticker = setInterval(() => judgeTick(engine, thresholds, judge, elapsed(), abort), TICK_MS);
      loaded = await load.run(context);
    } finally {
      clearInterval(ticker);
      after = await scrapeRequestTotals(scraper).catch(() => undefined);
      await scraper.close();
    }
    const runMs = elapsed();
    engine.flush();
    const judged = thresholds.evaluate(engine, runMs, { final: true });
    if (judged.failed && !x.noThresholds && exitCode === ExitCode.ok) exitCode = ExitCode.thresholdsFailed;
    const apiserver = before && after ? apiserverReport(before, after) : undefined;
    const summary = buildSummary({
      engine,
      metrics: registry,
      thresholds: x.noThresholds ? undefined : judged,
      elapsedMs: runMs,
      options: {},
      aborted: abortReason === undefined ? undefined : { reason: abortReason },
      extensions: { ...loaded.extensions, ...(apiserver && { "loadgen/k8s": { data: apiserver.data, tables: apiserver.tables } }) },
    });
    const metadata = { runId: o.runId, format: o.format, source: o.file, startTime, endTime: new Date().toISOString(), exitCode };
    const report = { summary, metadata, handleSummary: undefined, errors: [], reports: { kperf: loaded.kperf } };
    if (!(await finishOutputs(x.outputs, report, x.log)) && exitCode === ExitCode.ok) exitCode = ExitCode.engineError;
    return { exitCode, summary, thresholds: judged, handleSummary: undefined, abortReason, errors: [], reports: report.reports };
  }

  return { runId: o.runId, title: o.title ?? o.file, execute };
}
