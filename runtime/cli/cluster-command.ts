// `loadgen cluster up|status|down`: the local control plane from the shell.
import { Command } from "commander";
import { BuildInterruptedError, ensureBinaries } from "../cluster/build.ts";
import { clusterDown, clusterStatus, clusterUp, type ClusterStatus } from "../cluster/local-cluster.ts";
import { CommandExitCode } from "../exit-codes.ts";
import { port } from "./flag-parsers.ts";
import { addFlags, negatedFlag, parsedFlag, switchFlag, textFlag, type FlagValues } from "./flags.ts";

const UP_FLAGS = {
  apf: negatedFlag("--no-apf", "turn off API Priority and Fairness and the in-flight limits (to measure the ceiling)"),
  port: parsedFlag("--port <port>", "kube-apiserver port (default: a free port)", port),
  stageTiming: textFlag("--stage-timing <file>", "YAML file with the simulated KubeVirt phase delays (default: $LOADGEN_STAGE_TIMING or controlplane/manifests/stages/timing.yaml)"),
  realNode: negatedFlag("--no-real-node", "leave out the real node (containerd + kubelet); also LOADGEN_REAL_NODE=0"),
};
const BUILD_FLAGS = { realNode: negatedFlag("--no-real-node", "skip the real node's binaries (containerd, kubelet, pause); also LOADGEN_REAL_NODE=0") };
const STATUS_FLAGS = { json: switchFlag("--json", "print the status as JSON") };

const say = (line: string) => process.stderr.write(line + "\n");

function fail(err: unknown): void {
  process.stderr.write(`loadgen cluster: ${(err as Error)?.message ?? String(err)}\n`);
  // An interrupted build exits as a shell expects of Ctrl-C (130) or a kill (143).
  process.exitCode = err instanceof BuildInterruptedError ? (err.signal === "SIGINT" ? CommandExitCode.interrupted : CommandExitCode.terminated) : CommandExitCode.failed;
}

export function formatStatus(s: ClusterStatus): string {
  if (s.state === "stopped") return `local cluster: stopped (no cluster in ${s.dir}); start it with: loadgen cluster up`;
  const lines = [
    `local cluster: ${s.state}`,
    `  server:       ${s.server}`,
    `  kubeconfig:   ${s.kubeconfig}`,
    `  APF:          ${s.apf ? "on (as kube-apiserver ships)" : "off (--no-apf: no priority and fairness, no in-flight limits)"}`,
    `  stage timing: ${s.stageTimingFile}`,
    `  data dir:     ${s.dir}`,
    s.realNode
      ? `  real node:    ${s.realNode.name}, ${s.realNode.ready ? "Ready" : "not Ready"}; runc ${s.realNode.runc.version} (${s.realNode.runc.path}); cgroups ${s.realNode.cgroupRoot}`
      : `  real node:    none${s.realNodeMissing ? ` (${s.realNodeMissing})` : " (--no-real-node)"}`,
    "",
    `  ${"COMPONENT".padEnd(24)}${"STATE".padEnd(9)}${"VERSION".padEnd(10)}${"PID".padEnd(9)}${"PORT".padEnd(7)}LOG`,
    ...s.components.map(
      (c) => `  ${c.name.padEnd(24)}${c.state.padEnd(9)}${c.version.padEnd(10)}${String(c.pid).padEnd(9)}${(c.port ? String(c.port) : "-").padEnd(7)}${c.logFile}`,
    ),
  ];
  for (const c of s.components) {
    if (c.state !== "crashed") continue;
    lines.push("", `  ${c.name} has exited; the end of ${c.logFile}:`, ...(c.logTail || "(empty)").split("\n").map((l) => `    ${l}`));
  }
  if (s.state === "crashed") lines.push("", "  `loadgen cluster up` restarts the cluster from scratch; `loadgen cluster down` stops what is left.");
  return lines.join("\n");
}

export function clusterCommand(): Command {
  const cluster = new Command("cluster").description(
    "a real local control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and the KubeVirt CRDs, " +
      "and one real node (containerd + kubelet + runc)",
  );

  addFlags(cluster.command("up").description("start the local cluster (builds the binaries from Go modules on first use) and print its kubeconfig path"), UP_FLAGS)
    .action(async (opts: FlagValues<typeof UP_FLAGS>) => {
      try {
        // Commander's default for a --no- flag is true: only an explicit flag overrides LOADGEN_REAL_NODE.
        const realNode = opts.realNode ? undefined : false;
        const up = await clusterUp({ apf: opts.apf, port: opts.port, stageTiming: opts.stageTiming, realNode, log: say });
        const what = !up.alreadyRunning ? "local cluster started" : up.restarted.length ? "local cluster updated" : "local cluster already running";
        say(`${what}; use it with:`);
        process.stdout.write(`export KUBECONFIG=${up.kubeconfig}\n`);
      } catch (err) {
        fail(err);
      }
    });

  addFlags(
    cluster.command("build").description("build the control-plane binaries from their Go modules into the cache, or confirm they are there (CI runs this before the tests)"),
    BUILD_FLAGS,
  ).action(async (opts: FlagValues<typeof BUILD_FLAGS>) => {
      try {
        const realNode = opts.realNode && !["0", "false"].includes(process.env.LOADGEN_REAL_NODE ?? "");
        const bins = await ensureBinaries(say, { realNode });
        for (const [name, path] of [...Object.entries(bins), ...Object.entries(bins.node ?? {})]) {
          if (typeof path === "string") process.stdout.write(`${name}\t${path}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  addFlags(cluster.command("status").description("show the local cluster's components, versions, ports, pids, logs and kubeconfig path"), STATUS_FLAGS)
    .action(async (opts: FlagValues<typeof STATUS_FLAGS>) => {
      try {
        const s = await clusterStatus();
        process.stdout.write((opts.json ? JSON.stringify(s, null, 2) : formatStatus(s)) + "\n");
        // Scripts can tell a crashed cluster apart from a running one.
        if (s.state === "crashed") process.exitCode = CommandExitCode.clusterCrashed;
      } catch (err) {
        fail(err);
      }
    });

  cluster
    .command("down")
    .description("stop the processes `up` started and remove the cluster's data dir")
    .action(async () => {
      try {
        const before = await clusterStatus();
        await clusterDown({ log: say });
        say(before.state === "stopped" ? "local cluster was not running" : "local cluster stopped and its data dir removed");
      } catch (err) {
        fail(err);
      }
    });

  return cluster;
}
