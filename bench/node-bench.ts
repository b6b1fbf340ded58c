// Pod startup, real node vs kwok: `loadgen run scenarios/pod-startup-real-vs-kwok.ts` on the local cluster (started
// if it is not running; the one $LOADGEN_CLUSTER_DIR names, else the usual one), which creates PODS pods on the real
// node (kubelet + containerd + runc, the pause image, host network) interleaved with PODS pods on a kwok pool, each
// kind followed by its own loadgen/kwok tracker. Figures come from the run's summary export (extensions["loadgen/kwok"]):
// created → running, created → scheduled and scheduled → running, p50 and p99, per kind, side by side.
//
// Invalid (bench/figures.ts) when the cluster has no real node, the run does not end with 0 (a pod that never started
// fails its check: exit 99, and the run says how many of each kind ran), the summary lacks a tracker, or a tracker saw
// other than PODS pods created and running. NODE_BENCH_PODS, NODE_BENCH_TIMEOUT (default 5m) and NODE_BENCH_IMAGE
// (e.g. an image the node does not have, to see the bench fail) change the run.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { invalid, tail, type Value } from "./figures.ts";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const PODS = Number(process.env.NODE_BENCH_PODS ?? 50);
const SCENARIO = "scenarios/pod-startup-real-vs-kwok.ts";
/** How long the run waits for every pod to run; the image the pods run (to check the bench fails on pods that never start). */
const TIMEOUT = process.env.NODE_BENCH_TIMEOUT ?? "5m";
const IMAGE = process.env.NODE_BENCH_IMAGE;

interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}
interface TrackerData {
  pods: string;
  created: number;
  running: number;
  createdPerSecond: number;
  startup: Percentiles;
  scheduling: Percentiles;
  scheduledToRunning: Percentiles;
}

/** The local cluster's kubeconfig, with its real node Ready (started if stopped); a string saying why not otherwise. */
export async function localClusterWithNode(log: (line: string) => void): Promise<{ kubeconfig: string } | { missing: string }> {
  const { clusterStatus, clusterUp } = await import("../runtime/cluster/local-cluster.ts");
  let status = await clusterStatus();
  if (status.state === "crashed") return { missing: `the local cluster in ${status.dir} has a crashed component (\`loadgen cluster status\`)` };
  if (status.state === "stopped") {
    log(`starting the local cluster in ${status.dir} (cluster up)`);
    await clusterUp({ log: (l) => log(`  ${l}`) });
    status = await clusterStatus();
  }
  if (!status.realNode) return { missing: `the local cluster in ${status.dir} runs no real node: ${status.realNodeMissing ?? "started with --no-real-node (`loadgen cluster up` adds it)"}` };
  if (!status.realNode.ready) return { missing: `the real node of the local cluster in ${status.dir} is not Ready` };
  return { kubeconfig: status.kubeconfig! };
}

function runScenario(kubeconfig: string, summary: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["bin/loadgen.js", "run", "--no-color", "--kubeconfig", kubeconfig, "--summary-export", summary, "-e", `PODS=${PODS}`, "-e", `TIMEOUT=${TIMEOUT}`, ...(IMAGE ? ["-e", `IMAGE=${IMAGE}`] : []), SCENARIO],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGTERM"), 20 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

const s = (v: number) => `${v.toFixed(2)} s`;

/** The figures, by row name; every one is INVALID (with the reason) when the measurement is not one. */
export async function benchNode(log: (line: string) => void = (l) => console.log(`  ${l}`)): Promise<Record<string, Value>> {
  const names = [
    "real node: created → running, p50 / p99",
    "kwok pool: created → running, p50 / p99",
    "real node: scheduled → running (the node's part), p50 / p99",
    "kwok pool: scheduled → running (kwok's stage), p50 / p99",
    "real node: created → scheduled, p50 / p99",
    "kwok pool: created → scheduled, p50 / p99",
    "pods created per second (real node / kwok pool)",
  ];
  const all = (why: string): Record<string, Value> => {
    const bad = invalid(`node, pod startup of ${PODS}+${PODS} pods`, why);
    return Object.fromEntries(names.map((n) => [n, bad]));
  };
  const cluster = await localClusterWithNode(log);
  if ("missing" in cluster) return all(cluster.missing);

  const dir = mkdtempSync(path.join(tmpdir(), "loadgen-node-bench-"));
  try {
    const summaryFile = path.join(dir, "summary.json");
    const load = loadavg()[0]!.toFixed(1);
    const r = await runScenario(cluster.kubeconfig, summaryFile);
    if (r.code !== 0) {
      const why = r.stderr.split("\n").filter((l) => /pod startup:|Error|error|✗/.test(l)).slice(-4).join(" | ") || tail(r.stderr + r.stdout);
      return all(`\`loadgen run ${SCENARIO}\` exited with ${r.code}: ${why}`);
    }
    let trackers: TrackerData[];
    try {
      const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as { extensions?: Record<string, { data?: { podStartup?: Record<string, TrackerData> } }> };
      trackers = Object.values(summary.extensions?.["loadgen/kwok"]?.data?.podStartup ?? {});
    } catch (e) {
      return all(`no summary export: ${(e as Error).message}`);
    }
    const real = trackers.find((t) => t.pods.includes("=real-node"));
    const kwok = trackers.find((t) => t.pods.includes("=kwok"));
    if (!real || !kwok) return all(`the summary has no tracker for ${!real ? "the real node" : "the kwok pool"} (trackers: ${trackers.map((t) => t.pods).join("; ") || "none"})`);
    for (const [what, t] of [["real node", real], ["kwok pool", kwok]] as const) {
      if (t.created !== PODS || t.running !== PODS || t.startup.count !== PODS || t.scheduledToRunning.count !== PODS) {
        return all(`${what}: ${t.running} of ${t.created} pods seen running (${t.startup.count} measured), want ${PODS} of ${PODS}`);
      }
    }
    log(`${PODS} pods on node 127.0.0.1 and ${PODS} on a kwok pool, created interleaved by 10 VUs; load average ${load} at the start`);
    const pair = (p: Percentiles) => `${s(p.p50)} / ${s(p.p99)}`;
    return {
      [names[0]!]: pair(real.startup),
      [names[1]!]: pair(kwok.startup),
      [names[2]!]: pair(real.scheduledToRunning),
      [names[3]!]: pair(kwok.scheduledToRunning),
      [names[4]!]: pair(real.scheduling),
      [names[5]!]: pair(kwok.scheduling),
      [names[6]!]: `${real.createdPerSecond} / ${kwok.createdPerSecond}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
