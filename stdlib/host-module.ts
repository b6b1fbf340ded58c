/**
 * The contract between the engine and a stdlib module. A module has a guest half (TypeScript bundled into
 * every VU, a thin shim) and a host half (this interface: Node code with the real work, one instance per run).
 * The engine knows nothing of any particular module: adding `loadgen/k8s` or `loadgen/http` means adding an
 * entry to stdlib/modules.ts, never touching the scheduler or the VU.
 */
import type { Metric, MetricRegistry } from "../runtime/metrics/metric.ts";
import type { TagRegistry, TagSet } from "../runtime/metrics/tags.ts";
import type { MetricsEngine } from "../runtime/metrics/engine.ts";
import type { ClusterAccess, ClusterFlags, LocalClusterInfo } from "../runtime/kube/cluster-access.ts";
import type { ScriptFiles } from "../runtime/bundle/script-files.ts";
import type { ExecutionTuple } from "../runtime/segment/execution-tuple.ts";

/** What crosses the VU boundary as an argument or a result. Objects travel as JSON text, decoded by the shim. */
export type HostValue = string | number | boolean | null | undefined;

/** Where in the test a call happens; some functions are allowed only in some phases (`open()` in init). */
export type LifecyclePhase = "init" | "setup" | "iteration" | "teardown" | "summary";

/** The calling VU, as a host function sees it. Valid only during the call (and the promise it returns). */
export interface VuContext {
  /**
   * 1-based VU number in the whole test (unique across the instances of an execution-segment sequence, so names built
   * from it do not clash); 0 for the VU that runs setup, teardown and handleSummary.
   */
  readonly id: number;
  /** 1-based VU number in this instance (equal to `id` unless the run is one segment of a test). */
  readonly idInInstance: number;
  /** The scenario the VU is running, undefined outside scenarios. */
  readonly scenario: string | undefined;
  /** 0-based iteration of this VU in its current scenario. */
  readonly iterationInScenario: number;
  /** 0-based number of the current iteration among all of its scenario's iterations in the test. */
  readonly scenarioIterationInTest: number;
  /** The `::`-joined group path (k6's form; "" at the root). */
  readonly groupPath: string;
  /** Enters or leaves a group: samples carry `group: <path>` while it is set. */
  setGroupPath(path: string): void;
  readonly phase: LifecyclePhase;
  /** The tags every sample of this VU carries now: scenario, group and custom tags. */
  readonly tags: TagSet;
  /** Aborted when the VU's current iteration is stopped hard (gracefulStop ran out, or the run ends). */
  readonly signal: AbortSignal;
  /** Records one sample with the VU's current tags (plus `tags`, when given). */
  emit(metric: Metric, value: number, tags?: TagSet): void;
}

/** A synchronous host function: runs inside the VU's call, blocking it; keep it cheap. */
export type SyncHostFunction = (vu: VuContext, ...args: HostValue[]) => HostValue;
/** An asynchronous host function: the guest gets a promise that settles when this one does. */
export type AsyncHostFunction = (vu: VuContext, ...args: HostValue[]) => Promise<HostValue>;

/** Run-wide services a module instance may use. */
export interface RunContext {
  /** Unique id of this run; objects a run creates carry it as a label. */
  readonly runId: string;
  /**
   * The run's part in a runner group (`loadgen run --workers`): every runner runs one execution segment under the same
   * run id, and the coordinator runs setup, teardown and the summary. Run-wide clean-up at the end (deleting what the
   * run labelled) is the coordinator's: a runner that cleaned up as it finished would delete what the others still use.
   * Undefined for a run of its own.
   */
  readonly group: "coordinator" | "runner" | undefined;
  readonly metrics: MetricRegistry;
  readonly tags: TagRegistry;
  readonly engine: MetricsEngine;
  /** The scenario's exported `options`, resolved; undefined until the init VU has evaluated the script. */
  options(): Readonly<Record<string, unknown>> | undefined;
  /**
   * This run's execution segment of the test (the whole test unless it is split: `--workers`, `loadgen rg run`,
   * `--execution-segment`), once the options are resolved. A counter that names objects walks its stripe
   * (runtime/segment/segmented-index.ts) so that the instances of a split test never make the same name.
   */
  segment(): ExecutionTuple;
  /** What `open()` reads: the files below the entry script's folder, or an archive's (and nothing else). */
  readonly scriptFiles: ScriptFiles;
  /** Variables the script sees as `__ENV`. */
  readonly env: Readonly<Record<string, string>>;
  /** Cluster access chosen on the command line (`--kubeconfig`, `--context`); modules fall back to KUBECONFIG etc. */
  readonly cluster: ClusterFlags;
  /** Destinations refused on the command line (`--block-hostnames`, `--blacklist-ip`), besides the options' own. */
  readonly network: NetworkFlags;
  /**
   * The run's cluster access, resolved once (kubeconfig, in-cluster, or the local cluster, started if need be). A run
   * whose scenario imports a cluster module has it resolved before the test starts, outside every scenario timeout.
   * @throws {ClusterAccessError} when no cluster can be reached or the kubeconfig is wrong.
   */
  clusterAccess(): Promise<ClusterAccess>;
  /**
   * The local loadgen cluster if it runs (its server and running components), for modules that must tell it apart
   * (loadgen/kwok: is its kwok the controller of this cluster?); undefined otherwise. Never starts it.
   */
  localCluster(): Promise<LocalClusterInfo | undefined>;
  /** Aborted when the run is ending: long-lived work (watches, pools) must wind down. */
  readonly signal: AbortSignal;
  /** Prints a line for the user (stderr). */
  log(message: string): void;
  /** Rewrites bundle positions in a stack trace (`scenario.bundle.js:12:5`) into the scenario's TypeScript lines. */
  mapStack(text: string): string;
  /** A read-only view of the scheduler, for `loadgen/execution`. */
  readonly execution: ExecutionView;
  /** Asks the run to stop now (test.abort()); the run ends with the script-aborted exit code. */
  requestAbort(reason: string): void;
  /**
   * A per-run service shared between modules, created on first use: e.g. the Kubernetes client that `loadgen/k8s`
   * makes and `loadgen/kubevirt` reuses, so both share one connection pool and one rate limit. Keys are namespaced
   * by the owning module (`"k8s.client"`).
   */
  shared<T>(key: string, create: () => T): T;
}

/** Cluster access flags of `loadgen run`. */
export type { ClusterFlags };

/** k6's `--block-hostnames` and `--blacklist-ip` of `loadgen run`: added to the script's blockHostnames/blacklistIPs. */
export interface NetworkFlags {
  /** Hostnames, or `*.suffix` patterns. */
  readonly blockHostnames?: readonly string[];
  /** CIDR ranges or addresses. */
  readonly blacklistIPs?: readonly string[];
}

/** What a scenario may learn about the run in progress (k6's `k6/execution`). */
export interface ExecutionView {
  /** Static facts and live progress (0..1) of a scenario; undefined for an unknown name. */
  scenario(name: string): { readonly executor: string; readonly startTimeMs: number; progress(): number } | undefined;
  vusActive(): number;
  vusInitialized(): number;
  iterationsCompleted(): number;
  /** Milliseconds since the scenarios started. */
  elapsedMs(): number;
  /**
   * When the scenarios started (the load began), in ms since the epoch; undefined before (init, setup). Host-side
   * observers that time what the load did (loadgen/k8s's replica timeline) measure from here.
   */
  startedAtMs(): number | undefined;
}

/** The host half of one module for one run. */
export interface HostModuleInstance {
  readonly sync?: Readonly<Record<string, SyncHostFunction>>;
  readonly async?: Readonly<Record<string, AsyncHostFunction>>;
  /**
   * Called once after teardown, before the summary is built: the module's own report for this run (e.g. the API
   * server's REST call counts, KubeVirt's SLI tables). It lands in the summary JSON under `extensions[specifier]`,
   * and its tables are printed after the metrics.
   */
  summary?(): Promise<SummaryExtension | undefined>;
  /**
   * In a runner of a group (`--workers`, `loadgen rg run`): what this module's summary is built from, as plain JSON,
   * sent to the coordinator with the runner's last snapshot. Called once, after the runner's scenarios end.
   */
  runnerState?(): unknown;
  /**
   * In a group's coordinator: folds one runner's runnerState() into this instance, before summary() is called, so the
   * merged summary has the module's report of the whole test (KubeVirt's SLI tables from every runner's VMIs).
   */
  mergeRunnerState?(state: unknown): void;
  /** Called once when the run ends, after the summary; release connections, stop watches. */
  close?(): Promise<void>;
}

/** A module's section of the end-of-test summary. */
export interface SummaryExtension {
  /** Machine-readable data for `--summary-export` and handleSummary. */
  readonly data: unknown;
  /** Human tables for the printed summary. */
  readonly tables: readonly SummaryTable[];
}

/** A small table in the printed summary. */
export interface SummaryTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

/** The host half of a stdlib module (its registry entry, with the specifier and guest shim, is in stdlib/modules.ts). */
export interface HostModule {
  /** Creates the module's per-run state. Called once per run, before any VU exists. */
  open(run: RunContext): HostModuleInstance | Promise<HostModuleInstance>;
  /**
   * The problems with the options this module reads (its section, its top-level keys), each naming its field; called
   * once the script's options are resolved, so a bad value fails the run before it starts (exit code 104).
   */
  checkOptions?(options: Readonly<Record<string, unknown>>): readonly string[];
}

/**
 * A stdlib module as the engine registers it (stdlib/modules.ts). The host half is loaded only for runs whose
 * scenario imports the module (or a module that requires it), so a run without Kubernetes never loads the
 * Kubernetes client's dependencies: start-up stays fast.
 */
export interface StdlibModule {
  /** The import specifier scenarios use, e.g. `loadgen/metrics`. */
  readonly specifier: string;
  /** The top-level key of `options` this module reads, if any (e.g. `k8s` for `options.k8s`). */
  readonly optionsKey?: string;
  /** Other top-level keys it reads (k6's own option names, such as `insecureSkipTLSVerify`). */
  readonly optionsKeys?: readonly string[];
  /**
   * Absolute path of the guest shim (TypeScript), inlined into each scenario's bundle where the scenario imports
   * `specifier`. Mark top-level host bindings with esbuild's `@__PURE__` annotation so that the ones a scenario does
   * not use are left out of its bundle (every VU compiles the bundle).
   */
  readonly guestEntry: string;
  /** Opened for every run, imported or not: it serves globals or built-in metrics (`open()`, `checks`). */
  readonly core?: boolean;
  /** Modules whose host half this one builds on (opened with it). */
  readonly requires?: readonly string[];
  /** Talks to a cluster: a run that uses it resolves cluster access before the test starts. */
  readonly usesCluster?: boolean;
  /** Loads the host half. */
  load(): Promise<HostModule>;
}
