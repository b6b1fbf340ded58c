// One measurement of bench/k8s-bench.ts in a fresh process, so its CPU time and event loop belong to it alone.
// Prints one JSON line: requests, rps, cpuUsPerRequest, statuses (answers per HTTP status of the measured window; 0 is
// a request that got no answer), errors (failed requests, with errorKinds), and per mode p50ms/p99ms, exitCode,
// iterationErrors, notes. It judges nothing: bench/k8s-bench.ts rejects a run with no requests, a non-2xx answer or an error. Modes:
//   undici  ORIGIN SECONDS CONNS [RATE]     a bare undici Pool loop (request + body.dump()), CONNS requests in flight;
//                                           with RATE, open-loop at RATE/s with latency percentiles (the control)
//   kperf   ORIGIN SECONDS CONNS [RATE]     loadgen's kperf-profile path: runSpec with client=CONNS, HTTP/1.1
//   vu      ORIGIN SECONDS CONNS [RATE]     loadgen's VU-scenario path: k8s.list() from VUs (CONNS VUs, or RATE/s)
//   vu-workers ORIGIN SECONDS CONNS WORKERS the VU-scenario path as `loadgen run --workers WORKERS` runs it: the CONNS
//                                           VUs split over WORKERS `loadgen runner` processes (dist/ must be built);
//                                           cpuUsPerRequest is then the workers' CPU from their start (as they
//                                           report it) plus the coordinator's, over every request (warm-up included)
//   slow    PORT                            an HTTP server that answers every request after 50 ms
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Pool } from "undici";
import { MetricRegistry } from "../runtime/metrics/metric.ts";
import { TagRegistry } from "../runtime/metrics/tags.ts";
import { MetricsEngine } from "../runtime/metrics/engine.ts";
import type { Metric } from "../runtime/metrics/metric.ts";
import { runSpec } from "../runtime/kperf/runner.ts";
import { prepareRun } from "../runtime/execution/prepare-run.ts";
import { executeRun } from "../runtime/execution/execute-run.ts";
import type { ErrorLog } from "../runtime/execution/error-log.ts";
import type { PreparedRun } from "../runtime/execution/prepare-run.ts";
import { GroupExecution } from "../runtime/group/group-execution.ts";
import { launchLocalWorkers } from "../runtime/group/local-workers.ts";
import type { ClusterAccess } from "../runtime/kube/cluster-access.ts";

const [mode, target, secondsArg, connsArg, rateArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 5);
const conns = Number(connsArg ?? 50);
const rate = mode === "vu-workers" ? 0 : Number(rateArg ?? 0);
/** vu-workers: how many runner processes. */
const workers = mode === "vu-workers" ? Number(rateArg ?? 2) : 0;
/** Requests per iteration on the VU path (K8S_BENCH_PER_ITERATION), to separate the engine's per-iteration cost. */
const perIteration = Number(process.env.K8S_BENCH_PER_ITERATION ?? 1);
const PATH = "/api/v1/pods?resourceVersion=0";

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)] ?? NaN;
}

/** What a run saw besides its count: answers per status, failed requests per kind, anything else worth telling. */
interface Seen {
  statuses: Record<string, number>;
  errors: number;
  errorKinds?: Record<string, number>;
  /** VU path: iterations that threw (a failed k8s.list throws, so each is also a failed request). */
  iterationErrors?: number;
  exitCode?: number;
  notes?: string[];
}

function report(requests: number, wallMs: number, cpu: NodeJS.CpuUsage, seen: Seen, extra: Record<string, number> = {}): void {
  const cpuUs = cpu.user + cpu.system;
  console.log(JSON.stringify({ requests, rps: Math.round((requests / wallMs) * 1000), cpuUsPerRequest: +(cpuUs / Math.max(1, requests)).toFixed(1), ...extra, ...seen }));
}

function countInto(counts: Record<string, number>, key: string | number, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** Requests per `status` tag of an engine's k8s_requests (only the tag sets matching `filter`). */
function statusesOf(engine: MetricsEngine, metric: Metric | undefined, filter: Readonly<Record<string, string>> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  if (metric === undefined) return out;
  for (const { tags, sink } of engine.seriesOf(metric)) {
    if (tags.matches(filter)) countInto(out, tags.tags.status ?? "untagged", sink.aggregate("count", 1) ?? 0);
  }
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

async function bareUndici(origin: string): Promise<void> {
  if (rate > 0) return bareUndiciAtRate(origin);
  const pool = new Pool(origin, { connections: conns, pipelining: 1 });
  let stop = false;
  let n = 0;
  const seen: Seen & { errorKinds: Record<string, number> } = { statuses: {}, errors: 0, errorKinds: {} };
  const loop = async () => {
    while (!stop) {
      try {
        const r = await pool.request({ path: PATH, method: "GET", headers: { accept: "application/json" } });
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
  // Warm the connections up first, outside the measurement.
  await Promise.all(Array.from({ length: conns }, () => pool.request({ path: PATH, method: "GET" }).then((r) => r.body.dump())));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  setTimeout(() => (stop = true), seconds * 1000);
  await Promise.all(Array.from({ length: conns }, loop));
  report(n, performance.now() - t0, process.cpuUsage(cpu0), seen);
  await pool.close();
}

/**
 * The control for the latency check: a bare undici Pool sending RATE requests/s open-loop (a request starts on
 * schedule whatever is in flight, up to CONNS), timing each from request to body end, after a one-second warm-up.
 */
async function bareUndiciAtRate(origin: string): Promise<void> {
  const pool = new Pool(origin, { connections: conns, pipelining: 1 });
  let seen: Seen & { errorKinds: Record<string, number> } = { statuses: {}, errors: 0, errorKinds: {} };
  const one = async (latencies: number[] | undefined) => {
    const t = performance.now();
    try {
      const r = await pool.request({ path: PATH, method: "GET", headers: { accept: "application/json" } });
      await r.body.dump();
      countInto(seen.statuses, r.statusCode);
      latencies?.push(performance.now() - t);
    } catch (e) {
      seen.errors++;
      countInto(seen.errorKinds, (e as { code?: string }).code ?? errorText(e));
      countInto(seen.statuses, 0);
    }
  };
  const run = async (ms: number, latencies: number[] | undefined) => {
    const inFlight = new Set<Promise<void>>();
    const t0 = performance.now();
    for (let k = 0; ; k++) {
      const at = (k * 1000) / rate;
      if (at >= ms) break;
      const wait = at - (performance.now() - t0);
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (inFlight.size >= conns) continue; // dropped, as an arrival-rate executor would
      const p: Promise<void> = one(latencies).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  };
  await run(1000, undefined);
  seen = { statuses: {}, errors: 0, errorKinds: {} }; // the warm-up's answers are not the measurement's
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(seconds * 1000, latencies);
  const wall = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  report(latencies.length, wall, process.cpuUsage(cpu0), seen, { p50ms: +exactPercentile(latencies, 0.5).toFixed(2), p99ms: +exactPercentile(latencies, 0.99).toFixed(2) });
  await pool.close();
}

function plainAccess(origin: string): ClusterAccess {
  const headers = Object.freeze({});
  return { origin, pathPrefix: "", defaultNamespace: "default", source: "bench", tls: {}, headers: async () => headers, cachedHeaders: () => headers, invalidate() {} };
}

async function kperfPath(origin: string): Promise<void> {
  const spec = {
    rate,
    total: 0,
    duration: seconds,
    conns: 1,
    client: conns,
    contentType: "json" as const,
    disableHTTP2: true,
    maxRetries: 0,
    requests: [{ kind: "staleList" as const, shares: 1, gvr: { group: "", version: "v1", resource: "pods" }, namespace: "", limit: 0, selector: "", fieldSelector: "" }],
  };
  // One engine per run, so the measured run's statuses are its own (the warm-up's are not counted).
  const common = () => {
    const registry = new MetricRegistry();
    const tags = new TagRegistry();
    const engine = new MetricsEngine(registry, tags);
    return { access: plainAccess(origin), registry, engine, tags: tags.empty, runId: "bench", scenario: "bench", signal: new AbortController().signal, log: () => {} };
  };
  await runSpec({ ...spec, duration: 1 }, common()); // warm-up (JIT, connections)
  const measured = common();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runSpec(spec, measured);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const lat = [...out.latenciesByUrl.values()].flat().sort((a, b) => a - b);
  const errorKinds = Object.fromEntries(out.errorStats);
  const seen: Seen = {
    statuses: statusesOf(measured.engine, measured.registry.get("k8s_requests")),
    errors: Object.values(errorKinds).reduce((a, b) => a + b, 0),
    errorKinds,
  };
  report(out.total, wall, cpu, seen, { p50ms: +(exactPercentile(lat, 0.5) * 1000).toFixed(2), p99ms: +(exactPercentile(lat, 0.99) * 1000).toFixed(2) });
}

async function vuPath(origin: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-k8s-bench-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{ name: bench, cluster: { server: "${origin}", insecure-skip-tls-verify: true } }]
users: [{ name: bench, user: {} }]
contexts: [{ name: bench, context: { cluster: bench, user: bench } }]
current-context: bench
`);
  // A one-second warm-up scenario first (JIT, wasm tier-up, connections), as the kperf path gets; only the measured
  // scenario's samples count.
  const executor = (duration: number, startTime: number) =>
    rate > 0
      ? `{ executor: "constant-arrival-rate", rate: ${rate}, timeUnit: "1s", duration: "${duration}s", startTime: "${startTime}s", preAllocatedVUs: ${conns}, maxVUs: ${conns * 2} }`
      : `{ executor: "constant-vus", vus: ${conns}, duration: "${duration}s", startTime: "${startTime}s" }`;
  const script = path.join(dir, "list.ts");
  writeFileSync(script, `import * as k8s from "loadgen/k8s";
export const options = { scenarios: { warm: ${executor(1, 0)}, list: ${executor(seconds, 1)} }, k8s: { http2: false, conns: 1, clients: ${conns} } };
export async function setup() { await k8s.list("pods", { consistency: "stale" }); }
const opts = ${process.env.K8S_BENCH_NOOPTS ? "undefined" : '{ consistency: "stale" }'};
export default async function () { ${perIteration === 1 ? 'await k8s.list("pods", opts);' : `for (let i = 0; i < ${perIteration}; i++) await k8s.list("pods", opts);`} }
`);
  // Log lines (iteration errors, setup failures) are kept for the report, not printed: the bench says what went wrong.
  const logged: string[] = [];
  const log = (line: string) => void (logged.length < 20 && logged.push(line));
  const prepared = await prepareRun({ scriptPath: script, cli: {}, env: {}, log, cluster: { kubeconfig }, group: workers > 0 ? "coordinator" : undefined });
  // vu-workers: the scenarios run in `loadgen runner` processes, as `loadgen run --workers` runs them.
  const execution = workers > 0
    ? (run: PreparedRun, errors: ErrorLog) =>
        new GroupExecution(run, errors, {
          noun: "workers",
          log,
          launch: () => launchLocalWorkers({ script, count: workers, runId: run.runId, cli: {}, env: {}, cluster: { kubeconfig } }),
        })
    : undefined;
  const own0 = process.cpuUsage();
  // CPU is counted from the measured scenario's start: the engine's first sample tagged with it marks it.
  const requestsMetric = prepared.metrics.get("k8s_requests")!;
  let cpu0: NodeJS.CpuUsage | undefined;
  const add = prepared.engine.add.bind(prepared.engine);
  // Watches adds only until the measured scenario's first request, then steps out of the hot path.
  prepared.engine.add = (metric, tags, value) => {
    if (metric === requestsMetric && tags.tags.scenario === "list") {
      cpu0 = process.cpuUsage();
      prepared.engine.add = add;
    }
    add(metric, tags, value);
  };
  const result = await executeRun(prepared, { noThresholds: true, outputs: [], log, execution });
  // With workers the samples arrive merged (never through engine.add): the CPU is what the workers report using from
  // their start, plus the coordinator's, and it is spread over every request they sent, warm-up included.
  const workerCpuUs = workers > 0 ? ((result.summary.extensions?.workers?.data as { runners: Array<{ cpuMs: number }> } | undefined)?.runners ?? []).reduce((n, r) => n + r.cpuMs * 1000, 0) : 0;
  const cpu = workers > 0 ? { user: process.cpuUsage(own0).user + workerCpuUs, system: process.cpuUsage(own0).system } : process.cpuUsage(cpu0);
  rmSync(dir, { recursive: true, force: true });
  const wall = seconds * 1000;
  const only = { scenario: "list" };
  const count = (name: string) => prepared.engine.view(prepared.metrics.get(name)!, only)?.aggregate("count", wall) ?? 0;
  const duration = prepared.engine.view(prepared.metrics.get("k8s_request_duration")!, only);
  const errorKinds: Record<string, number> = {};
  for (const { tags, sink } of prepared.engine.seriesOf(prepared.metrics.get("k8s_request_errors")!)) {
    if (tags.matches(only)) countInto(errorKinds, tags.tags.error ?? "?", sink.aggregate("count", wall) ?? 0);
  }
  const notes = [
    ...(result.abortReason !== undefined ? [`run stopped early: ${result.abortReason}`] : []),
    ...result.errors.slice(0, 3).map((e) => `${e.count} × iteration error ${e.name}: ${e.message}`),
    ...(result.exitCode !== 0 ? logged.slice(0, 3) : []),
  ];
  const seen: Seen = {
    statuses: statusesOf(prepared.engine, requestsMetric, only),
    errors: count("k8s_request_errors"),
    errorKinds,
    iterationErrors: result.errors.reduce((a, e) => a + e.count, 0),
    exitCode: result.exitCode,
    ...(notes.length ? { notes } : {}),
  };
  const cpuRequests = workers > 0 ? (prepared.engine.view(requestsMetric)?.aggregate("count", wall) ?? 0) : count("k8s_requests");
  report(count("k8s_requests"), wall, cpu, seen, {
    ...(workers > 0 ? { cpuUsPerRequest: +((cpu.user + cpu.system) / Math.max(1, cpuRequests)).toFixed(1) } : {}),
    p50ms: +(duration?.aggregate("med", wall) ?? NaN).toFixed(2),
    p99ms: +(duration?.aggregate("p", wall, 99) ?? NaN).toFixed(2),
  });
}

function slowServer(port: number): void {
  const body = JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] });
  // Loopback only; answers every request after 50 ms, for the latency-accuracy check. It shares the machine's cores
  // with the client, so its timers fire late too: it keeps how late (`GET /stats`, which also resets), so the bench
  // can show the server's own share of the tail beside what the client measured.
  const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
  const discovery: Record<string, string> = {
    "/api": readFileSync(path.join(fixtures, "discovery-api.json"), "utf8"),
    "/apis": readFileSync(path.join(fixtures, "discovery-apis.json"), "utf8"),
  };
  let late: number[] = [];
  createServer((req, res) => {
    if (req.url === "/stats") {
      const sorted = late.sort((a, b) => a - b);
      late = [];
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ count: sorted.length, p50LateMs: exactPercentile(sorted, 0.5), p99LateMs: exactPercentile(sorted, 0.99) }));
    }
    const doc = discovery[req.url ?? ""];
    if (doc !== undefined) {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(doc);
    }
    const arrived = performance.now();
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      late.push(performance.now() - arrived - 50);
    }, 50);
  })
    .listen(port, "127.0.0.1", () => console.log(JSON.stringify({ listening: port })));
}

switch (mode) {
  case "undici":
    await bareUndici(target!);
    break;
  case "kperf":
    await kperfPath(target!);
    break;
  case "vu":
  case "vu-workers":
    await vuPath(target!);
    break;
  case "slow":
    slowServer(Number(target));
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
if (mode !== "slow") process.exit(0);
