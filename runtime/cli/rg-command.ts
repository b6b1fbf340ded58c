import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import type { KubeConfig } from "@kubernetes/client-node";
import { InvalidOptionsError, LoadgenError } from "../errors.ts";
import { CommandExitCode, ExitCode } from "../exit-codes.ts";
import type { RunResult } from "../execution/execute-run.ts";
import { newRunId } from "../execution/run-id.ts";
import { createRunOutputs } from "../output/registry.ts";
import type { Output, OutputStreams } from "../output/types.ts";
import type { GroupCluster, PodGroupRun } from "../group/pod-group-run.ts";
import type { AccessRule } from "../job/job-spec.ts";
import { CLUSTER_FLAGS } from "./cluster-flags.ts";
import { accessRule } from "./job-flags.ts";
import { durationMs, nonNegativeInt, positiveInt, thresholdPair } from "./flag-parsers.ts";
import { addFlags, defaultedFlag, negatedFlag, parsedFlag, repeatableFlag, switchFlag, textFlag, type FlagValues } from "./flags.ts";
import { ProgressDisplay } from "./progress.ts";
import { reportError } from "./report-error.ts";
import { EXECUTION_FLAGS, KPERF_FLAGS, kperfRequest, OUTPUT_FLAGS } from "./run-flags.ts";

const say = (line: string) => process.stderr.write(line + "\n");

const GROUP_FLAGS = {
  namespace: defaultedFlag("-n, --namespace <ns>", "the namespace of the group's objects", undefined, "default"),
  ...CLUSTER_FLAGS,
};

const RG_RUN_FLAGS = {
  count: parsedFlag("--count <n>", "runner pods (default: a kperf runner-group spec's count, else 1)", positiveInt("--count")),
  image: textFlag("--image <image>", "the runners' image (default: loadgen's own image, imported into the local cluster's real node)"),
  nodeSelector: repeatableFlag<Readonly<Record<string, string>>>("--node-selector <k=v>", "run the pods on nodes with this label (repeatable)", (v, prev) => {
    const at = v.indexOf("=");
    if (at <= 0) throw new InvalidOptionsError([`--node-selector: KEY=VALUE, got ${JSON.stringify(v)}`]);
    return { ...prev, [v.slice(0, at)]: v.slice(at + 1) };
  }, {}),
  separate: switchFlag("--separate", "at most one runner pod per node (pod anti-affinity), as k6-operator's separate"),
  tolerateLost: defaultedFlag("--tolerate-lost <k>", "go on when up to K runners are lost (the result is marked partial and says which share is missing)", nonNegativeInt("--tolerate-lost"), 0),
  allow: repeatableFlag<readonly AccessRule[]>("--allow <VERBS:RESOURCES>", "what the runner pods may do in their namespace, for a scenario that imports loadgen/k8s (repeatable; as loadgen job's; default: get,list,watch of pods, configmaps, services, deployments, jobs, VMIs…, never secrets)", accessRule, []),
  name: textFlag("--name <name>", "the group's name (the Job's; default rg-<run id>)"),
  readyTimeout: defaultedFlag("--ready-timeout <duration>", "how long the runners may take to be ready (scheduling, image pull, init code)", durationMs("--ready-timeout"), 5 * 60_000, { defaultText: "5m" }),
  ...GROUP_FLAGS,
  ...EXECUTION_FLAGS,
  ...OUTPUT_FLAGS,
  quiet: switchFlag("-q, --quiet", "no progress display"),
  thresholds: negatedFlag("--no-thresholds", "do not judge thresholds (never exit 99)"),
  threshold: repeatableFlag<Readonly<Record<string, readonly string[]>>>("--threshold <METRIC=CONDITION>", "a threshold added to the script's own (repeatable)", thresholdPair, {}),
  ...KPERF_FLAGS,
};
type RgRunFlags = FlagValues<typeof RG_RUN_FLAGS>;

const RG_RESULT_FLAGS = {
  wait: switchFlag("--wait", "wait for a group still running to finish (reattaches: re-reads every runner's log from its start)"),
  tolerateLost: RG_RUN_FLAGS.tolerateLost,
  ...GROUP_FLAGS,
  ...OUTPUT_FLAGS,
  quiet: RG_RUN_FLAGS.quiet,
  thresholds: RG_RUN_FLAGS.thresholds,
  resultFormat: KPERF_FLAGS.resultFormat,
  result: KPERF_FLAGS.result,
};
type RgResultFlags = FlagValues<typeof RG_RESULT_FLAGS>;

const HELP = `
One test split over N runner pods (an Indexed Job, one pod per execution segment), coordinated by this process
through the API server only: it reads each pod's log for the runners' metric snapshots and writes their commands into
a ConfigMap, so a kubeconfig is all it needs. No runner starts until all are ready; setup() runs once here, its data
reaches every runner; thresholds are judged on the merged data during the run (abortOnFail stops every runner);
teardown() and handleSummary() run once here on the merged data. The exit code is the group's (99 when a merged
threshold fails). A lost runner (pod deleted, OOMKilled, node gone) fails the group at once, naming it, unless
--tolerate-lost allows it. The group's objects stay until \`loadgen rg delete NAME\` (or \`loadgen cleanup --run ID\`),
so \`loadgen rg result NAME\` can merge its result again.

A kperf load profile or runner-group spec runs as kperf's runner groups do: every runner runs the whole profile
(N runners send N times its requests; the rate is not divided), --count defaults to the spec's count, and its
nodeAffinity, serviceAccount and ownerReference apply. The runners are granted, cluster-wide, exactly what the
profile's requests need. \`--result-format kperf --result FILE\` writes the merged result in kperf's JSON: total is
the sum of the runners', percentiles come from the merged digests.`;

/** `loadgen rg run|status|result|delete` (and `rg runner`, what each pod runs). */
export function rgCommand(): Command {
  const rg = new Command("rg").description("runner groups: one test split across N runner pods, merged and judged here").addHelpText("after", HELP);
  rg.addCommand(
    addFlags(
      new Command("run").description("run a scenario (one execution segment per pod), or a kperf profile or runner-group spec (the whole profile in every pod, as kperf), on N runner pods").argument("<file>", "scenario (.ts or .js), kperf load profile or runner-group spec (.yaml)"),
      RG_RUN_FLAGS,
    )
      .action(async (file: string, flags: RgRunFlags) => exitWith(await rgRunAction(file, flags))),
  );
  rg.addCommand(
    addFlags(new Command("status").description("a group's runners: pod, node, phase, exit code").argument("<name>", "the group's name"), GROUP_FLAGS)
      .action(async (name: string, flags: FlagValues<typeof GROUP_FLAGS>) => exitWith(await rgStatusAction(name, flags))),
  );
  rg.addCommand(
    addFlags(new Command("result").description("a group's merged result, read again from its runners' logs (--wait: until it finishes)").argument("<name>", "the group's name"), RG_RESULT_FLAGS)
      .action(async (name: string, flags: RgResultFlags) => exitWith(await rgResultAction(name, flags))),
  );
  rg.addCommand(
    addFlags(new Command("delete").description("delete a group's Job, pods, ConfigMaps, ServiceAccount and RBAC").argument("<name>", "the group's name"), GROUP_FLAGS)
      .action(async (name: string, flags: FlagValues<typeof GROUP_FLAGS>) => exitWith(await rgDeleteAction(name, flags))),
  );
  rg.addCommand(
    new Command("runner").description("one runner pod of a group (what the Job's pods run)").requiredOption("--payload <dir>", "the mounted payload")
      .action(async (o: { payload: string }) => exitWith(await (await import("./rg-runner.ts")).rgRunnerAction(o.payload))),
    { hidden: true },
  );
  return rg;
}

function exitWith(code: number): void {
  process.exitCode = code;
  // Watches and log streams left open must not keep the process waiting.
  setImmediate(() => process.exit());
}

/** kubectl's order (--kubeconfig, KUBECONFIG, ~/.kube/config), else the local cluster (started if need be). */
async function groupCluster(flags: { kubeconfig?: string; context?: string }): Promise<GroupCluster> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  let file = flags.kubeconfig;
  if (file) kc.loadFromFile(file);
  else if (process.env.KUBECONFIG) kc.loadFromDefault();
  else if (existsSync(path.join(homedir(), ".kube", "config"))) kc.loadFromFile((file = path.join(homedir(), ".kube", "config")));
  else {
    file = await (await import("../cluster/local-cluster.ts")).ensureLocalCluster(say);
    kc.loadFromFile(file);
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) throw new InvalidOptionsError([`--context ${flags.context}: no such context in the kubeconfig`]);
    kc.setCurrentContext(flags.context);
  }
  return { kubeConfig: kc, flags: { kubeconfig: file, context: flags.context } };
}

/**
 * The local cluster's real node, when this cluster has one: loadgen's pods there need its toleration, its name and
 * the host network (all it supports).
 */
async function realNodeOf(kc: KubeConfig): Promise<{ nodeName: string; toleration: Record<string, string> } | undefined> {
  const { CoreV1Api } = await import("@kubernetes/client-node");
  const { NODE_NAME, REAL_NODE_TAINT, REAL_NODE_TOLERATION } = await import("../cluster/kubelet.ts");
  const node = await kc.makeApiClient(CoreV1Api).readNode({ name: NODE_NAME }).catch(() => undefined);
  if (!node?.spec?.taints?.some((t) => t.key === REAL_NODE_TAINT.key)) return undefined;
  return { nodeName: NODE_NAME, toleration: { ...REAL_NODE_TOLERATION } };
}

/** loadgen's own image of this checkout, put on the local cluster's real node (as `loadgen image build` does). */
async function localImage(): Promise<string> {
  const { buildLoadgenImage } = await import("../image/image-build.ts");
  const { importIntoRealNode } = await import("../cluster/local-cluster.ts");
  const built = await buildLoadgenImage();
  const r = await importIntoRealNode(built);
  if ("notImported" in r) throw new LoadgenError(`loadgen's image could not be put on the real node: ${r.notImported}; give --image`, ExitCode.engineError);
  return built.ref;
}

interface Console {
  readonly log: (line: string) => void;
  readonly streams: OutputStreams;
  readonly progress: ProgressDisplay | undefined;
  readonly interrupt: AbortController;
}

function runConsole(quiet: boolean | undefined): Console {
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = () => {
    if (++signals === 1) {
      say("loadgen: stopping the group (every runner is told to abort; teardown and summary follow; Ctrl-C again to quit at once, leaving the runners to their own end)");
      interrupt.abort();
    } else process.exit(ExitCode.externalAbort);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const progress = process.stdout.isTTY && !quiet ? new ProgressDisplay(process.stdout) : undefined;
  const log = (line: string) => {
    progress?.clear();
    say(line);
  };
  const write = (to: NodeJS.WriteStream) => (text: string) => {
    progress?.clear();
    to.write(text);
  };
  return { log, progress, interrupt, streams: { stdout: write(process.stdout), stderr: write(process.stderr) } };
}

async function rgRunAction(file: string, flags: RgRunFlags): Promise<number> {
  const c = runConsole(flags.quiet);
  let outputs: Output[];
  try {
    if (flags.out.length > 0) throw new InvalidOptionsError(["--out: a runner group has no samples to stream (its runners send metric snapshots, not samples); use --summary-export or handleSummary"]);
    if (flags.executionSegment !== undefined || flags.executionSegmentSequence !== undefined) throw new InvalidOptionsError(["--execution-segment: a runner group splits the test into execution segments of its own (one per pod)"]);
    if (flags.rawData) throw new InvalidOptionsError(["--raw-data: a runner group's runners send merged digests, not every latency (its kperf result has the percentiles; run the profile with `loadgen run --raw-data` for raw data)"]);
    outputs = createRunOutputs({ ...flags, color: flags.color && !!process.stdout.isTTY }, c.streams);
  } catch (e) {
    return reportError(e);
  }
  let run: PodGroupRun;
  try {
    const cluster = await groupCluster(flags);
    const realNode = Object.keys(flags.nodeSelector).length === 0 ? await realNodeOf(cluster.kubeConfig) : undefined;
    if (flags.image === undefined && realNode === undefined) {
      throw new InvalidOptionsError(["--image: this cluster is not the local one (no loadgen real node): give the runners' image, one with this loadgen (image/Dockerfile builds it)"]);
    }
    const image = flags.image ?? (await localImage());
    const { preparePodGroupRun } = await import("../group/pod-group-run.ts");
    run = await preparePodGroupRun({
      script: file,
      count: flags.count,
      namespace: flags.namespace,
      image,
      placement: { realNode, nodeSelector: Object.keys(flags.nodeSelector).length ? flags.nodeSelector : undefined, separate: flags.separate },
      cli: { vus: flags.vus, duration: flags.duration, iterations: flags.iterations },
      env: flags.env,
      thresholds: Object.keys(flags.threshold).length ? flags.threshold : undefined,
      runId: newRunId(),
      name: flags.name,
      tolerateLost: flags.tolerateLost,
      readyTimeoutMs: flags.readyTimeout,
      allow: flags.allow,
      kperf: kperfRequest(flags),
      cluster,
      log: c.log,
    });
  } catch (e) {
    return reportError(e);
  }
  if (!flags.quiet) say(`loadgen: run ${run.runId}: ${run.title}`);
  return finishRun(run, c, outputs, { noThresholds: !flags.thresholds });
}

/** Executes a group's run, prints its figures, returns its exit code. */
async function finishRun(run: PodGroupRun, c: Console, outputs: Output[], o: { noThresholds: boolean; reattached?: NonNullable<Parameters<PodGroupRun["execute"]>[0]["reattached"]> }): Promise<number> {
  let result: RunResult;
  try {
    result = await run.execute({
      noThresholds: o.noThresholds,
      outputs,
      log: c.log,
      signal: c.interrupt.signal,
      onProgress: c.progress && ((p, ms) => c.progress!.render(p, ms)),
      ...(o.reattached ? { reattached: o.reattached } : {}),
    });
  } catch (e) {
    c.progress?.clear();
    return reportError(e);
  }
  c.progress?.clear();
  for (const line of groupFigures(run)) say(line);
  if (result.abortReason) say(`loadgen: run stopped early: ${result.abortReason}`);
  if (result.exitCode === ExitCode.thresholdsFailed) say(`loadgen: thresholds failed: ${result.thresholds.failedKeys.join(", ")}`);
  say(`loadgen: the group's objects stay for \`loadgen rg result ${run.name}\`; remove them with \`loadgen rg delete ${run.name}${run.namespace === "default" ? "" : ` -n ${run.namespace}`}\``);
  return result.exitCode;
}

/** Start skew (from the runners' own start times) and, after an abort, how long until the last runner stopped. */
export function groupFigures(run: PodGroupRun): string[] {
  const lines: string[] = [];
  const started = [...run.times.started.values()];
  if (started.length > 1) {
    const skew = Math.max(...started) - Math.min(...started);
    lines.push(`loadgen: runner group ${run.name}: ${started.length} runners started within ${skew} ms of each other (start skew)`);
  }
  if (run.times.abortAt !== undefined && run.times.done.size > 0) {
    const last = Math.max(...run.times.done.values());
    lines.push(`loadgen: runner group ${run.name}: abort sent at ${run.times.abortAt}; the last runner stopped at ${last}, ${Math.max(0, last - run.times.abortAt)} ms later`);
  }
  return lines;
}

async function rgResultAction(name: string, flags: RgResultFlags): Promise<number> {
  const c = runConsole(flags.quiet);
  let outputs: Output[];
  try {
    outputs = createRunOutputs({ ...flags, out: [], color: flags.color && !!process.stdout.isTTY }, c.streams);
    const cluster = await groupCluster(flags);
    const { reattachPodGroupRun } = await import("../group/pod-group-run.ts");
    if (!flags.wait) {
      const status = await groupStatus(cluster.kubeConfig, flags.namespace, name);
      if (status.active > 0) {
        say(`loadgen: runner group ${name} is still running (${status.active} of ${status.pods.length} runners); \`loadgen rg result ${name} --wait\` waits for it and prints its merged result`);
        return CommandExitCode.failed;
      }
    }
    const run = await reattachPodGroupRun({ name, namespace: flags.namespace, cluster, log: c.log, tolerateLost: flags.tolerateLost });
    say(`loadgen: run ${run.runId}: ${run.title}${run.finished ? ` (finished before with exit code ${run.finished.exitCode}; teardown is not run again)` : ""}`);
    return await finishRun(run, c, outputs, { noThresholds: !flags.thresholds, reattached: run.reattached });
  } catch (e) {
    return reportError(e);
  }
}

interface GroupStatus {
  readonly job: string;
  readonly active: number;
  readonly pods: ReadonlyArray<{ index: string; pod: string; node: string; phase: string; exitCode: string; reason: string }>;
}

async function groupStatus(kc: KubeConfig, namespace: string, name: string): Promise<GroupStatus> {
  const { BatchV1Api, CoreV1Api } = await import("@kubernetes/client-node");
  const { GROUP_LABEL, COMPLETION_INDEX_LABEL, RUNNER_CONTAINER } = await import("../group/pod-objects.ts");
  const job = await kc.makeApiClient(BatchV1Api).readNamespacedJob({ namespace, name }).catch((e) => {
    if ((e as { code?: number }).code === 404) throw new LoadgenError(`no runner group ${name} in namespace ${namespace}`, CommandExitCode.failed as never);
    throw e;
  });
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: `${GROUP_LABEL}=${name}` });
  const conditions = (job.status?.conditions ?? []).filter((x) => x.status === "True").map((x) => x.type);
  return {
    job: `${conditions.join(",") || "Running"}; ${job.status?.succeeded ?? 0} succeeded, ${job.status?.failed ?? 0} failed, ${job.status?.active ?? 0} active of ${job.spec?.completions}`,
    // A runner whose container has ended is not running, though the kubelet may report its pod's phase as Running
    // for a while longer (it sets the final phase once the pod is torn down).
    active: pods.items.filter((p) => (p.status?.phase === "Pending" || p.status?.phase === "Running") && !p.status?.containerStatuses?.find((x) => x.name === RUNNER_CONTAINER)?.state?.terminated).length,
    pods: pods.items
      .map((p) => {
        const st = p.status?.containerStatuses?.find((x) => x.name === RUNNER_CONTAINER);
        const t = st?.state?.terminated;
        return {
          index: p.metadata?.labels?.[COMPLETION_INDEX_LABEL] ?? "?",
          pod: p.metadata!.name!,
          node: p.spec?.nodeName ?? "-",
          phase: p.metadata?.deletionTimestamp ? "Terminating" : p.status?.phase ?? "?",
          exitCode: t ? String(t.exitCode) : "-",
          reason: t?.reason ?? st?.state?.waiting?.reason ?? "",
        };
      })
      .sort((a, b) => Number(a.index) - Number(b.index)),
  };
}

async function rgStatusAction(name: string, flags: FlagValues<typeof GROUP_FLAGS>): Promise<number> {
  try {
    const cluster = await groupCluster(flags);
    const s = await groupStatus(cluster.kubeConfig, flags.namespace, name);
    const { findGroup } = await import("../group/pod-group-run.ts");
    const found = await findGroup(cluster.kubeConfig, flags.namespace, name).catch(() => undefined);
    const control = found?.control ?? {};
    const stage = control.finished ? `finished (exit code ${JSON.parse(control.finished).exitCode})` : control.abort ? "aborting" : control.start ? "started" : "waiting for every runner to be ready";
    process.stdout.write(`runner group ${name} (namespace ${flags.namespace}, run ${found?.manifest.runId ?? "?"}): ${stage}\n  Job: ${s.job}\n`);
    const rows = [["INDEX", "POD", "NODE", "PHASE", "EXIT CODE", "REASON"], ...s.pods.map((p) => [p.index, p.pod, p.node, p.phase, p.exitCode, p.reason])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) process.stdout.write("  " + r.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd() + "\n");
    return CommandExitCode.ok;
  } catch (e) {
    reportError(e);
    return CommandExitCode.failed;
  }
}

async function rgDeleteAction(name: string, flags: FlagValues<typeof GROUP_FLAGS>): Promise<number> {
  try {
    const cluster = await groupCluster(flags);
    const { deleteGroup } = await import("../group/pod-group-delete.ts");
    const n = await deleteGroup(cluster.kubeConfig, flags.namespace, name, say);
    say(`loadgen: runner group ${name}: ${n} object${n === 1 ? "" : "s"} deleted`);
    return CommandExitCode.ok;
  } catch (e) {
    reportError(e);
    return CommandExitCode.failed;
  }
}
