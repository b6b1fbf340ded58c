// One measurement of bench/http-bench.ts in a fresh process, so its CPU time, memory and event loop belong to it alone
// (bench/http-bench.ts pins it to one core). Prints one JSON line. It judges nothing: bench/http-bench.ts rejects a run
// with no requests, a non-2xx answer or an error. Modes:
//   undici  URL SECONDS CONNS         a bare undici Pool loop (request + body.dump()), CONNS requests in flight
//   vu      URL SECONDS CONNS READ    loadgen's VU path: CONNS VUs (constant-vus) each awaiting http.get(URL); READ is
//                                     "lazy" (default params: the body stays on the host, unread) or "body" (the
//                                     scenario reads res.body, copying it into the VU)
//   memory  VUS SECONDS KIND [URL]    resident memory per VU: VUS VUs, constant-vus; KIND "plain" awaits sleep(0) (no
//                                     loadgen/http import), "http" imports loadgen/http and awaits http.get(URL)
// The first two print requests, rps, cpuUsPerRequest (process CPU, every thread, over the measured window), statuses
// (answers per HTTP status; 0: no answer), errors (failed requests, with errorKinds), and for `vu` iterationErrors,
// exitCode, notes. `memory` prints rssPerVuKB (resident memory when the first iteration starts, every VU initialised,
// minus before the run), peakPerVuKB (the process's peak resident memory, once every VU has made requests, minus the
// same), iterations, and for KIND "http" the same request figures.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Pool } from "undici";
import { prepareRun, type PreparedRun } from "../runtime/execution/prepare-run.ts";
import { executeRun } from "../runtime/execution/execute-run.ts";
import type { MetricsEngine } from "../runtime/metrics/engine.ts";
import type { Metric } from "../runtime/metrics/metric.ts";

const mode = process.argv[2];

/** What a run saw besides its count: answers per status, failed requests per kind, anything else worth telling. */
interface Seen {
  statuses: Record<string, number>;
  errors: number;
  errorKinds?: Record<string, number>;
  iterationErrors?: number;
  exitCode?: number;
  notes?: string[];
}

function figures(requests: number, wallMs: number, cpu: NodeJS.CpuUsage, seen: Seen): Record<string, unknown> {
  const cpuUs = cpu.user + cpu.system;
  return { requests, rps: Math.round((requests / wallMs) * 1000), cpuUsPerRequest: +(cpuUs / Math.max(1, requests)).toFixed(2), ...seen };
}

function countInto(counts: Record<string, number>, key: string | number, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

async function bareUndici(url: URL, seconds: number, conns: number): Promise<void> {
  const pool = new Pool(url.origin, { connections: conns, pipelining: 1 });
  const p = url.pathname + url.search;
  let stop = false;
  let n = 0;
  const seen: Seen & { errorKinds: Record<string, number> } = { statuses: {}, errors: 0, errorKinds: {} };
  const loop = async () => {
    while (!stop) {
      try {
        const r = await pool.request({ path: p, method: "GET" });
        await r.body.dump();
        countInto(seen.statuses, r.statusCode);
        n++;
      } catch (e) {
        // Counted (the bench rejects the run), not thrown: the figures still say how far it got.
        seen.errors++;
        countInto(seen.errorKinds, (e as { code?: string }).code ?? errorText(e));
        countInto(seen.statuses, 0);
        if (seen.errors >= 1000) stop = true; // a dead server: no point spinning until the end
      }
    }
  };
  // Connections and JIT warmed up for a second first, outside the measurement (the VU path gets the same).
  const warm = performance.now();
  await Promise.all(Array.from({ length: conns }, async () => {
    while (performance.now() - warm < 1000) await (await pool.request({ path: p, method: "GET" })).body.dump();
  }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  setTimeout(() => (stop = true), seconds * 1000);
  await Promise.all(Array.from({ length: conns }, loop));
  const out = figures(n, performance.now() - t0, process.cpuUsage(cpu0), seen);
  await pool.close();
  console.log(JSON.stringify(out));
}

/** A scenario in a fresh folder, prepared as `loadgen run` would (log lines kept for the report, not printed). */
async function prepare(source: string): Promise<{ prepared: PreparedRun; logged: string[]; done: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-http-bench-"));
  const script = path.join(dir, "scenario.ts");
  writeFileSync(script, source);
  const logged: string[] = [];
  const log = (line: string) => void (logged.length < 20 && logged.push(line));
  const prepared = await prepareRun({ scriptPath: script, cli: {}, env: {}, log });
  return { prepared, logged, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Calls `at` once, on the first sample of `metric` tagged `scenario` (or any when undefined), then steps out of the hot path. */
function onFirstSample(engine: MetricsEngine, metric: Metric | undefined, scenario: string | undefined, at: () => void): void {
  const add = engine.add.bind(engine);
  // An own property shadowing the class's method, deleted once it has seen the sample: the hot path is then as without it.
  engine.add = (m, tags, value) => {
    if (m === metric && (scenario === undefined || tags.tags.scenario === scenario)) {
      at();
      delete (engine as { add?: unknown }).add;
    }
    add(m, tags, value);
  };
}

/** Requests, answers per status and failures per error of a run's http_reqs, in `scenario` only. */
function httpSeen(prepared: PreparedRun, scenario: string, wallMs: number): { requests: number; statuses: Record<string, number>; errors: number; errorKinds: Record<string, number> } {
  const statuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  const reqs = prepared.metrics.get("http_reqs");
  if (reqs !== undefined) {
    for (const { tags, sink } of prepared.engine.seriesOf(reqs)) {
      if (!tags.matches({ scenario })) continue;
      const n = sink.aggregate("count", wallMs) ?? 0;
      requests += n;
      countInto(statuses, tags.tags.status ?? "untagged", n);
      if (tags.tags.status === "0") {
        errors += n;
        countInto(errorKinds, `${tags.tags.error_code ?? "?"} ${tags.tags.error ?? ""}`.trim(), n);
      }
    }
  }
  return { requests, statuses, errors, errorKinds };
}

function runNotes(result: Awaited<ReturnType<typeof executeRun>>, logged: string[]): string[] {
  return [
    ...(result.abortReason !== undefined ? [`run stopped early: ${result.abortReason}`] : []),
    ...result.errors.slice(0, 3).map((e) => `${e.count} × iteration error ${e.name}: ${e.message}`),
    ...(result.exitCode !== 0 ? logged.slice(0, 3) : []),
  ];
}

async function vuPath(url: string, seconds: number, conns: number, read: string): Promise<void> {
  if (read !== "lazy" && read !== "body") throw new Error(`READ must be "lazy" or "body", got ${read}`);
  // A one-second warm-up scenario first (JIT, wasm tier-up, connections), as the bare loop gets; only the measured
  // scenario's samples count.
  const iteration = read === "lazy"
    ? `await http.get(URL);`
    : `const r = await http.get(URL); if (typeof r.body !== "string" || r.body.length === 0) throw new Error("no body");`;
  const { prepared, logged, done } = await prepare(`import http from "loadgen/http";
const URL = ${JSON.stringify(url)};
export const options = {
  scenarios: {
    warm: { executor: "constant-vus", vus: ${conns}, duration: "1s" },
    get: { executor: "constant-vus", vus: ${conns}, duration: "${seconds + 1}s", startTime: "1s" },
  },
  http: { connectionsPerHost: ${conns} },
};
export default async function () { ${iteration} }
`);
  // The window opens at the measured scenario's first request and closes SECONDS later (read by a timer), a second
  // before the scenario ends: neither the warm-up nor the run's wind-down (VUs stopping, the summary) is counted, even
  // when a loaded machine delays the first request.
  const windowMs = seconds * 1000;
  let window: { requests: number; ms: number; cpu: NodeJS.CpuUsage } | undefined;
  onFirstSample(prepared.engine, prepared.metrics.get("http_reqs"), "get", () => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    setTimeout(() => {
      const cpu = process.cpuUsage(cpu0);
      window = { requests: httpSeen(prepared, "get", windowMs).requests, ms: performance.now() - t0, cpu };
    }, windowMs);
  });
  const result = await executeRun(prepared, { noThresholds: true, outputs: [], log: () => {} });
  done();
  // Every answer of the scenario is judged, in the window or not.
  const { requests: _all, ...seen } = httpSeen(prepared, "get", windowMs);
  const notes = runNotes(result, logged);
  if (window === undefined) notes.push("the measured window never closed: the scenario ended before it (its first request came more than 1 s late, or it stopped early)");
  console.log(JSON.stringify(figures(window?.requests ?? 0, window?.ms ?? NaN, window?.cpu ?? { user: NaN, system: NaN }, {
    ...seen,
    iterationErrors: result.errors.reduce((a, e) => a + e.count, 0),
    exitCode: result.exitCode,
    ...(notes.length ? { notes } : {}),
  })));
}

async function memory(vus: number, seconds: number, kind: string, url: string | undefined): Promise<void> {
  if (kind !== "plain" && kind !== "http") throw new Error(`KIND must be "plain" or "http", got ${kind}`);
  if (kind === "http" && url === undefined) throw new Error("KIND http needs a URL");
  // The same scenario either way but for the import and the call: a counter marks the first iteration (all VUs are
  // initialised before any iteration starts), as bench/engine-bench-child.ts does.
  const { prepared, logged, done } = await prepare(`${kind === "http" ? 'import http from "loadgen/http";' : 'import { sleep } from "loadgen";'}
import { Counter } from "loadgen/metrics";
const started = new Counter("bench_iteration_started");
export const options = {
  scenarios: { s: { executor: "constant-vus", vus: ${vus}, duration: "${seconds}s", gracefulStop: "30s" } },
  ${kind === "http" ? "http: { connectionsPerHost: 50 }," : ""}
};
export default async function () { started.add(1); ${kind === "http" ? `await http.get(${JSON.stringify(url)});` : "await sleep(0);"} }
`);
  global.gc?.();
  // RSS before the VUs: prepareRun made the init VU only (bench/engine-bench-child.ts measures from before it; here
  // both kinds start from the same point, so their difference is the module's).
  const rssBefore = process.memoryUsage().rss;
  let rssAtStart = NaN;
  onFirstSample(prepared.engine, prepared.metrics.get("bench_iteration_started"), undefined, () => (rssAtStart = process.memoryUsage().rss));
  const result = await executeRun(prepared, { noThresholds: true, outputs: [], log: () => {} });
  const peak = process.resourceUsage().maxRSS * 1024;
  done();
  const runMs = result.summary.state.testRunDurationMs;
  const iterations = result.summary.metrics.iterations?.values.count ?? 0;
  const notes = runNotes(result, logged);
  const http = kind === "http" ? httpSeen(prepared, "s", runMs) : { requests: undefined, statuses: {}, errors: 0 };
  console.log(JSON.stringify({
    vus,
    rssPerVuKB: +((rssAtStart - rssBefore) / vus / 1024).toFixed(1),
    peakPerVuKB: +((peak - rssBefore) / vus / 1024).toFixed(1),
    iterations,
    ...http,
    iterationErrors: result.errors.reduce((a, e) => a + e.count, 0),
    exitCode: result.exitCode,
    ...(notes.length ? { notes } : {}),
  }));
}

const a = process.argv.slice(3);
switch (mode) {
  case "undici":
    await bareUndici(new URL(a[0]!), Number(a[1]), Number(a[2]));
    break;
  case "vu":
    await vuPath(a[0]!, Number(a[1]), Number(a[2]), a[3] ?? "lazy");
    break;
  case "memory":
    await memory(Number(a[0]), Number(a[1]), a[2]!, a[3]);
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
