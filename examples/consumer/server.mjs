#!/usr/bin/env node
// NimbusGuard's consumer service (src/consumer/main.py @1fc9cf5, a FastAPI app) in plain Node, no dependencies: the
// target of scenarios/service-load.ts and of loadgen's HTTP tests. Same routes, query parameters, validation and JSON
// answers as the original; /metrics has prometheus_fastapi_instrumentator's metric names (what the original's KEDA
// triggers query), the process collector's, and the service's own (jobs in flight, memory held, /process requests by
// parameters: an independent count to compare a load generator's with).
//
//   node examples/consumer/server.mjs --port 8000 [--host 127.0.0.1] [--time-scale 1] [--memory-scale 1] [--retain until-cleanup|duration]
//                                     [--no-access-log]
//
// --time-scale and --memory-scale shorten and shrink the work (tests, demos): a request for duration=20 works
// 20 × time-scale seconds and memory_size=150 holds 150 × memory-scale MiB; answers still echo what was asked.
import { createServer, STATUS_CODES } from "node:http";
import { constants as perf, PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CONTENT_TYPE, Counter, Gauge, Histogram, processCollector, Registry, residentMemoryBytes } from "./prometheus.mjs";
import { ProcessWork } from "./work.mjs";

// ---- command line ----

function usage(message) {
  process.stderr.write(`consumer: ${message}\nusage: node examples/consumer/server.mjs [--port 8000] [--host 127.0.0.1] [--time-scale F] [--memory-scale F] [--retain until-cleanup|duration] [--no-access-log]\n`);
  process.exit(2);
}

// uvicorn's flag: access lines are on unless it is given (parseArgs of Node 20 has no negated booleans).
const argv = process.argv.slice(2);
const accessLog = !argv.includes("--no-access-log");

let args;
try {
  args = parseArgs({
    args: argv.filter((a) => a !== "--no-access-log"),
    options: {
      port: { type: "string", default: process.env.PORT ?? "8000" },
      host: { type: "string", default: "127.0.0.1" },
      "time-scale": { type: "string", default: "1" },
      "memory-scale": { type: "string", default: "1" },
      retain: { type: "string", default: "until-cleanup" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (e) {
  usage(e.message);
}
if (args.help) usage("NimbusGuard's consumer API (GET /health, /ready, /metrics, POST /process, GET /process/status, DELETE /process/cleanup)");
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port: a port number (0 picks a free one), got ${JSON.stringify(args.port)}`);
const scale = (name) => {
  const v = Number(args[name]);
  if (!(v > 0) || !Number.isFinite(v)) usage(`--${name}: a positive number, got ${JSON.stringify(args[name])}`);
  return v;
};
if (args.retain !== "until-cleanup" && args.retain !== "duration") usage(`--retain: until-cleanup or duration, got ${JSON.stringify(args.retain)}`);

const work = new ProcessWork({ timeScale: scale("time-scale"), memoryScale: scale("memory-scale"), retain: args.retain });

// The memory of cleaned-up entries goes back at the next garbage collection; asking for one right away makes
// DELETE /process/cleanup show in process_resident_memory_bytes at once, as the original's CPython refcounting did.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

// ---- metrics ----

const registry = new Registry();
// prometheus_fastapi_instrumentator's defaults: status codes grouped ("2xx"), handler = the route's path ("none" for
// no route), low-resolution buckets per handler and high-resolution ones without labels.
const requests = registry.add(new Counter("http_requests_total", "Total number of requests by method, status and handler.", ["method", "status", "handler"]));
const duration = registry.add(new Histogram("http_request_duration_seconds", "Latency with only few buckets by handler. Made to be only used if aggregation by handler is important.", ["method", "handler"], [0.1, 0.5, 1]));
const durationHighr = registry.add(new Histogram("http_request_duration_highr_seconds", "Latency with many buckets but no API specific labels. Made for more accurate percentile calculations.", [], [0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60]));
registry.add(processCollector);
// Node's counterpart of python_gc_collections_total (the original's GC-pressure trigger).
const gcRuns = registry.add(new Counter("nodejs_gc_collections_total", "Garbage collections by kind.", ["kind"]));
const GC_KINDS = {
  [perf.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [perf.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [perf.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcRuns.inc({ kind: GC_KINDS[e.detail?.kind ?? e.kind] ?? "other" });
}).observe({ entryTypes: ["gc"] });
// The service's own.
const processRequests = registry.add(new Counter("consumer_process_requests_total", "POST /process requests accepted, by their parameters.", ["cpu_intensity", "memory_size", "duration", "async_mode"]));
registry.add(new Gauge("consumer_jobs_in_flight", "/process jobs started and not finished, by mode.", ["mode"], () => [[{ mode: "sync" }, work.inFlight.sync], [{ mode: "async" }, work.inFlight.async]]));
registry.add(new Gauge("consumer_memory_store_objects", "Entries in the memory store (kept until DELETE /process/cleanup).", [], () => [[{}, work.store.length]]));
registry.add(new Gauge("consumer_memory_held_bytes", "Bytes allocated by /process jobs and held now (the store and running jobs).", [], () => [[{}, work.heldBytes()]]));

// ---- FastAPI's answers ----

function send(res, status, body, contentType = "application/json") {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** One query parameter as FastAPI reads it (the last one when repeated), checked like its Query(…) declaration. */
function intParam(q, name, def, ge, le, errors) {
  const all = q.getAll(name);
  if (all.length === 0) return def;
  const raw = all[all.length - 1];
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
    errors.push({ type: "int_parsing", loc: ["query", name], msg: "Input should be a valid integer, unable to parse string as an integer", input: raw });
    return def;
  }
  const v = Number(raw);
  if (v < ge) errors.push({ type: "greater_than_equal", loc: ["query", name], msg: `Input should be greater than or equal to ${ge}`, input: raw, ctx: { ge } });
  else if (v > le) errors.push({ type: "less_than_equal", loc: ["query", name], msg: `Input should be less than or equal to ${le}`, input: raw, ctx: { le } });
  return v;
}

const TRUE = new Set(["1", "on", "t", "true", "y", "yes"]);
const FALSE = new Set(["0", "off", "f", "false", "n", "no"]);

function boolParam(q, name, def, errors) {
  const all = q.getAll(name);
  if (all.length === 0) return def;
  const raw = all[all.length - 1];
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  errors.push({ type: "bool_parsing", loc: ["query", name], msg: "Input should be a valid boolean, unable to interpret input", input: raw });
  return def;
}

function taskId() {
  return `task_${Math.floor(Date.now() / 1000)}_${1000 + Math.floor(Math.random() * 9000)}`;
}

async function processLoad(q, res) {
  const errors = [];
  const p = {
    cpuIntensity: intParam(q, "cpu_intensity", 5, 1, 10, errors),
    memorySize: intParam(q, "memory_size", 50, 10, 500, errors),
    duration: intParam(q, "duration", 10, 1, 60, errors),
    asyncMode: boolParam(q, "async_mode", false, errors),
  };
  if (errors.length > 0) return send(res, 422, { detail: errors });
  processRequests.inc({ cpu_intensity: p.cpuIntensity, memory_size: p.memorySize, duration: p.duration, async_mode: String(p.asyncMode) });
  const id = taskId();
  if (p.asyncMode) {
    work.startAsync(p);
    return send(res, 200, {
      status: "started",
      task_id: id,
      message: `Background processing started for ${p.duration}s`,
      cpu_intensity: p.cpuIntensity,
      memory_size_mb: p.memorySize,
      estimated_completion: Date.now() / 1000 + p.duration * work.timeScale,
    });
  }
  const started = performance.now();
  const { primes, objects } = await work.runSync(p);
  send(res, 200, {
    status: "completed",
    task_id: id,
    processing_time_seconds: Math.round((performance.now() - started) / 10) / 100,
    cpu_work: { intensity: p.cpuIntensity, primes_found: primes },
    memory_work: { size_mb: p.memorySize, objects_created: objects },
    memory_store_size: work.store.length,
  });
}

function processStatus(res) {
  const now = Date.now() / 1000;
  send(res, 200, {
    memory_store_objects: work.store.length,
    // The original's rough estimate (50 MB an entry), kept for clients that read it; the two fields after it are exact.
    memory_store_size_estimate_mb: work.store.length * 50,
    recent_tasks: work.store.slice(-5).map((e) => ({
      timestamp: e.timestamp,
      age_seconds: Math.round((now - e.timestamp) * 100) / 100,
      list_size: e.objects,
      dict_size: e.objects,
    })),
    // Not in the original:
    memory_store_bytes: work.storeBytes(),
    memory_held_bytes: work.heldBytes(),
    resident_memory_bytes: residentMemoryBytes(),
    jobs_in_flight: { ...work.inFlight },
  });
}

function cleanup(res) {
  const removed = work.cleanup();
  gc();
  send(res, 200, { status: "cleaned", objects_removed: removed, message: "Memory store cleared" });
}

/** Routes by path, then method (a path with another method is FastAPI's 405). */
const ROUTES = {
  "/": { GET: (_q, res) => send(res, 200, { message: "Welcome to NimbusGuard Consumer!" }) },
  "/health": { GET: (_q, res) => send(res, 200, { status: "healthy" }) },
  "/ready": { GET: (_q, res) => send(res, 200, { status: "ready" }) },
  "/metrics": { GET: (_q, res) => send(res, 200, registry.render(), CONTENT_TYPE) },
  "/process": { POST: processLoad },
  "/process/status": { GET: (_q, res) => processStatus(res) },
  "/process/cleanup": { DELETE: (_q, res) => cleanup(res) },
};

const server = createServer((req, res) => {
  const started = performance.now();
  const url = new URL(req.url ?? "/", "http://consumer");
  const route = Object.hasOwn(ROUTES, url.pathname) ? ROUTES[url.pathname] : undefined;
  const handler = route === undefined ? "none" : url.pathname;
  res.on("finish", () => {
    const seconds = (performance.now() - started) / 1000;
    requests.inc({ method: req.method, status: `${String(res.statusCode)[0]}xx`, handler });
    duration.observe({ method: req.method, handler }, seconds);
    durationHighr.observe(undefined, seconds);
    // uvicorn's access line, written when the answer is sent.
    if (accessLog) {
      const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      process.stdout.write(`INFO:     ${peer} - "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ""}\n`);
    }
  });
  // The request has no body to read (the original takes query parameters only); drain whatever comes.
  req.resume();
  const fn = route?.[req.method ?? ""];
  if (route === undefined) return send(res, 404, { detail: "Not Found" });
  if (fn === undefined) {
    res.setHeader("allow", Object.keys(route).join(", "));
    return send(res, 405, { detail: "Method Not Allowed" });
  }
  Promise.resolve(fn(url.searchParams, res)).catch((e) => {
    process.stderr.write(`consumer: ${req.method} ${url.pathname}: ${e?.stack ?? e}\n`);
    if (!res.headersSent) send(res, 500, "Internal Server Error", "text/plain; charset=utf-8");
    else res.destroy();
  });
});
// uvicorn's keep-alive timeout.
server.keepAliveTimeout = 5000;

server.on("error", (e) => {
  process.stderr.write(`consumer: cannot listen on ${args.host}:${port}: ${e.message}\n`);
  process.exit(1);
});
server.listen(port, args.host, () => {
  const a = server.address();
  const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
  process.stdout.write(`consumer listening on http://${host}:${a.port}\n`);
});

function shutdown(signal) {
  process.stdout.write(`consumer: ${signal}, stopping\n`);
  work.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
