// The local control plane behind `loadgen cluster`: real etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler, plus kwok standing in for
// kubelets and KubeVirt's controllers, on 127.0.0.1. Up and down are
// idempotent; a failed `up` stops whatever it had started.
import { existsSync, rmSync } from "node:fs";
import { mkdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { apiserverArgs, apiserverReady } from "./apiserver.ts";
import { ensureBinaries, type Binaries } from "./build.ts";
import { ETCD_VERSION, KUBERNETES_VERSION, KWOK_VERSION } from "./components.ts";
import { componentHealthy, controllerManagerArgs } from "./controller-manager.ts";
import { installCrds } from "./crds.ts";
import { etcdArgs, etcdHealthy } from "./etcd.ts";
import { currentStageTiming, kwokArgs, kwokConfigHash, kwokHealthy, renderKwokConfig, writeKwokConfig } from "./kwok.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { acquireLock } from "./lock.ts";
import { clusterDir, clusterPaths, type ClusterPaths } from "./paths.ts";
import { generatePki, type Pki } from "./pki.ts";
import { LOOPBACK, pickPorts } from "./ports.ts";
import { processState, startProcess, stopProcess, tailFile } from "./processes.ts";
import { waitReady } from "./readiness.ts";
import { schedulerArgs } from "./scheduler.ts";
import { COMPONENT_ORDER, readState, writeState, type ClusterState, type ComponentName, type ComponentRecord } from "./state.ts";

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
}

/** Where `cluster up` writes the admin kubeconfig. */
export function localKubeconfigPath(dir: string = clusterDir()): string {
  return clusterPaths(dir).kubeconfig;
}

const noop = () => {};

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
  };
}

/** Stops the recorded components in reverse start order. */
async function stopAll(state: ClusterState): Promise<void> {
  for (const name of [...COMPONENT_ORDER].reverse()) {
    const c = state.components[name];
    if (c) await stopProcess(c);
  }
}

/** Removes what `up` put in the cluster dir (and the dir, if that leaves it empty). */
async function removeClusterDir(p: ClusterPaths): Promise<void> {
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
): Promise<ComponentRecord> {
  const logFile = join(p.logs, `${name}.log`);
  const rec: ComponentRecord = { ...startProcess(name, binary, args, logFile), name, version, port };
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
}

function componentPlans(o: {
  p: ClusterPaths;
  binaries: Record<ComponentName, { binary: string; version: string }>;
  pki: Pki;
  ports: Record<string, number>;
  apf: boolean;
  extra: ClusterUpOptions["extraArgs"];
}): Record<ComponentName, ComponentPlan> {
  const { p, pki, ports, extra } = o;
  const server = `https://${LOOPBACK}:${ports["kube-apiserver"]}`;
  const plan = (name: ComponentName, args: string[], port: number, ready: () => Promise<boolean>, timeoutMs: number): ComponentPlan => ({
    ...o.binaries[name],
    args: [...args, ...(extra?.[name] ?? [])],
    port,
    ready,
    timeoutMs,
  });
  return {
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
  return startComponent(state, p, name, plan.binary, plan.args, plan.version, plan.port, plan.ready, plan.timeoutMs, log);
}

async function startFresh(p: ClusterPaths, bins: Binaries, opts: ClusterUpOptions, log: (line: string) => void): Promise<ClusterState> {
  const apf = opts.apf ?? true;
  const timing = currentStageTiming(opts.stageTiming);
  const ports = await pickPorts(
    ["kube-apiserver", "etcd-client", "etcd-peer", "kube-controller-manager", "kube-scheduler", "kwok"] as const,
    opts.port !== undefined ? { "kube-apiserver": opts.port } : {},
  );

  await removeClusterDir(p);
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
  };
  const v = bins.versions;
  const plans = componentPlans({
    p, pki, ports, apf, extra: opts.extraArgs,
    binaries: {
      etcd: { binary: bins.etcd, version: v.etcd! },
      "kube-apiserver": { binary: bins.kubeApiserver, version: v.kubernetes! },
      "kube-controller-manager": { binary: bins.kubeControllerManager, version: v.kubernetes! },
      "kube-scheduler": { binary: bins.kubeScheduler, version: v.kubernetes! },
      kwok: { binary: bins.kwok, version: v.kwok! },
    },
  });
  // Ctrl-C (or a kill) mid-start must not strand detached processes: stop
  // what was started, drop the state and the lock, and exit as interrupted.
  const onSignal = (signal: NodeJS.Signals) => {
    for (const c of Object.values(state.components)) {
      try {
        process.kill(c.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(p.state, { force: true });
    rmSync(p.lock, { force: true });
    process.stderr.write(`\ncluster up interrupted (${signal}): stopped the components it had started\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`starting the local cluster in ${p.dir}`);
    await startPlanned(state, p, "etcd", plans.etcd, log);
    await startPlanned(state, p, "kube-apiserver", plans["kube-apiserver"], log);
    const crds = await installCrds({ server, ca: await readFile(pki.caCert), token: pki.adminToken });
    log(`  KubeVirt CRDs established: ${crds.join(", ")}`);
    // KCM and the scheduler need only the apiserver: start both, then wait.
    const results = await Promise.allSettled([
      startPlanned(state, p, "kube-controller-manager", plans["kube-controller-manager"], log),
      startPlanned(state, p, "kube-scheduler", plans["kube-scheduler"], log),
    ]);
    for (const r of results) if (r.status === "rejected") throw r.reason;
    // kwok last: it needs the CRDs served (see crds.ts).
    await startPlanned(state, p, "kwok", plans.kwok, log);
  } catch (err) {
    // Leave no stray process; keep the logs for the error message's pointers.
    await stopAll(state);
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
      const crashed = COMPONENT_ORDER.filter((n) => existing.components[n] && processState(existing.components[n]!) !== "running");
      const missing = COMPONENT_ORDER.filter((n) => !existing.components[n]);
      if (crashed.length === 0 && missing.length === 0) {
        return await reconcileRunning(existing, p, options, log);
      }
      log(`the recorded cluster is not whole (${[...crashed.map((n) => `${n} exited`), ...missing.map((n) => `${n} never started`)].join(", ")}); restarting it from scratch`);
      await stopAll(existing);
      await rm(p.state, { force: true });
    }
    // Build before touching anything: a failed build leaves no process and no state.
    const bins = await ensureBinaries(log);
    const state = await startFresh(p, bins, options, log);
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
    "kube-scheduler": KUBERNETES_VERSION, kwok: KWOK_VERSION,
  };
  const outdated = COMPONENT_ORDER.filter((n) => state.components[n]!.version !== pinned[n]);
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
  const plans = componentPlans({
    p, pki, ports: state.ports, apf, extra: options.extraArgs,
    binaries: Object.fromEntries(COMPONENT_ORDER.map((n) => [n, { binary: state.components[n]!.binary, version: state.components[n]!.version }])) as Record<ComponentName, { binary: string; version: string }>,
  });
  for (const name of COMPONENT_ORDER) {
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
  log(`${restarted.length ? `cluster updated (restarted ${restarted.join(", ")})` : "cluster is already up"}: kubeconfig ${state.kubeconfig} (server ${state.server})`);
  return info(state, p.dir, true, restarted);
}

/** The Pki paths of a running cluster (files written by generatePki). */
async function loadPkiFiles(p: ClusterPaths): Promise<Pki> {
  const f = (n: string) => join(p.pki, n);
  const token = (await readFile(p.tokenFile, "utf8")).split(",")[0]!;
  return {
    dir: p.pki, caCert: f("ca.crt"), caKey: f("ca.key"), servingCert: f("apiserver.crt"), servingKey: f("apiserver.key"),
    adminCert: f("admin.crt"), adminKey: f("admin.key"), saKey: f("sa.key"), saPub: f("sa.pub"), tokenFile: p.tokenFile, adminToken: token,
  };
}

/** Each recorded component's state; "stopped" when no cluster is recorded. */
export async function clusterStatus(options: { dir?: string } = {}): Promise<ClusterStatus> {
  const p = clusterPaths(options.dir ?? clusterDir());
  const state = await readState(p.state);
  if (!state) return { state: "stopped", dir: p.dir, components: [] };
  const components: ComponentStatus[] = [];
  for (const c of info(state, p.dir, true).components) {
    const running = processState(state.components[c.name]!) === "running";
    components.push(running ? { ...c, state: "running" } : { ...c, state: "crashed", logTail: await tailFile(c.logFile, 5) });
  }
  const whole = components.length === COMPONENT_ORDER.length && components.every((c) => c.state === "running");
  return { state: whole ? "running" : "crashed", dir: p.dir, kubeconfig: state.kubeconfig, server: state.server, apf: state.apf, stageTimingFile: state.stageTimingFile, components };
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
      await stopAll(state);
      log(`stopped ${Object.keys(state.components).join(", ")}`);
    }
    await removeClusterDir(p);
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
