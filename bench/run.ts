// `npm run bench`: prints loadgen's speed and memory figures beside their targets. Each engine figure comes from a
// fresh child process (so resident memory belongs to that run alone). A missed target is printed, not failed; a
// figure that is not a measurement (zero requests or iterations, a non-2xx answer, an error, a child that crashed or
// measured nothing) is printed as INVALID with why, and the bench exits 1 at the end (bench/figures.ts).
//
// Parts: `npm run bench` runs them all; `npm run bench -- startup k8s` (or `node --import tsx bench/run.ts startup`)
// only those named. `http` needs nginx and wrk (and Go for its k6 stand-in). `node` and `rg` need the local cluster with its real node (started, and built the first time, if stopped).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { benchMetrics } from "./metrics-bench.ts";
import { benchStartup } from "./startup-bench.ts";
import { finish, invalid, Invalid, printRow, tail, type Value } from "./figures.ts";

interface EngineFigures {
  vus: number;
  rssPerVuKB: number;
  iterationsPerSecond: number;
  cpuSecondsPerSecond: number;
  firstIterationMs: number;
  exitCode: number;
}

/** One engine run in a fresh child, validated: the run ended with 0, iterated, and every figure is a number. */
function engineRun(vus: number, seconds: number): EngineFigures | Invalid {
  const what = `engine, ${vus} VUs`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "bench/engine-bench-child.ts", String(vus), String(seconds)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 22,
    timeout: (seconds * 4 + 120) * 1000,
  });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.error !== undefined || r.status !== 0) return invalid(what, `the child ${r.signal ? `was killed by ${r.signal}` : r.error ? `did not run (${r.error.message})` : `exited with code ${r.status}`}: ${tail(r.stderr) || "no output"}`);
  let f: EngineFigures;
  try {
    f = JSON.parse(r.stdout.trim().split("\n").pop()!) as EngineFigures;
  } catch {
    return invalid(what, `the child printed no figures (stdout: ${JSON.stringify(r.stdout.slice(-200))})`);
  }
  const why: string[] = [];
  if (f.exitCode !== 0) why.push(`the run ended with exit code ${f.exitCode}`);
  if (!(f.iterationsPerSecond > 0)) why.push("measured nothing: 0 iterations");
  if (!(f.firstIterationMs >= 0)) why.push("no first iteration");
  if (!Number.isFinite(f.rssPerVuKB) || !(f.cpuSecondsPerSecond > 0)) why.push("no memory or CPU figure");
  return why.length ? invalid(what, why.join("; ")) : f;
}

function row(name: string, value: Value, target: string): void {
  printRow({ name, value, target });
}

/** Each part prints its own section; one that throws is reported as invalid and the others still run. */
const parts: Record<string, () => Promise<void>> = {
  async startup() {
    console.log("\nstart-up: a fresh `node bin/loadgen.js` each run (from dist/)");
    for (const r of benchStartup()) printRow(r);
  },

  async engine() {
    console.log("\nengine: VUs awaiting one stdlib no-op (sleep(0)) per iteration, constant-vus, one process");
    for (const vus of [1_000, 10_000]) {
      const f = engineRun(vus, 5);
      const v = (get: (f: EngineFigures) => string): Value => (f instanceof Invalid ? f : get(f));
      // Per CPU-second of this process (GC threads included): on a busy machine the run may get less than a core.
      row(`${vus} VUs: resident memory per VU`, v((f) => `${f.rssPerVuKB} KB`), "target ≤ 200 KB at 10,000 VUs");
      row(`${vus} VUs: iterations per second`, v((f) => `${f.iterationsPerSecond}`), "");
      row(`${vus} VUs: iterations per CPU-second (all threads)`, v((f) => `${Math.round(f.iterationsPerSecond / f.cpuSecondsPerSecond)}`), "target ≥ 20,000 per core");
      row(`${vus} VUs: start to first iteration`, v((f) => `${f.firstIterationMs} ms`), vus === 1_000 ? "target ≤ 1,000 ms" : "");
    }
  },

  async metrics() {
    console.log("\nmetrics engine: cost of one sample");
    for (const [name, value] of Object.entries(await benchMetrics())) {
      row(name, Number.isFinite(value) && value >= 0 ? value : invalid(`metrics, ${name}`, `measured ${value}`), "");
    }
  },

  // Later issues add their own benchmarks as bench/<area>-bench.ts exporting bench<Area>().
  async k8s() {
    if (!existsSync("bench/k8s-bench.ts")) return;
    const { benchK8s } = (await import("./k8s-bench.ts" as string)) as { benchK8s: () => Promise<Record<string, Value>> };
    console.log("\nloadgen/k8s: list requests against a local static endpoint");
    for (const [name, value] of Object.entries(await benchK8s())) row(name, value, "");
  },

  async http() {
    const { benchHttp } = await import("./http-bench.ts");
    console.log(
      "\nloadgen/http: GET of a 128-byte static body from nginx (one worker), keep-alive, 50 connections, one core's worth of client;" +
        "\nbombardier (Go net/http) stands in for k6, whose AGPL licence the project does not take (bench/http-bench.ts)",
    );
    for (const r of await benchHttp()) printRow(r);
  },

  // Needs the local cluster with its real node: started (built the first time) when it is not running.
  async node() {
    const { benchNode } = await import("./node-bench.ts");
    console.log("\npod startup on the local cluster: real node (kubelet + containerd + runc) beside a kwok pool, one run of loadgen/kwok trackers");
    for (const [name, value] of Object.entries(await benchNode())) row(name, value, name.includes("created → running") ? "SLO: p99 ≤ 5 s" : "");
  },

  // Needs the local cluster with its real node, as `node` does.
  async rg() {
    const { benchRg } = await import("./rg-bench.ts");
    console.log("\nrunner groups: `loadgen rg run` on runner pods of the local cluster's real node, coordinated through the API server");
    for (const [name, value] of Object.entries(await benchRg())) row(name, value, "");
  },
};

const asked = process.argv.slice(2);
const unknown = asked.filter((p) => !(p in parts));
if (unknown.length > 0) {
  console.error(`bench: no part ${unknown.map((p) => JSON.stringify(p)).join(", ")}; the parts are: ${Object.keys(parts).join(", ")} (none named: all)`);
  process.exit(2);
}

console.log(`loadgen bench — Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
for (const name of asked.length > 0 ? asked : Object.keys(parts)) {
  try {
    await parts[name]!();
  } catch (e) {
    row(`${name}: crashed`, invalid(`part ${name}`, `crashed: ${(e as Error)?.stack ?? String(e)}`), "");
  }
}
process.exitCode = finish();
