// The local control plane behind `loadgen cluster`: real etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler, plus kwok standing in for
// kubelets and KubeVirt's controllers, on 127.0.0.1; and beside kwok's fake
// nodes one real node (containerd + kubelet) whose pods really run. Up and
// down are idempotent; a failed `up` stops whatever it had started.
import { createHash } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { mkdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { apiserverArgs, apiserverReady } from "./apiserver.ts";
import { ensureBinaries, type Binaries, type NodeBinaries } from "./build.ts";
import { CONTAINERD_VERSION, ETCD_VERSION, KUBERNETES_VERSION, KWOK_VERSION } from "./components.ts";
import { containerdArgs, containerdListening, imageDigest, importImage, renderContainerdConfig, writeContainerdFiles } from "./containerd.ts";
import { componentHealthy, controllerManagerArgs } from "./controller-manager.ts";
import { installCrds } from "./crds.ts";
import { etcdArgs, etcdHealthy } from "./etcd.ts";
import { installRealNodeAdmission, realNodeAdmissionInEffect, removeRealNodeAdmission } from "./real-node-admission.ts";
import { deleteNode, kubeletArgs, kubeletHealthy, NODE_NAME, nodeReady, renderKubeletConfig, writeKubeletFiles } from "./kubelet.ts";
import { currentStageTiming, kwokArgs, kwokConfigHash, kwokHealthy, renderKwokConfig, writeKwokConfig } from "./kwok.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { acquireLock } from "./lock.ts";
import { clusterDir, clusterPaths, type ClusterPaths } from "./paths.ts";
import { ensureNodeCertificates, generatePki, pkiFiles, type Pki } from "./pki.ts";
import { LOOPBACK, pickPorts } from "./ports.ts";
import { processState, startProcess, stopProcess, tailFile } from "./processes.ts";
import { waitReady } from "./readiness.ts";
import { prepareRealNode, realNodeRequirements, teardownRealNode, type RealNodeRecord } from "./real-node.ts";
import { schedulerArgs } from "./scheduler.ts";
import { COMPONENT_ORDER, componentsOf, readState, REAL_NODE_COMPONENTS, writeState, type ClusterState, type ComponentName, type ComponentRecord } from "./state.ts";
import { ensurePauseArchive, PAUSE_IMAGE } from "../image/pause-image.ts";

export { BuildError } from "./build.ts";
export { GoToolchainMissingError } from "./go-toolchain.ts";
export { PortInUseError } from "./ports.ts";
export { ComponentStartError } from "./readiness.ts";

export interface ClusterUpOptions {
  /** API Priority and Fairness and the in-flight limits, as kube-apiserver ships them (default true). */
  apf?: boolean;
  /** Progress lines (builds, starts); default: silent. */
  log?: (line: string) => void;
  /** kube-apiserver's port; default: a free port. */
  port?: number;
  /** Stage timing file; default $LOADGEN_STAGE_TIMING, else controlplane/manifests/stages/timing.yaml. */
  stageTiming?: string;
  /** Extra command-line flags per component, appended last (e.g. feature gates); used when a component (re)starts. */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
  /** Cluster dir; default $LOADGEN_CLUSTER_DIR or ~/.local/share/loadgen/cluster. */
  dir?: string;
  /**
   * The real node (containerd + kubelet + the machine's runc); default true unless LOADGEN_REAL_NODE=0. Where the
   * machine cannot run it (not Linux, not root, no runc) the cluster starts without it and says why.
   */
  realNode?: boolean;
}

/** The real node as `up` and `status` report it. */
export interface RealNodeInfo {
  name: string;
  runc: { path: string; version: string };
  cgroupRoot: string;
  /** Node Ready=True by its own conditions (status only; `up` waits for it). */
  ready?: boolean;
}

export interface ComponentInfo {
  name: ComponentName;
  pid: number;
  port: number;
  version: string;
  logFile: string;
}

export interface ClusterInfo {
  kubeconfig: string;
  server: string;
  dir: string;
  apf: boolean;
  stageTimingFile: string;
  components: ComponentInfo[];
  /** True when `up` found the cluster already running (possibly restarting one component, see `restarted`). */
  alreadyRunning: boolean;
  /** Components a re-run of `up` restarted to apply changed options (APF, stage timing). */
  restarted: ComponentName[];
  realNode?: RealNodeInfo;
  /** Why a real node was asked for but the cluster runs none. */
  realNodeMissing?: string;
}

export type ComponentStatus = ComponentInfo & {
  state: "running" | "crashed";
  /** For a crashed component: the last lines of its log, to say why. */
  logTail?: string;
};

export interface ClusterStatus {
  /** stopped: no cluster recorded; running: every component up; crashed: at least one has exited. */
  state: "running" | "stopped" | "crashed";
  dir: string;
  kubeconfig?: string;
  server?: string;
  apf?: boolean;
  stageTimingFile?: string;
  components: ComponentStatus[];
  realNode?: RealNodeInfo;
  realNodeMissing?: string;
}

/** Where `cluster up` writes the admin kubeconfig. */
export function localKubeconfigPath(dir: string = clusterDir()): string {
  return clusterPaths(dir).kubeconfig;
}

const noop = () => {};

/** Whether `up` should run a real node: the option, else LOADGEN_REAL_NODE (anything but "0" and "false" means yes). */
function wantsRealNode(options: ClusterUpOptions): boolean {
  return options.realNode ?? !["0", "false"].includes(process.env.LOADGEN_REAL_NODE ?? "");
}

function realNodeInfo(node: RealNodeRecord): RealNodeInfo {
  return { name: NODE_NAME, runc: node.runc, cgroupRoot: node.cgroupRoot };
}

function info(state: ClusterState, dir: string, alreadyRunning: boolean, restarted: ComponentName[] = []): ClusterInfo {
  return {
    kubeconfig: state.kubeconfig,
    server: state.server,
    dir,
    apf: state.apf,
    stageTimingFile: state.stageTimingFile,
    components: COMPONENT_ORDER.flatMap((n) => {
      const c = state.components[n];
      return c ? [{ name: c.name, pid: c.pid, port: c.port, version: c.version, logFile: c.logFile }] : [];
    }),
    alreadyRunning,
    restarted,
    ...(state.realNode ? { realNode: realNodeInfo(state.realNode) } : {}),
    ...(state.realNodeMissing ? { realNodeMissing: state.realNodeMissing } : {}),
  };
}

/** Takes down the real node (all it made, see teardownRealNode) and forgets it in `state`. */
async function stopRealNode(state: ClusterState, p: ClusterPaths, log: (line: string) => void): Promise<void> {
  await teardownRealNode(p, { kubelet: state.components.kubelet, containerd: state.components.containerd }, log);
  for (const name of REAL_NODE_COMPONENTS) delete state.components[name];
  delete state.realNode;
}

/** Stops the recorded components: the real node first, then the rest in reverse start order. */
async function stopAll(state: ClusterState, p: ClusterPaths, log: (line: string) => void = noop): Promise<void> {
  await stopRealNode(state, p, log);
  for (const name of [...COMPONENT_ORDER].reverse()) {
    const c = state.components[name];
    if (c) await stopProcess(c);
  }
}

/** Removes what `up` put in the cluster dir (and the dir, if that leaves it empty). */
async function removeClusterDir(p: ClusterPaths, log: (line: string) => void = noop): Promise<void> {
  // A node dir holds mounts while its node lives (or after it crashed): never deleted without its teardown.
  await teardownRealNode(p, {}, log);
  for (const path of [p.state, p.kubeconfig, p.pki, p.etcdData, p.logs, p.kwokConfig]) {
    await rm(path, { recursive: true, force: true });
  }
  try {
    await rmdir(p.dir);
  } catch {
    // not empty (the lock file, or files that are not ours): leave it
  }
}

/** Starts one component and waits for it; the record is in `state` (and on disk) before the wait. */
async function startComponent(
  state: ClusterState,
  p: ClusterPaths,
  name: ComponentName,
  binary: string,
  args: string[],
  version: string,
  port: number,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  log: (line: string) => void,
  env?: NodeJS.ProcessEnv,
): Promise<ComponentRecord> {
  const logFile = join(p.logs, `${name}.log`);
  const rec: ComponentRecord = { ...startProcess(name, binary, args, logFile, env), name, version, port };
  state.components[name] = rec;
  await writeState(p.state, state);
  await waitReady(rec, ready, timeoutMs);
  log(`  ${name} ${version} ready (pid ${rec.pid}, port ${port}, log ${logFile})`);
  return rec;
}


/** How to run one component: the same for a fresh start and for a restart of a running cluster. */
interface ComponentPlan {
  binary: string;
  args: string[];
  version: string;
  port: number;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

type Plans = Record<Exclude<ComponentName, "containerd" | "kubelet">, ComponentPlan> & Partial<Record<"containerd" | "kubelet", ComponentPlan>>;

function componentPlans(o: {
  p: ClusterPaths;
  binaries: Record<Exclude<ComponentName, "containerd" | "kubelet">, { binary: string; version: string }>;
  pki: Pki;
  ports: Record<string, number>;
  apf: boolean;
  extra: ClusterUpOptions["extraArgs"];
  /** The real node's binaries, when the cluster runs one. */
  node?: NodeBinaries;
}): Plans {
  const { p, pki, ports, extra } = o;
  const server = `https://${LOOPBACK}:${ports["kube-apiserver"]}`;
  const plan = (name: Exclude<ComponentName, "containerd" | "kubelet">, args: string[], port: number, ready: () => Promise<boolean>, timeoutMs: number): ComponentPlan => ({
    ...o.binaries[name],
    args: [...args, ...(extra?.[name] ?? [])],
    port,
    ready,
    timeoutMs,
  });
  const node = o.node;
  const nodePlans = node && {
    containerd: {
      binary: node.containerd, version: CONTAINERD_VERSION, port: 0, timeoutMs: 30_000,
      args: [...containerdArgs(p.node), ...(extra?.containerd ?? [])],
      ready: () => containerdListening(p.node.containerdSocket),
      // containerd finds its shim (containerd-shim-runc-v2, built beside it) on PATH.
      env: { ...process.env, PATH: `${node.containerdDir}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` },
    },
    kubelet: {
      binary: node.kubelet, version: KUBERNETES_VERSION, port: ports.kubelet!, timeoutMs: 60_000,
      args: [...kubeletArgs(p.node), ...(extra?.kubelet ?? [])],
      ready: () => kubeletHealthy(ports["kubelet-healthz"]!),
    },
  };
  return {
    ...nodePlans,
    etcd: plan("etcd", etcdArgs({ dataDir: p.etcdData, clientPort: ports["etcd-client"]!, peerPort: ports["etcd-peer"]! }),
      ports["etcd-client"]!, () => etcdHealthy(ports["etcd-client"]!), 60_000),
    "kube-apiserver": plan("kube-apiserver",
      apiserverArgs({ pki, port: ports["kube-apiserver"]!, etcdClientPort: ports["etcd-client"]!, apf: o.apf }),
      ports["kube-apiserver"]!, () => apiserverReadyWithPki(server, pki), 120_000),
    "kube-controller-manager": plan("kube-controller-manager",
      controllerManagerArgs({ pki, kubeconfig: p.kubeconfig, port: ports["kube-controller-manager"]! }),
      ports["kube-controller-manager"]!, () => componentHealthy(ports["kube-controller-manager"]!), 90_000),
    "kube-scheduler": plan("kube-scheduler", schedulerArgs({ kubeconfig: p.kubeconfig, port: ports["kube-scheduler"]! }),
      ports["kube-scheduler"]!, () => componentHealthy(ports["kube-scheduler"]!), 90_000),
    kwok: plan("kwok", kwokArgs({ kubeconfig: p.kubeconfig, config: p.kwokConfig, port: ports.kwok! }),
      ports.kwok!, () => kwokHealthy(ports.kwok!), 60_000),
  };
}

function startPlanned(state: ClusterState, p: ClusterPaths, name: ComponentName, plan: ComponentPlan, log: (line: string) => void) {
  return startComponent(state, p, name, plan.binary, plan.args, plan.version, plan.port, plan.ready, plan.timeoutMs, log, plan.env);
}

/** The real node's ports: the kubelet's API (the apiserver reaches it for logs and exec) and its healthz. */
const NODE_PORTS = ["kubelet", "kubelet-healthz"] as const;

interface NodeSetup {
  bins: NodeBinaries;
  runc: { path: string; version: string };
}

/** Writes the node's config files; returns the record (with the hash a later `up` compares against). */
async function writeNodeConfig(p: ClusterPaths, setup: NodeSetup, pki: Pki, ports: Record<string, number>, server: string, cgroupRoot: string): Promise<RealNodeRecord> {
  const containerd = { paths: p.node, bins: setup.bins, runc: setup.runc.path, sandboxImage: PAUSE_IMAGE };
  const kubelet = { paths: p.node, pki, ports: { kubelet: ports.kubelet!, healthz: ports["kubelet-healthz"]! }, cgroupRoot, server };
  await writeContainerdFiles(containerd);
  await writeKubeletFiles(kubelet);
  return { cgroupRoot, runc: setup.runc, configHash: nodeConfigHash(renderContainerdConfig(containerd), renderKubeletConfig(kubelet)) };
}

function nodeConfigHash(...configs: string[]): string {
  const h = createHash("sha256");
  for (const c of configs) h.update(c).update("\0");
  return h.digest("hex").slice(0, 16);
}

/** containerd, then the sandbox image into it: what the kubelet needs before it can run a pod. */
async function startNodeRuntime(state: ClusterState, p: ClusterPaths, plans: Plans, bins: NodeBinaries, log: (line: string) => void): Promise<void> {
  const pauseArchive = await ensurePauseArchive(bins.pause);
  await startPlanned(state, p, "containerd", plans.containerd!, log);
  await importImage(bins, p.node.containerdSocket, pauseArchive);
}

/** The kubelet, until its Node reports Ready by its own conditions. */
async function startNodeKubelet(state: ClusterState, p: ClusterPaths, plans: Plans, api: { server: string; ca: Buffer; token: string }, log: (line: string) => void): Promise<void> {
  const kubelet = await startPlanned(state, p, "kubelet", plans.kubelet!, log);
  const since = Date.parse(kubelet.startedAt);
  await waitReady({ ...kubelet, name: `node ${NODE_NAME}` }, () => nodeReady(api, since), 120_000);
  log(`  node ${NODE_NAME} Ready (tainted loadgen.io/real-node=true:NoSchedule; runc ${state.realNode!.runc.version} from ${state.realNode!.runc.path})`);
}

/** Adds a real node to a running cluster (on `up` after `up --no-real-node`, or a cluster started before loadgen had one). */
async function addRealNode(state: ClusterState, p: ClusterPaths, setup: NodeSetup, pki: Pki, extra: ClusterUpOptions["extraArgs"], log: (line: string) => void): Promise<void> {
  Object.assign(state.ports, await pickPorts(NODE_PORTS));
  const cgroupRoot = await prepareRealNode(p, log);
  state.realNode = await writeNodeConfig(p, setup, pki, state.ports, state.server, cgroupRoot);
  delete state.realNodeMissing;
  await writeState(p.state, state);
  const plans = componentPlans({
    p, pki, ports: state.ports, apf: state.apf, extra, node: setup.bins,
    binaries: Object.fromEntries(componentsOf({}).map((n) => [n, { binary: state.components[n]!.binary, version: state.components[n]!.version }])) as Parameters<typeof componentPlans>[0]["binaries"],
  });
  const api = { server: state.server, ca: await readFile(pki.caCert), token: pki.adminToken };
  try {
    await startNodeRuntime(state, p, plans, setup.bins, log);
    await installRealNodeAdmission(api, state.ports["kube-apiserver"]!);
    await startNodeKubelet(state, p, plans, api, log);
    await realNodeAdmissionInEffect(api, state.ports["kube-apiserver"]!);
  } catch (err) {
    await stopRealNode(state, p, log);
    await writeState(p.state, state);
    throw err;
  }
}

/** The real node's binaries and runc, or why it cannot run here (after a note in the log). */
async function realNodeSetup(p: ClusterPaths, log: (line: string) => void): Promise<{ runc: NodeSetup["runc"] } | { missing: string }> {
  const req = await realNodeRequirements(p);
  if ("missing" in req) log(`note: starting without the real node: ${req.missing} (pass --no-real-node or LOADGEN_REAL_NODE=0 to leave it out quietly)`);
  return req;
}

async function startFresh(
  p: ClusterPaths,
  bins: Binaries,
  opts: ClusterUpOptions,
  node: { runc: NodeSetup["runc"] } | { missing: string } | undefined,
  log: (line: string) => void,
): Promise<ClusterState> {
  const apf = opts.apf ?? true;
  const timing = currentStageTiming(opts.stageTiming);
  const setup: NodeSetup | undefined = node && "runc" in node && bins.node ? { bins: bins.node, runc: node.runc } : undefined;
  const ports: Record<string, number> = await pickPorts(
    ["kube-apiserver", "etcd-client", "etcd-peer", "kube-controller-manager", "kube-scheduler", "kwok", ...(setup ? NODE_PORTS : [])],
    opts.port !== undefined ? { "kube-apiserver": opts.port } : {},
  );

  await removeClusterDir(p, log);
  await mkdir(p.logs, { recursive: true });
  const pki: Pki = await generatePki(p.pki);
  const server = `https://${LOOPBACK}:${ports["kube-apiserver"]}`;
  await writeKubeconfig(p.kubeconfig, server, pki);
  const kwokConfig = renderKwokConfig(timing);
  await writeKwokConfig(p.kwokConfig, kwokConfig);

  const state: ClusterState = {
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    server,
    kubeconfig: p.kubeconfig,
    apf,
    stageTimingFile: timing.file,
    kwokConfigHash: kwokConfigHash(kwokConfig),
    ports,
    components: {},
    ...(node && "missing" in node ? { realNodeMissing: node.missing } : {}),
  };
  const v = bins.versions;
  const plans = componentPlans({
    p, pki, ports, apf, extra: opts.extraArgs, node: setup?.bins,
    binaries: {
      etcd: { binary: bins.etcd, version: v.etcd! },
      "kube-apiserver": { binary: bins.kubeApiserver, version: v.kubernetes! },
      "kube-controller-manager": { binary: bins.kubeControllerManager, version: v.kubernetes! },
      "kube-scheduler": { binary: bins.kubeScheduler, version: v.kubernetes! },
      kwok: { binary: bins.kwok, version: v.kwok! },
    },
  });
  // Ctrl-C (or a kill) mid-start must not strand detached processes: stop
  // what was started (and all the real node made), drop the state and the
  // lock, and exit as interrupted.
  let interrupted: Promise<never> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= (async () => {
      for (const c of Object.values(state.components)) {
        try {
          process.kill(c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await teardownRealNode(p, {}, noop).catch((e: Error) => process.stderr.write(`\ncleaning up the real node: ${e.message}\n`));
      rmSync(p.state, { force: true });
      rmSync(p.lock, { force: true });
      process.stderr.write(`\ncluster up interrupted (${signal}): stopped the components it had started\n`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    })();
  };
  // `on`, not `once`: a second Ctrl-C while the node is being cleaned up must not kill this process halfway.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // The real node's steps run beside the control plane's: each is awaited before `up` returns or cleans up.
  const beside: Promise<unknown>[] = [];
  const alongside = <T>(step: Promise<T>): Promise<T> => {
    step.catch(() => {}); // awaited below; failing before that is not an unhandled rejection
    beside.push(step);
    return step;
  };
  try {
    log(`starting the local cluster in ${p.dir}`);
    if (setup) state.realNode = await writeNodeConfig(p, setup, pki, ports, server, await prepareRealNode(p, log));
    // containerd needs nothing of the control plane: it starts (and takes the sandbox image) beside etcd.
    const runtime = setup && alongside(startNodeRuntime(state, p, plans, setup.bins, log));
    await startPlanned(state, p, "etcd", plans.etcd, log);
    await startPlanned(state, p, "kube-apiserver", plans["kube-apiserver"], log);
    const api = { server, ca: await readFile(pki.caCert), token: pki.adminToken };
    const crds = await installCrds(api);
    log(`  KubeVirt CRDs established: ${crds.join(", ")}`);
    if (setup) await installRealNodeAdmission(api, ports["kube-apiserver"]!);
    const kubelet = runtime && alongside(runtime.then(() => startNodeKubelet(state, p, plans, api, log)));
    // KCM and the scheduler need only the apiserver: start both, then wait.
    const results = await Promise.allSettled([
      startPlanned(state, p, "kube-controller-manager", plans["kube-controller-manager"], log),
      startPlanned(state, p, "kube-scheduler", plans["kube-scheduler"], log),
    ]);
    for (const r of results) if (r.status === "rejected") throw r.reason;
    // Checked once KCM runs: the dry runs need the default service account, which it makes.
    const admission = setup && alongside(realNodeAdmissionInEffect(api, ports["kube-apiserver"]!));
    // kwok last: it needs the CRDs served (see crds.ts).
    await startPlanned(state, p, "kwok", plans.kwok, log);
    await admission;
    await kubelet;
  } catch (err) {
    if (interrupted) await interrupted;
    await Promise.allSettled(beside);
    // Leave no stray process; keep the logs for the error message's pointers.
    await stopAll(state, p, log);
    await rm(p.state, { force: true });
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return state;
}

async function apiserverReadyWithPki(server: string, pki: Pki): Promise<boolean> {
  return apiserverReady(server, await readFile(pki.caCert), pki.adminToken);
}

/**
 * Starts the local cluster, or returns the running one. Builds the binaries
 * first if the cache lacks them. If a previous cluster has a crashed
 * component, it is stopped and a fresh cluster started.
 */
export async function clusterUp(options: ClusterUpOptions = {}): Promise<ClusterInfo> {
  const log = options.log ?? noop;
  const p = clusterPaths(options.dir ?? clusterDir());
  const release = await acquireLock(p.lock, log);
  try {
    const existing = await readState(p.state);
    if (existing) {
      const expected = componentsOf(existing);
      const crashed = expected.filter((n) => existing.components[n] && processState(existing.components[n]!) !== "running");
      const missing = expected.filter((n) => !existing.components[n]);
      if (crashed.length === 0 && missing.length === 0) {
        return await reconcileRunning(existing, p, options, log);
      }
      log(`the recorded cluster is not whole (${[...crashed.map((n) => `${n} exited`), ...missing.map((n) => `${n} never started`)].join(", ")}); restarting it from scratch`);
      await stopAll(existing, p, log);
      await rm(p.state, { force: true });
    }
    const node = wantsRealNode(options) ? await realNodeSetup(p, log) : undefined;
    // Build before touching anything: a failed build leaves no process and no state.
    const bins = await ensureBinaries(log, { realNode: node !== undefined && "runc" in node });
    const state = await startFresh(p, bins, options, node, log);
    log(`cluster is up: kubeconfig ${state.kubeconfig} (server ${state.server})`);
    return info(state, p.dir, false);
  } finally {
    release();
  }
}

async function reconcileRunning(state: ClusterState, p: ClusterPaths, options: ClusterUpOptions, log: (line: string) => void): Promise<ClusterInfo> {
  const restarted: ComponentName[] = [];
  const pinned: Record<ComponentName, string> = {
    etcd: ETCD_VERSION, "kube-apiserver": KUBERNETES_VERSION, "kube-controller-manager": KUBERNETES_VERSION,
    "kube-scheduler": KUBERNETES_VERSION, kwok: KWOK_VERSION, containerd: CONTAINERD_VERSION, kubelet: KUBERNETES_VERSION,
  };
  const outdated = componentsOf(state).filter((n) => state.components[n]!.version !== pinned[n]);
  if (outdated.length) {
    log(`note: the running cluster has ${outdated.map((n) => `${n} ${state.components[n]!.version}`).join(", ")}, ` +
      `this loadgen pins ${outdated.map((n) => pinned[n]).join(", ")}; \`loadgen cluster down\` then \`up\` to move to them`);
  }
  const running = state.ports["kube-apiserver"];
  if (options.port !== undefined && options.port !== running) {
    throw new Error(`the local cluster is already running with kube-apiserver on port ${running}; run \`loadgen cluster down\` first to move it to port ${options.port}`);
  }
  // Compare what each component would be started with now against what it
  // runs with, and restart those that differ (in start order): APF, the
  // stage timings and flags changed by a newer loadgen all land this way.
  const apf = options.apf ?? true;
  // Without an explicit file, keep the one the cluster runs with, re-read:
  // editing it and running `cluster up` again applies the new timings.
  const timing = currentStageTiming(options.stageTiming ?? process.env.LOADGEN_STAGE_TIMING ?? state.stageTimingFile);
  const kwokConfig = renderKwokConfig(timing);
  const kwokConfigChanged = kwokConfigHash(kwokConfig) !== state.kwokConfigHash;
  const pki = await loadPkiFiles(p);
  // A cluster started before loadgen had a real node lacks the certificates the apiserver now names.
  await ensureNodeCertificates(p.pki);
  const plans = componentPlans({
    p, pki, ports: state.ports, apf, extra: options.extraArgs,
    binaries: Object.fromEntries(componentsOf({}).map((n) => [n, { binary: state.components[n]!.binary, version: state.components[n]!.version }])) as Parameters<typeof componentPlans>[0]["binaries"],
  });
  for (const name of componentsOf({}) as readonly Exclude<ComponentName, "containerd" | "kubelet">[]) {
    const current = state.components[name]!;
    const argsChanged = JSON.stringify(current.args) !== JSON.stringify(plans[name].args);
    const configChanged = name === "kwok" && kwokConfigChanged;
    if (!argsChanged && !configChanged) continue;
    const why = name === "kube-apiserver" && apf !== state.apf
      ? `API Priority and Fairness ${apf ? "on" : "off"}`
      : configChanged ? `its stages or the timings in ${timing.file} changed` : "its flags changed";
    log(`restarting ${name}: ${why}`);
    if (configChanged) await writeKwokConfig(p.kwokConfig, kwokConfig);
    await stopProcess(current);
    await startPlanned(state, p, name, plans[name], log);
    restarted.push(name);
  }
  state.apf = apf;
  state.stageTimingFile = timing.file;
  state.kwokConfigHash = kwokConfigHash(kwokConfig);
  await writeState(p.state, state);
  await reconcileRealNode(state, p, options, pki, restarted, log);
  log(`${restarted.length ? `cluster updated (restarted ${restarted.join(", ")})` : "cluster is already up"}: kubeconfig ${state.kubeconfig} (server ${state.server})`);
  return info(state, p.dir, true, restarted);
}

/**
 * Brings a running cluster's real node in line with what `up` asks for now: takes it down (--no-real-node), starts
 * one (a cluster without), or restarts it when this loadgen renders its config or flags differently.
 */
async function reconcileRealNode(state: ClusterState, p: ClusterPaths, options: ClusterUpOptions, pki: Pki, restarted: ComponentName[], log: (line: string) => void): Promise<void> {
  const api = { server: state.server, ca: await readFile(pki.caCert), token: pki.adminToken };
  const want = wantsRealNode(options);
  if (state.realNode) {
    const kubelet = state.components.kubelet!;
    const containerd = state.components.containerd!;
    const setup = { bins: { containerd: containerd.binary, containerdDir: join(containerd.binary, ".."), ctr: join(containerd.binary, "..", "ctr"), kubelet: kubelet.binary, pause: "" }, runc: state.realNode.runc };
    const hash = nodeConfigHash(
      renderContainerdConfig({ paths: p.node, bins: setup.bins, runc: setup.runc.path, sandboxImage: PAUSE_IMAGE }),
      renderKubeletConfig({ paths: p.node, pki, ports: { kubelet: state.ports.kubelet!, healthz: state.ports["kubelet-healthz"]! }, cgroupRoot: state.realNode.cgroupRoot }),
    );
    const changed = hash !== state.realNode.configHash ||
      JSON.stringify(kubelet.args) !== JSON.stringify([...kubeletArgs(p.node), ...(options.extraArgs?.kubelet ?? [])]) ||
      JSON.stringify(containerd.args) !== JSON.stringify([...containerdArgs(p.node), ...(options.extraArgs?.containerd ?? [])]);
    if (want && !changed) return;
    log(want ? "restarting the real node: its configuration changed" : "taking the real node down (--no-real-node)");
    await stopRealNode(state, p, log);
    await writeState(p.state, state);
    // Its pods went with it; so goes the Node (a new kubelet registers it afresh).
    await deleteNode(api);
    if (!want) {
      await removeRealNodeAdmission(api);
      return;
    }
  }
  if (!want) return;
  const node = await realNodeSetup(p, log);
  if ("missing" in node) {
    state.realNodeMissing = node.missing;
    await writeState(p.state, state);
    return;
  }
  const bins = await ensureBinaries(log, { realNode: true });
  log(`adding the real node to the running cluster`);
  await addRealNode(state, p, { bins: bins.node!, runc: node.runc }, pki, options.extraArgs, log);
  restarted.push(...REAL_NODE_COMPONENTS);
  await writeState(p.state, state);
}

/** The Pki paths of a running cluster (files written by generatePki). */
async function loadPkiFiles(p: ClusterPaths): Promise<Pki> {
  return pkiFiles(p.pki, (await readFile(p.tokenFile, "utf8")).split(",")[0]!);
}

/** Each recorded component's state; "stopped" when no cluster is recorded. */
export async function clusterStatus(options: { dir?: string } = {}): Promise<ClusterStatus> {
  const p = clusterPaths(options.dir ?? clusterDir());
  const state = await readState(p.state);
  if (!state) return { state: "stopped", dir: p.dir, components: [] };
  const components: ComponentStatus[] = [];
  const recorded = info(state, p.dir, true);
  for (const c of recorded.components) {
    const running = processState(state.components[c.name]!) === "running";
    components.push(running ? { ...c, state: "running" } : { ...c, state: "crashed", logTail: await tailFile(c.logFile, 5) });
  }
  const whole = components.length === componentsOf(state).length && components.every((c) => c.state === "running");
  let realNode = recorded.realNode;
  if (realNode && whole) {
    const pki = await loadPkiFiles(p);
    realNode = { ...realNode, ready: await nodeReady({ server: state.server, ca: await readFile(pki.caCert), token: pki.adminToken }).catch(() => false) };
  }
  return {
    state: whole ? "running" : "crashed", dir: p.dir, kubeconfig: state.kubeconfig, server: state.server, apf: state.apf, stageTimingFile: state.stageTimingFile, components,
    ...(realNode ? { realNode } : {}),
    ...(state.realNodeMissing ? { realNodeMissing: state.realNodeMissing } : {}),
  };
}

/** Stops exactly the processes `up` started (by pid) and removes the cluster dir. Safe to repeat. */
export async function clusterDown(options: { dir?: string; log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? noop;
  const p = clusterPaths(options.dir ?? clusterDir());
  if (!existsSync(p.dir)) return;
  const release = await acquireLock(p.lock, log);
  try {
    const state = await readState(p.state);
    if (state) {
      const names = Object.keys(state.components).join(", ");
      await stopAll(state, p, log);
      log(`stopped ${names}`);
    }
    await removeClusterDir(p, log);
  } finally {
    release();
    try {
      await rmdir(p.dir);
    } catch {
      // not empty: not ours to remove
    }
  }
}

/**
 * The kubeconfig of the local cluster, starting it when it is not up. Used
 * by `loadgen run` when no kubeconfig is configured; it says what it does.
 */
export async function ensureLocalCluster(log: (line: string) => void): Promise<string> {
  const status = await clusterStatus();
  if (status.state === "running" && status.kubeconfig) {
    log(`no kubeconfig configured: using the local loadgen cluster (${status.server}, kubeconfig ${status.kubeconfig})`);
    return status.kubeconfig;
  }
  log("no kubeconfig configured: starting the local loadgen cluster (as `loadgen cluster up` would)");
  const up = await clusterUp({ log });
  return up.kubeconfig;
}

/**
 * Imports an image archive into the local cluster's real node, unless it has that image (same manifest digest)
 * already. Resolves with what happened, or why nothing was imported (no cluster, or one without a node).
 */
export async function importIntoRealNode(
  image: { archive: string; ref: string; manifestDigest: string },
  options: { dir?: string } = {},
): Promise<{ imported: boolean; node: string } | { notImported: string }> {
  const p = clusterPaths(options.dir ?? clusterDir());
  const state = await readState(p.state);
  const containerd = state?.components.containerd;
  if (!state?.realNode || !containerd || processState(containerd) !== "running") {
    return { notImported: state ? `the local cluster in ${p.dir} runs no real node` : `no local cluster runs in ${p.dir}` };
  }
  const bins = { containerd: containerd.binary, containerdDir: join(containerd.binary, ".."), ctr: join(containerd.binary, "..", "ctr"), kubelet: "", pause: "" };
  if ((await imageDigest(bins, p.node.containerdSocket, image.ref)) === image.manifestDigest) return { imported: false, node: p.dir };
  await importImage(bins, p.node.containerdSocket, image.archive);
  return { imported: true, node: p.dir };
}
