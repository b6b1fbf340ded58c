// `npm run bench`: prints loadgen's speed and memory figures beside their targets. Each engine figure comes from a
// fresh child process (so resident memory belongs to that run alone); nothing here asserts, it only prints.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { benchMetrics } from "./metrics-bench.ts";

interface EngineFigures {
  vus: number;
  rssPerVuKB: number;
  iterationsPerSecond: number;
  cpuSecondsPerSecond: number;
  firstIterationMs: number;
}

function engineRun(vus: number, seconds: number): EngineFigures {
  const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", "bench/engine-bench-child.ts", String(vus), String(seconds)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split("\n").pop()!) as EngineFigures;
}

function row(name: string, value: string, target: string): void {
  console.log(`  ${name.padEnd(68)} ${value.padStart(14)}   ${target}`);
}

console.log(`loadgen bench — Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`);
console.log("\nengine: VUs awaiting one stdlib no-op (sleep(0)) per iteration, constant-vus, one process");
for (const vus of [1_000, 10_000]) {
  const f = engineRun(vus, 5);
  // Per CPU-second of this process (GC threads included): on a busy machine the run may get less than a core.
  const perCore = f.iterationsPerSecond / f.cpuSecondsPerSecond;
  row(`${vus} VUs: resident memory per VU`, `${f.rssPerVuKB} KB`, "target ≤ 200 KB at 10,000 VUs");
  row(`${vus} VUs: iterations per second`, `${f.iterationsPerSecond}`, "");
  row(`${vus} VUs: iterations per CPU-second (all threads)`, `${Math.round(perCore)}`, "target ≥ 20,000 per core");
  row(`${vus} VUs: start to first iteration`, `${f.firstIterationMs} ms`, vus === 1_000 ? "target ≤ 1,000 ms" : "");
}

console.log("\nmetrics engine: cost of one sample");
for (const [name, value] of Object.entries(await benchMetrics())) row(name, String(value), "");

// Later issues add their own benchmarks as bench/<area>-bench.ts exporting bench<Area>().
if (existsSync("bench/k8s-bench.ts")) {
  const { benchK8s } = (await import("./k8s-bench.ts" as string)) as { benchK8s: () => Promise<Record<string, number | string>> };
  console.log("\nloadgen/k8s: list requests against a local static endpoint");
  for (const [name, value] of Object.entries(await benchK8s())) row(name, String(value), "");
}
