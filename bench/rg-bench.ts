// Runner groups on the local cluster's real node (`loadgen rg run`, runner pods of an Indexed Job, coordinated by the
// CLI through the API server), the figures the issue sets targets for:
//  - start skew: the spread of the runners' own start times, for RG_BENCH_RUNNERS (10) runners; target ≤ 1 s;
//  - abortOnFail: from the first sample that fails a merged threshold to the last runner's stop, and from the abort
//    command to it (10 runners again).
// The scenario is the runner-group tests' (test/fixtures/scenarios/group/shared.ts), one VU per runner. Invalid
// (bench/figures.ts) when the cluster has no real node, a run does not exit as it must (0; 99 for the abort), the
// merged iteration count is not the whole test's, or the CLI prints no figure. Each group is deleted afterwards.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { invalid, tail, type Value } from "./figures.ts";
import { localClusterWithNode } from "./node-bench.ts";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const RUNNERS = Number(process.env.RG_BENCH_RUNNERS ?? 10);
const SCENARIO = "test/fixtures/scenarios/group/shared.ts";

function loadgen(kubeconfig: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/loadgen.js", ...args, "--kubeconfig", kubeconfig], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGTERM"), 15 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The figures, by row name; every one is INVALID (with the reason) when the measurement is not one. */
export async function benchRg(log: (line: string) => void = (l) => console.log(`  ${l}`)): Promise<Record<string, Value>> {
  const skewRow = `start skew of ${RUNNERS} runner pods (target ≤ 1,000 ms)`;
  const failingRow = `abortOnFail, ${RUNNERS} runners: first failing sample → last runner stopped`;
  const abortRow = `abortOnFail, ${RUNNERS} runners: abort command → last runner stopped`;
  const cluster = await localClusterWithNode(log);
  if ("missing" in cluster) {
    const bad = invalid("rg, runner pods", cluster.missing);
    return { [skewRow]: bad, [failingRow]: bad, [abortRow]: bad };
  }
  const dir = mkdtempSync(path.join(tmpdir(), "loadgen-rg-bench-"));
  const id = Date.now().toString(36);
  const groups: string[] = [];
  const rg = (name: string, extra: string[]) => {
    groups.push(name);
    return loadgen(cluster.kubeconfig, ["rg", "run", SCENARIO, "--count", String(RUNNERS), "--name", name, "-q", "--no-color", "-e", `VUS=${RUNNERS}`, ...extra]);
  };
  const out: Record<string, Value> = {};
  try {
    log(`${RUNNERS} runner pods on node 127.0.0.1 (loadgen's image, built and imported on first use); load average ${loadavg()[0]!.toFixed(1)} at the start`);
    const summary = path.join(dir, "skew.json");
    const iterations = RUNNERS * 30;
    const skew = await rg(`rg-bench-skew-${id}`, ["-e", `ITERATIONS=${iterations}`, "--summary-export", summary]);
    const skewMs = Number(new RegExp(`${RUNNERS} runners started within (\\d+) ms`).exec(skew.stderr)?.[1]);
    let merged = NaN;
    try {
      merged = JSON.parse(readFileSync(summary, "utf8")).metrics?.iterations?.values?.count;
    } catch {
      // no summary: said below
    }
    if (skew.code !== 0) out[skewRow] = invalid(skewRow, `rg run exited with ${skew.code}: ${tail(skew.stderr, 3)}`);
    else if (merged !== iterations) out[skewRow] = invalid(skewRow, `the merged run did ${merged} iterations, not ${iterations}`);
    else if (!Number.isFinite(skewMs)) out[skewRow] = invalid(skewRow, `no start skew printed: ${tail(skew.stderr, 3)}`);
    else out[skewRow] = `${skewMs} ms`;

    const thresholds = JSON.stringify({ checks: [{ threshold: "rate==1", abortOnFail: true }] });
    const abort = await rg(`rg-bench-abort-${id}`, ["-e", "ITERATIONS=1000000", "-e", "SLEEP=0.05", "-e", "FAIL_AFTER_MS=3000", "-e", `THRESHOLDS=${thresholds}`]);
    const failing = [...abort.stderr.matchAll(/first failing sample at (\d+)/g)].map((m) => Number(m[1]));
    const stopped = /abort sent at (\d+); the last runner stopped at (\d+)/.exec(abort.stderr);
    if (abort.code !== 99 || failing.length === 0 || stopped === null) {
      const bad = invalid("rg abortOnFail", `want exit 99 with a failing sample and the abort figures; exit ${abort.code}: ${tail(abort.stderr, 3)}`);
      out[failingRow] = bad;
      out[abortRow] = bad;
    } else {
      out[failingRow] = `${Number(stopped[2]) - Math.min(...failing)} ms`;
      out[abortRow] = `${Number(stopped[2]) - Number(stopped[1])} ms`;
    }
  } finally {
    for (const name of groups) await loadgen(cluster.kubeconfig, ["rg", "delete", name]);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
