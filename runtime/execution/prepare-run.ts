import { stdlibPath } from "../../stdlib/stdlib-path.ts";
import { bundleScenario, type ScenarioBundle } from "../bundle/bundle.ts";
import { StackMapper } from "../bundle/source-map.ts";
import { resolveOptions, type CliOverrides, type ResolvedOptions } from "../config/options.ts";
import { ExecutionTuple } from "../segment/execution-tuple.ts";
import { InvalidOptionsError, ScriptError } from "../errors.ts";
import { registerBuiltinMetrics, type BuiltinMetrics } from "../metrics/builtin.ts";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import type { ThresholdSet } from "../metrics/thresholds.ts";
import { formatGuestError } from "../vu/guest-error.ts";
import { buildHostTable } from "../vu/host-table.ts";
import { VirtualUser, type VuBlueprint } from "../vu/vu.ts";
import { WasmPool } from "../vu/wasm-pool.ts";
import type { ClusterFlags, ExecutionView, HostModuleInstance, NetworkFlags, RunContext, StdlibModule } from "../../stdlib/host-module.ts";
import type { ClusterAccess } from "../kube/cluster-access.ts";
import { modulesForRun, stdlibModules } from "../../stdlib/modules.ts";
import { localClusterInfo, requireClusterAccess, resolveClusterAccess } from "./resolve-cluster-access.ts";
import { newRunId } from "./run-id.ts";
import { runThresholds } from "./run-thresholds.ts";
import { displayPath } from "../bundle/display-path.ts";
import { FolderFiles, type ScriptFiles } from "../bundle/script-files.ts";

/**
 * A scenario bundled already, as an archive carries it (runtime/archive): its code, the only files its open() can
 * read, and the options it runs with in place of the ones its code exports (k6's archives do the same: the options
 * were resolved when the archive was made).
 */
export interface PrebuiltScenario {
  readonly bundle: ScenarioBundle;
  readonly files: ScriptFiles;
  readonly options: Readonly<Record<string, unknown>> | undefined;
}

/** What a run is prepared from. */
export interface PrepareOptions {
  /** The script to bundle; with `prebuilt`, only the name the run shows. */
  readonly scriptPath: string;
  /** Run this bundle instead of bundling `scriptPath`. */
  readonly prebuilt?: PrebuiltScenario;
  readonly cli: CliOverrides;
  /** What scripts see as `__ENV`. */
  readonly env: Readonly<Record<string, string>>;
  /** Prints one line for the user (stderr). */
  readonly log: (line: string) => void;
  /** The stdlib modules to offer; the full stdlib unless a test narrows it. */
  readonly modules?: readonly StdlibModule[];
  readonly runId?: string;
  /** `--threshold` conditions, added to the script's thresholds of the same keys. */
  readonly thresholds?: Readonly<Record<string, readonly string[]>>;
  /** `--kubeconfig` / `--context`, for the modules that talk to a cluster. */
  readonly cluster?: ClusterFlags;
  /** `--block-hostnames` / `--blacklist-ip`, for loadgen/http. */
  readonly network?: NetworkFlags;
  /**
   * Resolves the cluster the run talks to; by default kubectl's order from `cluster`, else the local cluster
   * (started if need be). Called before the init code runs when the scenario imports a cluster module.
   */
  readonly clusterAccess?: () => Promise<ClusterAccess>;
  /** False for `loadgen inspect`: nothing but the init code runs, so no cluster is resolved up front. */
  readonly connectCluster?: boolean;
  /** The run's part in a runner group (`loadgen run --workers`), if it is one; see RunContext.group. */
  readonly group?: "coordinator" | "runner";
}

/** A scenario bundled, its modules opened and its init code run once: ready to plan and execute, or to inspect. */
export interface PreparedRun {
  readonly runId: string;
  readonly bundle: ScenarioBundle;
  /** What the init code could open, and what it did open (what `loadgen archive` keeps). */
  readonly scriptFiles: ScriptFiles;
  readonly options: ResolvedOptions;
  readonly thresholds: ThresholdSet;
  readonly metrics: MetricRegistry;
  readonly tags: TagRegistry;
  readonly engine: MetricsEngine;
  readonly builtins: BuiltinMetrics;
  /** The VU that evaluated the options and runs setup, teardown and handleSummary (k6's init VU). */
  readonly initVu: VirtualUser;
  /** Functions the script exports. */
  readonly exported: ReadonlySet<string>;
  /** Creates scenario VU number `id` in the whole test (1-based), number `idInInstance` in this instance (default: `id`). */
  createVu(id: number, idInInstance?: number): Promise<VirtualUser>;
  /** Mutable wiring the executing run fills in: the execution view and the abort request. */
  readonly wiring: RunWiring;
  readonly moduleInstances: readonly HostModuleInstance[];
  /** The specifier of each module instance, index for index. */
  readonly moduleSpecifiers: readonly string[];
  readonly controller: AbortController;
}

/** Late-bound parts of the RunContext: the scheduler that provides them exists only once the run executes. */
export interface RunWiring {
  execution: ExecutionView;
  abortRequested: string | undefined;
  /** Set by the executing run: stops it at once when the script asks (test.abort()), rather than at the next tick. */
  onAbortRequested?: (reason: string) => void;
}

const idleExecution: ExecutionView = {
  scenario: () => undefined,
  vusActive: () => 0,
  vusInitialized: () => 0,
  iterationsCompleted: () => 0,
  elapsedMs: () => 0,
  startedAtMs: () => undefined,
};

/**
 * Bundles the script, opens the stdlib modules for this run, evaluates the init code in the init VU and resolves
 * the options it exports.
 * @throws {ScriptError} when the script does not bundle or its init code throws.
 * @throws {InvalidOptionsError} when its options or thresholds do not validate.
 */
export async function prepareRun(p: PrepareOptions): Promise<PreparedRun> {
  const registry = p.modules ?? stdlibModules;
  const stdlib = new Map(registry.map((m) => [m.specifier, m.guestEntry]));
  const bundle = p.prebuilt?.bundle ?? (await bundleScenario(p.scriptPath, { stdlib }));
  const scriptFiles = p.prebuilt?.files ?? new FolderFiles(bundle.scriptDir);
  const modules = modulesForRun(registry, bundle.stdlibImports);
  const runId = p.runId ?? newRunId();
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(metrics, tags);
  const builtins = registerBuiltinMetrics(metrics);
  const controller = new AbortController();
  const wiring: RunWiring = { execution: idleExecution, abortRequested: undefined };
  let resolvedOptions: ResolvedOptions | undefined;
  const services = new Map<string, unknown>();
  const mapper = new StackMapper(bundle.sourceMap, bundle.moduleName, bundle.sourceRoot, stdlibPath(""));
  const resolveCluster = p.clusterAccess ?? (() => resolveClusterAccess(p.cluster ?? {}, p.log));
  let clusterAccess: Promise<ClusterAccess> | undefined;

  const context: RunContext = {
    runId,
    group: p.group,
    metrics,
    tags,
    engine,
    options: () => resolvedOptions?.raw,
    segment: () => resolvedOptions?.segment ?? ExecutionTuple.whole,
    scriptFiles,
    env: p.env,
    cluster: p.cluster ?? {},
    network: p.network ?? {},
    clusterAccess() {
      clusterAccess ??= resolveCluster();
      return clusterAccess;
    },
    localCluster: localClusterInfo,
    signal: controller.signal,
    log: p.log,
    mapStack: (text) => mapper.mapStack(text),
    get execution() {
      return wiring.execution;
    },
    requestAbort(reason: string) {
      if (wiring.abortRequested !== undefined) return;
      wiring.abortRequested = reason;
      wiring.onAbortRequested?.(reason);
    },
    shared<T>(key: string, create: () => T): T {
      if (!services.has(key)) services.set(key, create());
      return services.get(key) as T;
    },
  };
  // Before any scenario code runs, and so outside setupTimeout: finding the cluster may mean building and starting
  // the local one (minutes on a fresh machine), which no scenario timeout should have to cover.
  if (p.connectCluster !== false && modules.some((m) => m.usesCluster)) await requireClusterAccess(() => context.clusterAccess());
  const hosts = await Promise.all(modules.map((m) => m.load()));
  const moduleInstances = await Promise.all(hosts.map((h) => h.open(context)));
  const table = buildHostTable(moduleInstances);
  const sectionKeys = new Set(registry.flatMap((m) => [...(m.optionsKey ? [m.optionsKey] : []), ...(m.optionsKeys ?? [])]));

  const blueprint: { -readonly [K in keyof VuBlueprint]: VuBlueprint[K] } = {
    code: bundle.code,
    moduleName: bundle.moduleName,
    mapper,
    envJson: JSON.stringify(p.env),
    hostFunctions: table,
    engine,
    // The init VU runs with default limits; scenario VUs get the script's once its options are read.
    limits: { blockingTimeoutMs: 10_000, memoryLimitBytes: 256 * 1024 * 1024, maxStackBytes: 320 * 1024 },
  };
  const wasm = new WasmPool();
  const createVu = async (id: number, idInInstance: number = id): Promise<VirtualUser> => {
    const created = await VirtualUser.create(id, await wasm.moduleForNextVu(), blueprint, tags.empty, idInInstance);
    if ("error" in created) {
      throw new ScriptError(`${id === 0 ? "" : `VU ${id}: `}the init code failed: ${formatGuestError(created.error)}`);
    }
    return created.vu;
  };

  const initVu = await createVu(0);
  const source = displayPath(bundle.entryPath);
  let rawOptions: unknown;
  if (p.prebuilt !== undefined) rawOptions = p.prebuilt.options;
  else {
    try {
      const json = initVu.optionsJson();
      rawOptions = json === undefined ? undefined : JSON.parse(json);
    } catch (e) {
      throw new ScriptError(`${source}: options cannot be read: ${(e as Error).message}`);
    }
  }
  resolvedOptions = resolveOptions(rawOptions, p.cli, sectionKeys, source);
  const moduleProblems = hosts.flatMap((h) => h.checkOptions?.(resolvedOptions!.raw) ?? []);
  if (moduleProblems.length) throw new InvalidOptionsError(moduleProblems, source);
  blueprint.limits = resolvedOptions.limits;
  const thresholds = runThresholds(resolvedOptions.thresholds, p.thresholds, metrics, source);

  const exported = new Set(initVu.exportedFunctions());
  const missing = resolvedOptions.scenarios.filter((s) => !exported.has(s.exec));
  if (missing.length) {
    throw new InvalidOptionsError(
      missing.map((s) => `scenarios.${s.name}.exec: the script exports no function "${s.exec}"${s.exec === "default" ? " (add `export default async function () { … }`)" : ""}`),
      source,
    );
  }
  return {
    runId,
    bundle,
    scriptFiles,
    options: resolvedOptions,
    thresholds,
    metrics,
    tags,
    engine,
    builtins,
    initVu,
    exported,
    createVu,
    wiring,
    moduleInstances,
    moduleSpecifiers: modules.map((m) => m.specifier),
    controller,
  };
}
