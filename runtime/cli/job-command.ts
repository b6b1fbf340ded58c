// `loadgen job SCENARIO`: the scenario archived (runtime/formats/archive-input.ts), the archive in ConfigMaps, and a
// Kubernetes Job (or CronJob) whose pod runs `loadgen run` on it (runtime/job); the command waits for the run and exits
// with its exit code (0, 99, …). `loadgen job result NAME` prints the summary the runner left; `loadgen job delete
// NAME | -l SELECTOR` removes everything. On the local cluster the pod goes to its real node, in loadgen's own image.
import path from "node:path";
import { Command } from "commander";
import { archiveBytes } from "../archive/write-archive.ts";
import { CommandExitCode, ExitCode } from "../exit-codes.ts";
import { LoadgenError } from "../errors.ts";
import { localClusterInfo, resolveClusterAccess } from "../execution/resolve-cluster-access.ts";
import { newRunId } from "../execution/run-id.ts";
import { executorFor } from "../executor/mod.ts";
import { archiveInput } from "../formats/archive-input.ts";
import type { ClusterAccess, ClusterFlags, LocalClusterInfo } from "../kube/cluster-access.ts";
import type { KubeClient } from "../kube/client.ts";
import { K8sError } from "../kube/errors.ts";
import { applyJob } from "../job/job-apply.ts";
import { defaultDeadlineSeconds } from "../job/job-deadline.ts";
import { deleteJobObjects, jobSelector } from "../job/job-delete.ts";
import { followJob } from "../job/job-follow.ts";
import { jobManifests, manifestList, manifestsYaml } from "../job/job-manifests.ts";
import { jobResult } from "../job/job-result.ts";
import { DEFAULT_ACCESS_RULES, type JobSpec, type Placement } from "../job/job-spec.ts";
import { loadgenVersion } from "../util/package-version.ts";
import { stdlibModules } from "../../stdlib/modules.ts";
import { addFlags } from "./flags.ts";
import { JOB_DELETE_FLAGS, JOB_FLAGS, JOB_RESULT_FLAGS, type JobDeleteFlags, type JobFlags, type JobResultFlags } from "./job-flags.ts";
import { reportError } from "./report-error.ts";

const say = (line: string) => process.stderr.write(`loadgen job: ${line}\n`);
/** Writes to stdout and waits until it is handed on: the command exits right after, and a pipe is written asynchronously. */
const writeOut = (text: string) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));

/** Where the job goes: the cluster (resolved, or none for a dry run without one) and whether it is the local one. */
interface Target {
  readonly access: ClusterAccess | undefined;
  readonly local: LocalClusterInfo | undefined;
  /** The target is the local cluster (or, for a dry run with no cluster configured, would be). */
  readonly isLocal: boolean;
}

/**
 * The cluster a job goes to. A dry run contacts nothing and starts nothing: with no kubeconfig it assumes the local
 * cluster, which `loadgen job` would use.
 */
async function resolveTarget(flags: ClusterFlags, dryRun: boolean): Promise<Target> {
  if (!dryRun) {
    const access = await resolveClusterAccess(flags, say);
    const local = await localClusterInfo();
    return { access, local, isLocal: local !== undefined && local.server === access.origin };
  }
  const { loadClusterAccess } = await import("../kube/cluster-access.ts");
  const local = await localClusterInfo();
  const noCluster = new Error("no cluster");
  try {
    const access = await loadClusterAccess(flags, async () => {
      if (local === undefined) throw noCluster;
      return (await import("../cluster/local-cluster.ts")).localKubeconfigPath();
    });
    return { access, local, isLocal: local !== undefined && local.server === access.origin };
  } catch (e) {
    if (e === noCluster) return { access: undefined, local: undefined, isLocal: true };
    throw e;
  }
}

/** The real node's placement (host network, its name and taint), or undefined for wherever the scheduler puts it. */
async function placementFor(where: string, target: Target): Promise<Placement | undefined> {
  if (where === "cluster" || (where === "auto" && !target.isLocal)) return undefined;
  if (where === "auto" && target.local !== undefined && target.local.realNode === undefined) {
    throw new LoadgenError("the local cluster runs no real node, and its fake nodes cannot run the Job's pod (`loadgen cluster up` adds it; --placement cluster to place it anyway)", ExitCode.invalidConfig);
  }
  const { NODE_NAME, REAL_NODE_TOLERATION } = await import("../cluster/kubelet.ts");
  return { nodeName: target.local?.realNode?.name ?? NODE_NAME, tolerations: [{ ...REAL_NODE_TOLERATION }], hostNetwork: true };
}

/** loadgen's local image on the real node: built from this checkout when a file changed, imported when missing. */
async function ensureLocalImage(): Promise<string> {
  const { buildLoadgenImage } = await import("../image/image-build.ts");
  const { importIntoRealNode } = await import("../cluster/local-cluster.ts");
  const started = performance.now();
  const built = await buildLoadgenImage();
  if (!built.reused) say(`built loadgen's image ${built.ref} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const r = await importIntoRealNode(built);
  if ("notImported" in r) throw new LoadgenError(`loadgen's image could not be put on the real node: ${r.notImported}`, ExitCode.engineError);
  if (r.imported) say(`imported ${built.ref} into the local cluster's real node`);
  return built.ref;
}

/** `loadgen-<scenario>-<6 hex>` from the scenario's file name and the run id. */
function defaultName(source: string, runId: string): string {
  const base = path.basename(source).replace(/\.[^.]*$/, "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 30).replace(/-+$/, "");
  return `loadgen-${base || "scenario"}-${runId.slice(-6)}`;
}

async function kubeClient(access: ClusterAccess, runId: string): Promise<KubeClient> {
  const { KubeClient } = await import("../kube/client.ts");
  const { DEFAULT_K8S_OPTIONS } = await import("../kube/k8s-options.ts");
  return new KubeClient(access, DEFAULT_K8S_OPTIONS, { runId });
}

async function jobAction(file: string, flags: JobFlags): Promise<number> {
  const runId = flags.name ?? newRunId();
  const archived = await archiveInput(file, {
    cli: { vus: flags.vus, duration: flags.duration, iterations: flags.iterations },
    env: flags.env,
    cluster: {},
    thresholds: Object.keys(flags.threshold).length ? flags.threshold : undefined,
    runId,
    log: say,
  });
  const { archive } = archived;
  const name = flags.name ?? defaultName(archive.meta.input.source, runId);
  const target = await resolveTarget({ kubeconfig: flags.kubeconfig, context: flags.context }, flags.dryRun === true);
  const namespace = flags.namespace ?? target.access?.defaultNamespace ?? "default";
  const placement = await placementFor(flags.placement, target);
  const image = flags.image ?? (placement !== undefined && !flags.dryRun ? await ensureLocalImage() : `loadgen.local/loadgen:${loadgenVersion()}`);
  const clusterModules = new Set(stdlibModules.filter((m) => m.usesCluster).map((m) => m.specifier));
  const talksToCluster = [...archived.stdlibImports].some((s) => clusterModules.has(s));
  const plan = archived.plan && {
    scenariosMs: Math.max(0, ...archived.plan.scenarios.map((s) => s.startTimeMs + executorFor(s).maxDurationMs(s))),
    setupTimeoutMs: archived.plan.setupTimeoutMs,
    teardownTimeoutMs: archived.plan.teardownTimeoutMs,
  };
  const spec: JobSpec = {
    name,
    namespace,
    runId,
    loadTest: flags.env.TEST ?? name,
    scenario: archive.meta.input.source,
    image,
    archive: archiveBytes(archive, { gzip: true }),
    ...(flags.waitFor ? { waitFor: flags.waitFor } : {}),
    activeDeadlineSeconds: flags.deadline !== undefined ? Math.ceil(flags.deadline / 1000) : defaultDeadlineSeconds(plan, flags.waitFor !== undefined),
    ttlSecondsAfterFinished: Math.ceil(flags.ttl / 1000),
    ...(flags.schedule ? { schedule: flags.schedule } : {}),
    resources: { requests: flags.requests, limits: flags.limits },
    ...(talksToCluster || flags.allow.length ? { clusterAccess: { rules: flags.allow.length ? flags.allow : DEFAULT_ACCESS_RULES } } : {}),
    ...(placement ? { placement } : {}),
  };
  const manifests = jobManifests(spec);
  if (flags.dryRun) {
    await writeOut(flags.output === "json" ? JSON.stringify({ apiVersion: "v1", kind: "List", items: manifestList(manifests) }, null, 2) + "\n" : manifestsYaml(manifests));
    return CommandExitCode.ok;
  }
  if (talksToCluster && flags.allow.length === 0) {
    say(`the scenario talks to the cluster: its ServiceAccount ${name} gets a token and read access to its namespace's workloads (no secrets, no writes); grant more with --allow VERBS:RESOURCES`);
  }
  const client = await kubeClient(target.access!, runId);
  try {
    await applyJob(client, manifests, say);
    const kind = spec.schedule ? "CronJob" : "Job";
    const parts = manifests.configMaps.length;
    say(`created ${kind} ${namespace}/${name} (run ${runId}; the archive of ${spec.scenario} in ${parts} ConfigMap${parts === 1 ? "" : "s"}, ${(spec.archive.length / 1024).toFixed(1)} KiB; deadline ${spec.activeDeadlineSeconds} s${placement ? `; on the real node ${placement.nodeName}` : ""})`);
    if (spec.schedule || !flags.wait) {
      say(`${spec.schedule ? `runs on "${spec.schedule}"` : "running"}; \`loadgen job result ${name}\` prints its summary once it has ended, \`loadgen job delete ${name}\` removes it`);
      return CommandExitCode.ok;
    }
    const interrupt = new AbortController();
    const onSignal = () => interrupt.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const outcome = await followJob(client, namespace, name, {
      follow: flags.follow === true,
      initContainers: (manifests.workload.spec as { template: { spec: { initContainers?: Array<{ name: string }> } } }).template.spec.initContainers?.map((c) => c.name) ?? [],
      output: (text) => void process.stdout.write(text),
      log: say,
      signal: interrupt.signal,
    });
    if (outcome.phase === "interrupted") {
      say(`stopped waiting; the Job goes on (\`loadgen job result ${name}\`, \`loadgen job delete ${name}\`)`);
      return CommandExitCode.interrupted;
    }
    if (outcome.phase === "failed") {
      say(`${outcome.why}; \`loadgen job delete ${name}\` removes it`);
      return CommandExitCode.failed;
    }
    const meaning = outcome.exitCode === ExitCode.ok ? "every threshold passed" : outcome.exitCode === ExitCode.thresholdsFailed ? "thresholds failed" : outcome.reason;
    say(`run ${runId} ended with exit code ${outcome.exitCode} (${meaning}); \`loadgen job result ${name}\` prints its summary`);
    await writeOut("");
    return outcome.exitCode;
  } finally {
    await client.close();
  }
}

async function resultAction(name: string, flags: JobResultFlags): Promise<number> {
  const access = await resolveClusterAccess({ kubeconfig: flags.kubeconfig, context: flags.context }, say);
  const client = await kubeClient(access, "job-result");
  try {
    const r = await jobResult(client, flags.namespace ?? access.defaultNamespace, name);
    if (!r.found) {
      say(r.why);
      return CommandExitCode.failed;
    }
    await writeOut(r.summaryJson + "\n");
    say(`summary of pod ${r.pod} (exit code ${r.exitCode})`);
    return CommandExitCode.ok;
  } finally {
    await client.close();
  }
}

async function deleteAction(name: string | undefined, flags: JobDeleteFlags): Promise<number> {
  if ((name === undefined) === (flags.selector === undefined)) {
    say("give a job's name or -l SELECTOR, not both");
    return CommandExitCode.failed;
  }
  const access = await resolveClusterAccess({ kubeconfig: flags.kubeconfig, context: flags.context }, say);
  const client = await kubeClient(access, "job-delete");
  const namespace = flags.namespace ?? access.defaultNamespace;
  try {
    const selector = jobSelector(name !== undefined ? { name } : { selector: flags.selector! });
    const r = await deleteJobObjects(client, namespace, selector, { timeoutMs: flags.timeout });
    const total = Object.values(r.deleted).reduce((a, b) => a + b, 0);
    if (total === 0) {
      say(`nothing in namespace ${namespace} matches ${selector}`);
      return name !== undefined ? CommandExitCode.failed : CommandExitCode.ok;
    }
    const what = Object.entries(r.deleted).map(([k, n]) => `${n} ${k.split(".")[0]}`).join(", ");
    if (r.remaining > 0) {
      say(`deleted ${what}; ${r.remaining} still there after ${flags.timeout / 1000} s`);
      return CommandExitCode.failed;
    }
    say(`deleted ${what} (${selector} in ${namespace}); all gone`);
    return CommandExitCode.ok;
  } finally {
    await client.close();
  }
}

/** Runs `action` with the CLI's error reporting: our errors as one line, the API server's with their reason. */
function reported(action: () => Promise<number>): Promise<void> {
  return action()
    .then((code) => {
      process.exitCode = code;
    })
    .catch((e) => {
      if (e instanceof K8sError) {
        say(`${e.message}${e.code ? ` [${e.code}]` : ""}`);
        process.exitCode = CommandExitCode.failed;
      } else process.exitCode = reportError(e);
    })
    .finally(() => setImmediate(() => process.exit()));
}

export function jobCommand(): Command {
  const job = addFlags(
    new Command("job")
      .description("run a scenario as a Kubernetes Job (or CronJob with --schedule) from its archive, and exit with the run's exit code")
      .argument("<scenario>", "scenario (.ts or .js), KubeVirt workload or kperf profile (.yaml), as for loadgen run"),
    JOB_FLAGS,
  )
    // Options after `result`/`delete` are theirs (-n), not the job command's.
    .enablePositionalOptions()
    .action((file: string, flags: JobFlags) => reported(() => jobAction(file, flags)));
  job.addCommand(
    addFlags(new Command("result").description("print the summary JSON a job's run left (the newest ended pod's)").argument("<name>", "the job's name"), JOB_RESULT_FLAGS)
      .action((name: string, flags: JobResultFlags) => reported(() => resultAction(name, flags))),
  );
  job.addCommand(
    addFlags(new Command("delete").description("delete a job's Job or CronJob, pods, ConfigMaps, ServiceAccount and Role, and wait until they are gone").argument("[name]", "the job's name"), JOB_DELETE_FLAGS)
      .action((name: string | undefined, flags: JobDeleteFlags) => reported(() => deleteAction(name, flags))),
  );
  return job;
}
