/**
 * `loadgen rg run` and `loadgen rg result`: a runner group of pods as a Run (runtime/execution/run.ts), so the CLI
 * drives it like any run (outputs, summary, exit code). The coordinator is this process: it prepares the scenario as
 * a one-process run would (bundle, init code, options, thresholds), creates the group's objects (pod-objects.ts),
 * then executeRun drives a GroupExecution over the pods (pod-runners.ts): setup once here, thresholds on the merged
 * data, teardown and handleSummary once here.
 *
 * The runners and this coordinator run the scenario's archive (runtime/archive, as `loadgen job` does), put in the
 * group's payload ConfigMaps.
 *
 * Reattaching (`rg result NAME`): the archive is read back from the group's payload ConfigMaps (so a machine with
 * only a kubeconfig can do it), every pod's log is read from its start (every snapshot is there, in order), and the
 * merge is finished as the first coordinator would have. setup() is not run again: its data is in the `start`
 * command the group already has. teardown() runs only if no coordinator recorded the group as finished (the control
 * ConfigMap's `finished` key); handleSummary() runs every time, on the re-merged data (it makes the result's files).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { InvalidOptionsError, LoadgenError } from "../errors.ts";
import { ExitCode } from "../exit-codes.ts";
import { executeRun, type RunResult } from "../execution/execute-run.ts";
import type { PreparedRun } from "../execution/prepare-run.ts";
import type { Run, RunExecuteOptions } from "../execution/run.ts";
import type { CliOverrides } from "../config/options.ts";
import { labelValue } from "../kube/labels.ts";
import type { KubeObject } from "../kube/object-meta.ts";
import type { Archive } from "../archive/archive.ts";
import { readArchiveFile } from "../archive/read-archive.ts";
import { archiveBytes } from "../archive/write-archive.ts";
import { archiveInput } from "../formats/archive-input.ts";
import type { RunRequest } from "../formats/format.ts";
import type { KperfProfile } from "../kperf/profile.ts";
import { archivedKperfProfile } from "../formats/kperf-runner-group.ts";
import { kperfFlagsSet } from "../formats/registry.ts";
import { prepareArchivedScenario } from "../formats/loadgen-archive.ts";
import { prepareKperfRun } from "../kperf/kperf-run.ts";
import { profileAccess } from "../kperf/profile-access.ts";
import { kperfGroupLoad } from "./kperf-group-load.ts";
import { DEFAULT_ACCESS_RULES, type AccessRule } from "../job/job-spec.ts";
import { stdlibModules } from "../../stdlib/modules.ts";
import { decodeLine, type CoordinatorCommand } from "./protocol.ts";
import { GroupExecution } from "./group-execution.ts";
import { equalSegments } from "./local-workers.ts";
import { controlName, GROUP_LABEL, groupObjects, payloadName, type GroupManifest, type PodPlacement } from "./pod-objects.ts";
import { PodGroup, type GroupTimes } from "./pod-runners.ts";

/** The cluster the coordinator talks to, as a kubeconfig file (the scenario's own modules use the same). */
export interface GroupCluster {
  readonly kubeConfig: KubeConfig;
  /** The file it was read from, and the context, passed to the scenario's modules. */
  readonly flags: { readonly kubeconfig?: string; readonly context?: string };
}

export interface PodGroupRunOptions {
  /** A scenario, a kperf load profile, or a kperf runner-group spec (or an archive of one). */
  readonly script: string;
  /** Runner pods; default a runner-group spec's count, else 1. */
  readonly count?: number;
  readonly namespace: string;
  readonly image: string;
  readonly placement: PodPlacement;
  readonly cli: CliOverrides;
  readonly env: Readonly<Record<string, string>>;
  readonly thresholds?: Readonly<Record<string, readonly string[]>>;
  readonly runId: string;
  /** The group's name (the Job's); by default `rg-<run id>`. */
  readonly name?: string;
  readonly tolerateLost: number;
  readonly readyTimeoutMs: number;
  readonly serviceAccount?: string;
  readonly ownerReference?: string;
  /** `--allow` rules (loadgen job's) for a scenario that talks to the cluster; its default when none is given. */
  readonly allow?: readonly AccessRule[];
  /** kperf's `--result-format kperf` `--raw-data` and overrides, for a profile. */
  readonly kperf?: RunRequest["kperf"];
  readonly cluster: GroupCluster;
  readonly log: (line: string) => void;
}

/** A group's Run, and what it measured for the figures the CLI prints. */
export interface PodGroupRun extends Run {
  readonly name: string;
  readonly namespace: string;
  readonly times: GroupTimes;
  /** The pods, for the lines the CLI prints (index → pod name and node). */
  readonly group: PodGroup;
}

/** The group name for a run id (a DNS label: the Job's pods are named after it). */
export function defaultGroupName(runId: string): string {
  return `rg-${runId}`.toLowerCase();
}

/**
 * Prepares the scenario here (a bad script never creates anything), then creates the group's objects.
 * @throws {LoadgenError} for a script that does not load, or objects the API server refuses.
 */
export async function preparePodGroupRun(o: PodGroupRunOptions): Promise<PodGroupRun> {
  const name = o.name ?? defaultGroupName(o.runId);
  // The runners run the scenario's archive (loadgen archive's): the bundle, the files its init code opens, its
  // resolved options, so every pod runs exactly what was checked here, with no source tree. The coordinator runs the
  // same archive.
  const archived = await archiveInput(o.script, { cli: o.cli, env: o.env, cluster: o.cluster.flags, thresholds: o.thresholds, runId: o.runId, log: o.log, kperf: o.kperf });
  if (archived.archive.meta.content === "document") return prepareKperfGroupRun(archived.archive, name, o);
  const kperfFlags = kperfFlagsSet({ cli: o.cli, env: o.env, cluster: o.cluster.flags, runId: o.runId, log: o.log, kperf: o.kperf });
  if (kperfFlags.length) throw new InvalidOptionsError(kperfFlags.map((f) => `${f}: applies to kperf load profiles and runner-group specs; this file is a scenario`), o.script);
  const count = o.count ?? 1;
  const payload = archiveBytes(archived.archive, { gzip: true });
  const prepared = await prepareArchive(archived.archive, o.script, { cli: o.cli, env: o.env, log: o.log, cluster: o.cluster.flags, thresholds: o.thresholds, runId: o.runId });
  const scenario = path.basename(archived.archive.meta.input.source).replace(/\.[cm]?[jt]s$/, "");
  const { segments } = equalSegments(count);
  const manifest: GroupManifest = {
    name, runId: o.runId, count, entry: ARCHIVE_ENTRY, parts: 1, split: "segments", cli: o.cli, env: o.env, control: controlName(name),
  };
  const clusterModules = new Set(stdlibModules.filter((m) => m.usesCluster).map((m) => m.specifier));
  const talksToCluster = [...archived.stdlibImports].some((s) => clusterModules.has(s));
  const access = o.allow?.length ? o.allow : talksToCluster ? DEFAULT_ACCESS_RULES : [];
  const objects = groupObjects({
    name, namespace: o.namespace, runId: o.runId, scenario, count, image: o.image, manifest,
    payload, placement: o.placement, serviceAccount: o.serviceAccount, ownerReference: o.ownerReference, access,
  });
  await createAll(o.cluster.kubeConfig, objects);
  o.log(`loadgen: runner group ${name}: ${count} runner pod${count === 1 ? "" : "s"} (Job ${o.namespace}/${name}, one execution segment each, image ${o.image})`);
  return groupRun(prepared, { name, namespace: o.namespace, segments, tolerateLost: o.tolerateLost, readyTimeoutMs: o.readyTimeoutMs, cluster: o.cluster, log: o.log, title: `${o.script}, on ${count} runner pods` });
}

/**
 * A kperf profile or runner-group spec on runner pods, as kperf runs one: `count` runners (the spec's, unless --count
 * says otherwise), each running the whole profile, placed by its nodeAffinity, as its serviceAccount, owned by its
 * ownerReference; granted cluster-wide what the profile's requests need. The run is kperf-run.ts's with the group as
 * its load (kperf-group-load.ts).
 */
async function prepareKperfGroupRun(archive: Archive, name: string, o: PodGroupRunOptions): Promise<PodGroupRun> {
  const request: RunRequest = { cli: o.cli, env: o.env, cluster: o.cluster.flags, thresholds: o.thresholds, runId: o.runId, log: o.log, kperf: o.kperf };
  const { profile, group: spec } = archivedKperfProfile(archive, o.script, request);
  const count = o.count ?? spec?.count ?? 1;
  const scenario = path.basename(archive.meta.input.source).replace(/\.ya?ml$/i, "");
  const manifest: GroupManifest = { name, runId: o.runId, count, entry: ARCHIVE_ENTRY, parts: 1, split: "whole", cli: o.cli, env: o.env, control: controlName(name) };
  const placement = { ...o.placement, ...(spec?.nodeAffinity ? { nodeAffinity: spec.nodeAffinity } : {}) };
  const serviceAccount = o.serviceAccount ?? spec?.serviceAccount;
  const objects = groupObjects({
    name, namespace: o.namespace, runId: o.runId, scenario, count, image: o.image, manifest, payload: archiveBytes(archive, { gzip: true }),
    placement, serviceAccount, ownerReference: o.ownerReference ?? spec?.ownerReference, clusterAccess: [...profileAccess(profile), ...(o.allow ?? [])],
  });
  const title = `${o.script}, on ${count} runner pods, each running the whole profile`;
  // Prepared (thresholds, cluster access) before anything is created: a bad threshold leaves nothing behind.
  const run = await kperfGroupRun(profile, archive, { name, namespace: o.namespace, count, tolerateLost: o.tolerateLost, readyTimeoutMs: o.readyTimeoutMs, cluster: o.cluster, log: o.log, title, thresholds: o.thresholds, runId: o.runId, file: o.script });
  await createAll(o.cluster.kubeConfig, objects);
  o.log(`loadgen: runner group ${name}: ${count} runner pod${count === 1 ? "" : "s"} (Job ${o.namespace}/${name}, each running the whole profile, as kperf's runners; image ${o.image}${serviceAccount ? `; as ServiceAccount ${serviceAccount}` : ""})`);
  return run;
}

/** The Run of a kperf group whose objects exist (or are about to): kperf-run.ts's, with the group's pods as its load. */
async function kperfGroupRun(profile: KperfProfile, archive: Archive, o: Omit<GroupRunOptions, "segments"> & { count: number; thresholds?: PodGroupRunOptions["thresholds"]; runId: string; file: string }): Promise<PodGroupRun> {
  const group = new PodGroup({ kubeConfig: o.cluster.kubeConfig, namespace: o.namespace, name: o.name, count: o.count, segments: Array.from({ length: o.count }, () => "whole"), log: o.log, readyTimeoutMs: o.readyTimeoutMs });
  const run = await prepareKperfRun(profile, {
    file: o.file, format: archive.meta.input.format, runId: o.runId, cluster: o.cluster.flags, log: o.log, thresholds: o.thresholds, title: o.title,
    load: kperfGroupLoad(() => group.links, { noun: "runners", columns: { name: "pod", where: "node" }, log: o.log, tolerateLost: o.tolerateLost }),
  });
  return {
    runId: o.runId, name: o.name, namespace: o.namespace, title: o.title, times: group.times, group,
    execute: (x: RunExecuteOptions) => executeGroup(group, o, () => run.execute(x)),
  };
}

/** What a reattaching coordinator finds of a group. */
export interface FoundGroup {
  readonly manifest: GroupManifest;
  /** The commands written so far, by key, and the first coordinator's end (`finished`). */
  readonly control: Readonly<Record<string, string>>;
}

/** Reads a group's manifest and control ConfigMap. @throws {LoadgenError} naming what is missing. */
export async function findGroup(kc: KubeConfig, namespace: string, name: string): Promise<FoundGroup & { payload: Buffer }> {
  const { CoreV1Api } = await import("@kubernetes/client-node");
  const core = kc.makeApiClient(CoreV1Api);
  const read = async (cm: string) => {
    try {
      return await core.readNamespacedConfigMap({ namespace, name: cm });
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 404) throw new LoadgenError(`no runner group ${name} in namespace ${namespace} (ConfigMap ${cm} not found)`, ExitCode.invalidConfig);
      throw e;
    }
  };
  const first = await read(payloadName(name, 0));
  const manifest = JSON.parse(first.data?.["group.json"] ?? "null") as GroupManifest | null;
  if (manifest === null) throw new LoadgenError(`ConfigMap ${payloadName(name, 0)} has no group.json: not a runner group's`, ExitCode.invalidConfig);
  const parts: Buffer[] = [];
  for (let i = 0; i < manifest.parts; i++) {
    const cm = i === 0 ? first : await read(payloadName(name, i));
    const data = Object.values(cm.binaryData ?? {})[0] ?? "";
    parts.push(Buffer.from(data, "base64"));
  }
  const control = (await read(controlName(name))).data ?? {};
  return { manifest, control, payload: Buffer.concat(parts) };
}

/**
 * Reattaches to a group: its scenario from the payload, prepared here again, the pods' logs read from the start.
 * @throws {LoadgenError} when the group does not exist, or never started (no `start` command: nothing to merge).
 */
export async function reattachPodGroupRun(o: { name: string; namespace: string; cluster: GroupCluster; log: (line: string) => void; thresholds?: Readonly<Record<string, readonly string[]>>; tolerateLost?: number }): Promise<PodGroupRun & { reattached: NonNullable<RunExecuteOptions["reattached"]>; finished?: { exitCode: number } }> {
  const found = await findGroup(o.cluster.kubeConfig, o.namespace, o.name);
  const m = found.manifest;
  if (found.control.start === undefined) throw new LoadgenError(`runner group ${o.name} has not started (no coordinator got its runners past the ready barrier); delete it with \`loadgen rg delete ${o.name}\``, ExitCode.invalidConfig);
  const start = decodeLine<CoordinatorCommand>(found.control.start);
  const file = writePayload(found.payload, m.entry);
  const archive = readArchiveFile(file);
  if (archive === undefined) throw new LoadgenError(`runner group ${o.name}: its payload is not a loadgen archive`, ExitCode.invalidConfig);
  const finishedBefore = found.control.finished === undefined ? undefined : (JSON.parse(found.control.finished) as { exitCode: number });
  if (archive.meta.content === "document") {
    const { profile } = archivedKperfProfile(archive, file, { cli: m.cli, env: m.env, cluster: o.cluster.flags, thresholds: o.thresholds, runId: m.runId, log: o.log });
    const title = `${archive.meta.input.source} (reattached), on ${m.count} runner pods, each running the whole profile`;
    const run = await kperfGroupRun(profile, archive, { name: o.name, namespace: o.namespace, count: m.count, tolerateLost: o.tolerateLost ?? 0, readyTimeoutMs: 60_000, cluster: o.cluster, log: o.log, title, thresholds: o.thresholds, runId: m.runId, file: archive.meta.input.source });
    return { ...run, reattached: { setupJson: undefined, teardown: false }, finished: finishedBefore };
  }
  const prepared = await prepareArchive(archive, file, { cli: m.cli, env: m.env, log: o.log, cluster: o.cluster.flags, thresholds: o.thresholds, runId: m.runId });
  const { segments } = equalSegments(m.count);
  const finished = finishedBefore;
  const run = groupRun(prepared, { name: o.name, namespace: o.namespace, segments, tolerateLost: o.tolerateLost ?? 0, readyTimeoutMs: 60_000, cluster: o.cluster, log: o.log, title: `${m.entry} (reattached), on ${m.count} runner pods` });
  const setupJson = start?.type === "start" ? start.setupJson : undefined;
  return { ...run, reattached: { setupJson, teardown: finished === undefined }, finished };
}

/** The payload's name in the manifest: a gzipped loadgen archive. */
const ARCHIVE_ENTRY = "scenario.loadgen.tar.gz";

/** The payload as a file (in a folder of its own under the temp dir), for the archive reader. */
export function writePayload(payload: Buffer, entry: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "loadgen-rg-"));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, entry);
  writeFileSync(file, payload);
  return file;
}

/** A run of a scenario archive, as `loadgen run FILE.tar` prepares one (the archive's -e values under the run's). */
export function prepareArchive(archive: Archive, file: string, o: { cli: CliOverrides; env: Readonly<Record<string, string>>; log: (line: string) => void; cluster: GroupCluster["flags"]; thresholds?: Readonly<Record<string, readonly string[]>>; runId: string; group?: "coordinator" | "runner" }): Promise<PreparedRun> {
  return prepareArchivedScenario(archive, file, { ...o, group: o.group ?? "coordinator" });
}

interface GroupRunOptions {
  readonly name: string;
  readonly namespace: string;
  readonly segments: readonly string[];
  readonly tolerateLost: number;
  readonly readyTimeoutMs: number;
  readonly cluster: GroupCluster;
  readonly log: (line: string) => void;
  readonly title: string;
}

function groupRun(prepared: PreparedRun, o: GroupRunOptions): PodGroupRun {
  const group = new PodGroup({ kubeConfig: o.cluster.kubeConfig, namespace: o.namespace, name: o.name, count: o.segments.length, segments: o.segments, log: o.log, readyTimeoutMs: o.readyTimeoutMs });
  const execution = (run: PreparedRun, errors: ConstructorParameters<typeof GroupExecution>[1]) =>
    new GroupExecution(run, errors, {
      noun: "runners",
      columns: { name: "pod", where: "node" },
      log: o.log,
      tolerateLost: o.tolerateLost,
      launch: () => group.links,
    });
  return {
    runId: prepared.runId,
    name: o.name,
    namespace: o.namespace,
    title: o.title,
    times: group.times,
    group,
    execute: (x: RunExecuteOptions) => executeGroup(group, o, () => executeRun(prepared, { ...x, input: { format: "runner-group", source: o.title }, execution })),
  };
}

/** Runs a group's run with its pods followed, and records its end in the control ConfigMap (reattaching reads it). */
async function executeGroup(group: PodGroup, o: Pick<GroupRunOptions, "cluster" | "namespace" | "name" | "log">, execute: () => Promise<RunResult>): Promise<RunResult> {
  await group.open();
  try {
    const result = await execute();
    await group.flushed();
    await markFinished(o.cluster.kubeConfig, o.namespace, o.name, result.exitCode).catch((e) => o.log(`WARN  could not record the group's end in ${controlName(o.name)}: ${(e as Error).message}`));
    return result;
  } finally {
    group.close();
  }
}

/** Records in the control ConfigMap that a coordinator finished the group (teardown ran): reattaching skips it. */
async function markFinished(kc: KubeConfig, namespace: string, name: string, exitCode: number): Promise<void> {
  const { CoreV1Api } = await import("@kubernetes/client-node");
  const core = kc.makeApiClient(CoreV1Api);
  const cm = await core.readNamespacedConfigMap({ namespace, name: controlName(name) });
  if (cm.data?.finished !== undefined) return;
  cm.data = { ...cm.data, finished: JSON.stringify({ exitCode, at: new Date().toISOString() }) };
  await core.replaceNamespacedConfigMap({ namespace, name: controlName(name), body: cm });
}

/** Creates the objects in order. @throws {LoadgenError} naming the object the API server refused. */
async function createAll(kc: KubeConfig, objects: readonly KubeObject[]): Promise<void> {
  const { KubernetesObjectApi } = await import("@kubernetes/client-node");
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    try {
      await api.create(obj as never);
    } catch (e) {
      const body = (e as { body?: unknown }).body;
      const message = typeof body === "string" ? (tryJson(body)?.message ?? body) : (e as Error).message;
      throw new LoadgenError(`could not create ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${message}`, ExitCode.engineError);
    }
  }
}

function tryJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The label selector of a group's objects. */
export function groupSelector(name: string): string {
  return `${GROUP_LABEL}=${labelValue(name)}`;
}

export { InvalidOptionsError };
