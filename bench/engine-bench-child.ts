// One engine measurement in a fresh process (so resident memory belongs to this run alone):
// N VUs, constant-vus for a few seconds, each iteration awaiting one stdlib no-op (sleep(0)); a custom counter
// at the start of each iteration marks the first one (it costs one synchronous host call per iteration).
// Prints one JSON line with the figures.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { prepareRun } from "../runtime/execution/prepare-run.ts";
import { executeRun } from "../runtime/execution/execute-run.ts";

const vus = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(path.join(tmpdir(), "loadgen-bench-"));
const script = path.join(dir, "noop.ts");
writeFileSync(
  script,
  `import { sleep } from "loadgen";
import { Counter } from "loadgen/metrics";
const started = new Counter("bench_iteration_started");
export const options = { scenarios: { s: { executor: "constant-vus", vus: ${vus}, duration: "${seconds}s", gracefulStop: "5s" } } };
export default async function () { started.add(1); await sleep(0); }
`,
);

global.gc?.();
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const prepared = await prepareRun({ scriptPath: script, cli: {}, env: {}, log: (l) => process.stderr.write(l + "\n") });
let firstIterationMs: number | undefined;
let rssAtStart: number | undefined;
let cpuAtStart: NodeJS.CpuUsage | undefined;

const iterationStarted = prepared.metrics.get("bench_iteration_started");
const add = prepared.engine.add.bind(prepared.engine);
// Bench-only hook: note when the first iteration completes (all VUs are initialised before any iteration starts).
prepared.engine.add = (metric, tags, value) => {
  if (firstIterationMs === undefined && metric === iterationStarted) {
    firstIterationMs = performance.now() - t0;
    rssAtStart = process.memoryUsage().rss;
    cpuAtStart = process.cpuUsage();
  }
  add(metric, tags, value);
};
const result = await executeRun(prepared, { noThresholds: true, outputs: [], log: (l) => process.stderr.write(l + "\n") });
const cpu = process.cpuUsage(cpuAtStart);
rmSync(dir, { recursive: true, force: true });
const count = (result.summary.metrics.iterations?.values.count ?? 0);
const runMs = result.summary.state.testRunDurationMs;
process.stdout.write(
  JSON.stringify({
    vus,
    rssPerVuKB: Math.round((rssAtStart! - rssBefore) / vus / 1024),
    iterationsPerSecond: Math.round(count / (runMs / 1000)),
    // CPU of the whole process (GC threads included) per second of the run: iterations per CPU-second is
    // iterationsPerSecond / cpuSecondsPerSecond.
    cpuSecondsPerSecond: +((cpu.user + cpu.system) / 1e6 / (runMs / 1000)).toFixed(2),
    firstIterationMs: Math.round(firstIterationMs ?? -1),
    exitCode: result.exitCode,
  }) + "\n",
);
process.exit(0);
