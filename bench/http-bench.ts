// loadgen/http throughput and memory, on loopback only (`npm run bench -- http`):
//  - HTTP GET of a small static body (128 bytes) from nginx (Debian's, one worker) over keep-alive, 50 connections,
//    with one core's worth of client: requests/s, CPU µs per request and requests per CPU-second for wrk (1 thread),
//    a bare undici Pool loop, bombardier (Go, net/http: the stand-in for k6, see below; and with fasthttp, for
//    reference) and loadgen's VU path (50 VUs, constant-vus, `await http.get(url)` with default params — responseType
//    "text", k6's default: the host reads the body off the wire and keeps it, the VU gets it only if it reads it — once
//    not reading it and once reading `res.body`). Each client is pinned to the last core (taskset; Go also GOMAXPROCS=1)
//    and nginx's worker to the first, so every client has the same one core; they run in turn, HTTP_BENCH_ROUNDS
//    rounds (default 3, each round in another order) of HTTP_BENCH_SECONDS (default 5), and the medians are printed.
//    Targets: loadgen's VU path ≥ 1.5× k6's requests per CPU-second and ≥ 0.6 of the bare undici loop's.
//  - Resident memory per VU at HTTP_BENCH_MEMORY_VUS (default 10,000) VUs of a scenario that imports loadgen/http and
//    requests, beside the same scenario without it (sleep(0) instead).
//
// Why not k6: go.k6.io/k6 is AGPL-3.0, which loadgen's package list forbids using. bombardier (MIT) is a Go load
// tester on the same net/http client k6 sends with, and does less per request than k6 (no JavaScript VU, no metric
// samples), so beating it by 1.5× is the harder target. It is built by the bench from bench/tools (bench/go-tool.ts)
// when Go is on the machine; without Go its rows are skipped, saying why.
//
// CPU: a Node client's own process.cpuUsage() over the measured window (every thread: GC and libuv too); wrk's and
// bombardier's from the kernel (`times` of the bash that waits for them: getrusage of the child), whole run — their
// start-up is a few milliseconds. Every figure is validated (bench/figures.ts): no requests, any non-2xx answer, any
// failed request, a child that crashed or printed nothing make its figures INVALID and the bench exit 1. The load
// average is printed with the figures: the machine is shared, and CPU per request rises when a core is contended.
import { spawnSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BOMBARDIER, buildGoTool } from "./go-tool.ts";
import { finish, firstInvalid, invalid, Invalid, printRow, tail, type Row, type Value, median } from "./figures.ts";
import { freePort, which } from "./local-host.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.HTTP_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.HTTP_BENCH_ROUNDS ?? 3);
const MEMORY_VUS = Number(process.env.HTTP_BENCH_MEMORY_VUS ?? 10_000);
const CONNS = 50;
const URL_PATH = "/small.json";
/** The body nginx serves: 128 bytes of JSON. */
const BODY = Buffer.from(`{"status":"ok","service":"loadgen-bench","padding":"${"x".repeat(128 - 53)}"}\n`);
const TARGET_VS_K6 = 1.5;
const TARGET_VS_UNDICI = 0.6;

/** One client's figures over one run (see bench/http-bench-child.ts), once validated. */
interface Figures {
  requests: number;
  rps: number;
  cpuUsPerRequest: number;
  /** Answers per HTTP status (or status class: "2xx"); "0": a request that got no answer. */
  statuses: Record<string, number>;
  errors: number;
  errorKinds?: Record<string, number>;
  iterationErrors?: number;
  exitCode?: number;
  notes?: string[];
}

type Run = Figures | Invalid;

interface MemoryFigures {
  vus: number;
  rssPerVuKB: number;
  peakPerVuKB: number;
  iterations: number;
  requests?: number;
  statuses: Record<string, number>;
  errors: number;
  errorKinds?: Record<string, number>;
  iterationErrors: number;
  exitCode: number;
  notes?: string[];
}

function counts(record: Record<string, number> | undefined): string {
  return Object.entries(record ?? {})
    .map(([k, n]) => `${k}: ${n}`)
    .join(", ");
}

const isSuccess = (status: string) => /^2(\d\d|xx)$/.test(status);

/** Why a run's figures are not a measurement (no requests, non-2xx answers, failures, a bad exit), or undefined. */
function whyInvalid(f: Figures): string | undefined {
  const why: string[] = [];
  if (!(f.requests > 0)) why.push(`measured nothing: 0 requests in ${SECONDS} s`);
  const statuses = Object.entries(f.statuses ?? {}).filter(([, n]) => n > 0);
  const answers = statuses.reduce((a, [, n]) => a + n, 0);
  const bad = statuses.filter(([s]) => !isSuccess(s));
  if (bad.length > 0) {
    const n = bad.reduce((a, [, c]) => a + c, 0);
    why.push(`${n} of ${answers} answers were not 2xx (${bad.map(([s, c]) => `${s === "0" ? "no answer" : `HTTP ${s}`}: ${c}`).join(", ")})`);
  }
  if (f.errors > 0) why.push(`${f.errors} failed requests (${counts(f.errorKinds)})`);
  if ((f.iterationErrors ?? 0) > 0) why.push(`${f.iterationErrors} iterations threw`);
  if (f.exitCode !== undefined && f.exitCode !== 0) why.push(`the run ended with exit code ${f.exitCode}`);
  if (!Number.isFinite(f.rps) || !(f.cpuUsPerRequest > 0)) why.push("no requests/s or CPU figure");
  if (why.length === 0) return undefined;
  for (const note of f.notes ?? []) why.push(note.replace(/\s+/g, " ").slice(0, 240));
  return why.join("; ");
}

/** The cores: nginx's worker on the first, every client on the last (the same core for each, so all get one). */
interface Pinning {
  readonly serverCore: number;
  readonly clientCore: number;
  readonly taskset: string | undefined;
}

/** `cmd args` run on the client core (as is, without taskset). */
function onClientCore(pin: Pinning, cmd: string, args: string[]): [string, string[]] {
  return pin.taskset === undefined ? [cmd, args] : [pin.taskset, ["-c", String(pin.clientCore), cmd, ...args]];
}

/** Runs a Node child (bench/http-bench-child.ts) on the client core and reads the JSON line it prints. */
function nodeChild(what: string, pin: Pinning | undefined, args: string[], timeoutS: number): { json: unknown } | Invalid {
  const node = [process.execPath, ["--expose-gc", "--import", "tsx", path.join(here, "http-bench-child.ts"), ...args]] as [string, string[]];
  const [cmd, argv] = pin === undefined ? node : onClientCore(pin, ...node);
  const r = spawnSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: timeoutS * 1000, maxBuffer: 1 << 22 });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.error !== undefined && r.signal === null) return invalid(what, `the child did not run: ${r.error.message}`);
  if (r.signal !== null) return invalid(what, `the child was killed by ${r.signal}${r.signal === "SIGTERM" ? ` (timeout ${timeoutS} s?)` : ""}: ${tail(r.stderr) || "no output"}`);
  if (r.status !== 0) return invalid(what, `the child exited with code ${r.status}: ${tail(r.stderr) || "no output"}`);
  try {
    return { json: JSON.parse(r.stdout.trim().split("\n").pop()!) };
  } catch {
    return invalid(what, `the child printed no figures (stdout: ${JSON.stringify(r.stdout.slice(-200))})`);
  }
}

function nodeClient(what: string, pin: Pinning, args: string[]): Run {
  const out = nodeChild(what, pin, args, SECONDS * 4 + 60);
  if (out instanceof Invalid) return out;
  const f = out.json as Figures;
  const why = whyInvalid(f);
  return why === undefined ? f : invalid(what, why);
}

/**
 * Runs an external client on the client core under bash, whose `times` (getrusage of its children, user and system)
 * is the client's CPU. Returns its stdout and CPU µs, or why it failed.
 */
function externalClient(what: string, pin: Pinning, env: NodeJS.ProcessEnv, cmd: string, args: string[]): { stdout: string; cpuUs: number } | Invalid {
  // `times` prints the shell's own user/system times, then its children's: the last line.
  const [c, a] = onClientCore(pin, "/bin/bash", ["-c", '"$@"; rc=$?; times >&2; exit $rc', "bench-cpu", cmd, ...args]);
  const r = spawnSync(c, a, { encoding: "utf8", env: { ...process.env, ...env }, timeout: (SECONDS + 60) * 1000, maxBuffer: 1 << 24 });
  if (r.error !== undefined || r.status !== 0) {
    return invalid(what, `it failed (${r.error?.message ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`)}): ${tail(r.stderr ?? "") || tail(r.stdout ?? "") || "no output"}`);
  }
  const last = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(r.stderr);
  if (last === null) return invalid(what, `no CPU times after it ran (stderr: ${JSON.stringify(r.stderr.slice(-200))})`);
  const cpuUs = (Number(last[1]) * 60 + Number(last[2]) + Number(last[3]) * 60 + Number(last[4])) * 1e6;
  return { stdout: r.stdout, cpuUs };
}

/** wrk, one thread: requests counted by wrk, validated (no non-2xx/3xx answers — the pre-check rules 3xx out — no socket errors). */
function wrkRun(wrk: string, pin: Pinning, url: string, round: string): Run {
  const what = `wrk, ${round}`;
  const r = externalClient(what, pin, {}, wrk, ["-t1", `-c${CONNS}`, `-d${SECONDS}s`, url]);
  if (r instanceof Invalid) return r;
  const out = r.stdout;
  const requests = Number(/(\d+) requests in ([\d.]+)(m?s)/.exec(out)?.[1] ?? NaN);
  const rps = Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN));
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0;
  const f: Figures = {
    requests: Number.isNaN(requests) ? 0 : requests,
    rps,
    cpuUsPerRequest: +(r.cpuUs / Math.max(1, requests)).toFixed(2),
    statuses: { "2xx": requests - non2xx, "non-2xx or 3xx": non2xx },
    errors,
    errorKinds: socket ? { connect: Number(socket[1]), read: Number(socket[2]), write: Number(socket[3]), timeout: Number(socket[4]) } : {},
  };
  const why = Number.isNaN(requests) ? `no request count in its output: ${tail(out)}` : whyInvalid(f);
  return why === undefined ? f : invalid(what, why);
}

/** bombardier, GOMAXPROCS=1: its JSON result (answers per status class, `others` for failed requests). */
function bombardierRun(bin: string, client: "--http1" | "--fasthttp", pin: Pinning, url: string, round: string): Run {
  const what = `bombardier ${client}, ${round}`;
  const r = externalClient(what, pin, { GOMAXPROCS: "1" }, bin, [client, "-c", String(CONNS), "-d", `${SECONDS}s`, "-p", "r", "-o", "j", url]);
  if (r instanceof Invalid) return r;
  type Result = { result: { req1xx: number; req2xx: number; req3xx: number; req4xx: number; req5xx: number; others: number; timeTakenSeconds: number; errors?: Array<{ description: string; count: number }> } };
  let res: Result["result"];
  try {
    res = (JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as Result).result;
  } catch {
    return invalid(what, `printed no JSON result (stdout: ${JSON.stringify(r.stdout.slice(0, 200))})`);
  }
  const answered = res.req1xx + res.req2xx + res.req3xx + res.req4xx + res.req5xx;
  const f: Figures = {
    requests: answered,
    rps: Math.round(answered / res.timeTakenSeconds),
    cpuUsPerRequest: +(r.cpuUs / Math.max(1, answered)).toFixed(2),
    statuses: { "1xx": res.req1xx, "2xx": res.req2xx, "3xx": res.req3xx, "4xx": res.req4xx, "5xx": res.req5xx },
    errors: res.others,
    errorKinds: Object.fromEntries((res.errors ?? []).map((e) => [e.description, e.count])),
  };
  const why = whyInvalid(f);
  return why === undefined ? f : invalid(what, why);
}

/** A fresh world-readable folder under /tmp (nginx's worker, an unprivileged user, must read it) with the body, config and logs. */
function servedFolder(): { dir: string; www: string } {
  const dir = mkdtempSync("/tmp/loadgen-http-bench-");
  const www = path.join(dir, "www");
  mkdirSync(www);
  chmodSync(dir, 0o755);
  chmodSync(www, 0o755);
  writeFileSync(path.join(www, path.basename(URL_PATH)), BODY);
  chmodSync(path.join(www, path.basename(URL_PATH)), 0o644);
  return { dir, www };
}

/** Waits until something answers on `port` (up to 30 s), or `proc` exits. */
async function waitForPort(port: number, proc: ChildProcess): Promise<void> {
  const until = performance.now() + 30_000;
  while (performance.now() < until) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`it exited (${proc.signalCode ?? `code ${proc.exitCode}`}) before listening on 127.0.0.1:${port}`);
    try {
      await (await fetch(`http://127.0.0.1:${port}${URL_PATH}`)).arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after 30 s`);
}

/** nginx, one worker pinned to the server core, keep-alive without a request limit, serving the body on a free port. */
async function startNginx(nginx: string, dir: string, www: string, pin: Pinning): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const affinity = pin.taskset === undefined ? "" : `worker_cpu_affinity ${"1" + "0".repeat(pin.serverCore)};\n`;
  writeFileSync(
    path.join(dir, "nginx.conf"),
    `worker_processes 1;
${affinity}pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  default_type application/json;
  server {
    listen 127.0.0.1:${port};
    location = ${URL_PATH} { root ${www}; }
  }
}
`,
  );
  const proc = spawn(nginx, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port, proc);
  return { proc, url: `http://127.0.0.1:${port}${URL_PATH}` };
}

function nginxLog(dir: string): string {
  try {
    return tail(readFileSync(path.join(dir, "error.log"), "utf8"), 2);
  } catch {
    return "";
  }
}

/** Why nginx does not answer the URL with 200 and the body's bytes, or undefined. */
async function whyNotServed(url: string, dir: string): Promise<string | undefined> {
  let why: string | undefined;
  try {
    const r = await fetch(url);
    const body = Buffer.from(await r.arrayBuffer());
    if (r.status !== 200) why = `GET ${URL_PATH} answered ${r.status} ${r.statusText}, not 200`;
    else if (!body.equals(BODY)) why = `GET ${URL_PATH} answered 200 but not the ${BODY.length} bytes written`;
  } catch (e) {
    why = `GET ${URL_PATH} failed: ${(e as Error).message}`;
  }
  const log = why === undefined ? "" : nginxLog(dir);
  return why === undefined ? undefined : why + (log ? `; nginx's error log: ${log}` : "");
}

/** The median of `f` over runs, or the first run's Invalid. */
function medianOf<T>(runs: T[], f: (r: T) => number | Invalid, digits: number): Value {
  const values = runs.map(f);
  const bad = firstInvalid(...values);
  return bad ?? +median(values as number[]).toFixed(digits);
}

/** Each run's `f`, joined, or the first run's Invalid. */
function eachOf<T>(runs: T[], f: (r: T) => number | Invalid, digits: number): Value {
  const values = runs.map(f);
  return firstInvalid(...values) ?? (values as number[]).map((v) => String(+v.toFixed(digits))).join(" ");
}

const of = (r: Run, f: (r: Figures) => number): number | Invalid => (r instanceof Invalid ? r : f(r));
const perCpuSecond = (f: Figures) => 1e6 / f.cpuUsPerRequest;

function judged(value: Value, target: number, text: string): string {
  if (typeof value !== "number") return text;
  return `${text}: ${value >= target ? "ok" : `MISSED (${(value / target).toFixed(2)} of the target)`}`;
}

/** The clients, by key: what each row is called, and how one run of it goes. */
interface Client {
  readonly key: string;
  readonly label: string;
  readonly run: (round: string) => Run;
}

/** Runs the HTTP benchmark: rows with their targets, judged, printing nothing (but the children's stderr and build progress). */
export async function benchHttp(log: (line: string) => void = (l) => console.log(l)): Promise<Row[]> {
  const rows: Row[] = [];
  const row = (name: string, value: Value, target = "") => rows.push({ name, value, target });
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" / ");
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const taskset = which("taskset");
  const pin: Pinning = { serverCore: 0, clientCore: Math.max(0, cores - 1), taskset };
  row("load average at start (1 / 5 / 15 min)", load(), `${cores} cores, shared with whatever else runs: CPU per request rises on a contended core`);
  row("pinning", taskset === undefined ? "none" : `client core ${pin.clientCore}, nginx core ${pin.serverCore}`, taskset === undefined ? "taskset is not installed (util-linux): clients run unpinned" : "taskset -c; Go clients also GOMAXPROCS=1; wrk -t1");

  const nginx = which("nginx");
  if (nginx === undefined) {
    row("HTTP GET vs nginx", "skipped", "nginx is not installed (apt-get install -y nginx-light wrk)");
    return rows;
  }
  const { dir, www } = servedFolder();
  const procs: ChildProcess[] = [];
  try {
    let url: string | undefined;
    try {
      const started = await startNginx(nginx, dir, www, pin);
      procs.push(started.proc);
      url = started.url;
    } catch (e) {
      row("HTTP GET vs nginx", invalid("nginx", `did not start (${(e as Error).message})${nginxLog(dir) ? `; its error log: ${nginxLog(dir)}` : ""}`));
    }
    const notServed = url === undefined ? undefined : await whyNotServed(url, dir);
    // Every client would only measure the same errors: say why once, and run none of them.
    if (notServed !== undefined) row("HTTP GET vs nginx", invalid("nginx serving the body", notServed));
    if (url !== undefined && notServed === undefined) {
      const u = url;
      const clients: Client[] = [];
      const wrk = which("wrk");
      if (wrk !== undefined) clients.push({ key: "wrk", label: "wrk (C, 1 thread)", run: (round) => wrkRun(wrk, pin, u, round) });
      else row("wrk", "skipped", "wrk is not installed (apt-get install -y wrk)");
      clients.push({ key: "undici", label: "bare undici loop (one Pool, 50 in flight)", run: (round) => nodeClient(`bare undici loop, ${round}`, pin, ["undici", u, String(SECONDS), String(CONNS)]) });
      const bombardier = buildGoTool(BOMBARDIER, log);
      let k6StandIn: string | undefined;
      if ("path" in bombardier) {
        const bin = bombardier.path;
        k6StandIn = "bombardierNet";
        clients.push({ key: "bombardierNet", label: `bombardier ${BOMBARDIER.version} (Go net/http, as k6; GOMAXPROCS=1)`, run: (round) => bombardierRun(bin, "--http1", pin, u, round) });
        clients.push({ key: "bombardierFast", label: `bombardier ${BOMBARDIER.version} (Go fasthttp; GOMAXPROCS=1)`, run: (round) => bombardierRun(bin, "--fasthttp", pin, u, round) });
      } else if ("skipped" in bombardier) {
        row("bombardier (Go, k6's stand-in)", "skipped", bombardier.skipped);
      } else {
        row("bombardier (Go, k6's stand-in)", invalid("bombardier build", bombardier.failed));
      }
      clients.push({ key: "vu", label: "loadgen VU path: await http.get(url), default params, body not read", run: (round) => nodeClient(`loadgen VU path (body not read), ${round}`, pin, ["vu", u, String(SECONDS), String(CONNS), "lazy"]) });
      clients.push({ key: "vuBody", label: "loadgen VU path: await http.get(url), res.body read", run: (round) => nodeClient(`loadgen VU path (res.body read), ${round}`, pin, ["vu", u, String(SECONDS), String(CONNS), "body"]) });

      // The machine's noise moves single runs by ±20%: the clients run in turn, ROUNDS times, each round starting
      // one client later (so none always follows the same one), and ratios are taken within a round. A client whose
      // run is invalid is not run again: its figures are invalid whatever later rounds give.
      const rounds: Record<string, Run>[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const round: Record<string, Run> = {};
        const label = `round ${r + 1} of ${ROUNDS}`;
        for (let i = 0; i < clients.length; i++) {
          const c = clients[(i + r) % clients.length]!;
          const prev = rounds[r - 1]?.[c.key];
          round[c.key] = prev instanceof Invalid ? prev : c.run(label);
        }
        rounds.push(round);
      }
      for (const c of clients) {
        row(`${c.label}: requests/s (median)`, medianOf(rounds, (r) => of(r[c.key]!, (f) => f.rps), 0));
        row(`${c.label}: CPU µs/request (median)`, medianOf(rounds, (r) => of(r[c.key]!, (f) => f.cpuUsPerRequest), 1));
        row(`${c.label}: requests per CPU-second (median)`, medianOf(rounds, (r) => of(r[c.key]!, perCpuSecond), 0));
      }
      const ratio = (a: string, b: string) => (r: Record<string, Run>) => {
        const x = r[a]!;
        const y = r[b]!;
        return firstInvalid(x, y) ?? perCpuSecond(x as Figures) / perCpuSecond(y as Figures);
      };
      for (const [key, what] of [["vu", "body not read"], ["vuBody", "res.body read"]] as const) {
        if (k6StandIn !== undefined) {
          const m = medianOf(rounds, ratio(key, k6StandIn), 3);
          row(`loadgen VU path (${what}) ÷ bombardier net/http (k6's stand-in), requests per CPU-second`, m, judged(m, TARGET_VS_K6, `target ≥ ${TARGET_VS_K6}× k6's`));
          row(`  each round`, eachOf(rounds, ratio(key, k6StandIn), 3));
        }
        const m = medianOf(rounds, ratio(key, "undici"), 3);
        row(`loadgen VU path (${what}) ÷ bare undici loop, requests per CPU-second`, m, judged(m, TARGET_VS_UNDICI, `target ≥ ${TARGET_VS_UNDICI}`));
        row(`  each round`, eachOf(rounds, ratio(key, "undici"), 3));
      }
      if (wrk !== undefined) row("bare undici loop ÷ wrk, requests per CPU-second", medianOf(rounds, ratio("undici", "wrk"), 3));
      row("load average after the throughput runs", load());

      // Memory: the same VUs with and without loadgen/http, each in a fresh process (unpinned: start-up is not measured).
      const memory = (kind: "plain" | "http"): MemoryFigures | Invalid => {
        const what = `memory, ${MEMORY_VUS} VUs, ${kind === "http" ? "loadgen/http imported" : "no loadgen/http"}`;
        const out = nodeChild(what, undefined, ["memory", String(MEMORY_VUS), String(SECONDS), kind, ...(kind === "http" ? [u] : [])], SECONDS * 4 + 600);
        if (out instanceof Invalid) return out;
        const f = out.json as MemoryFigures;
        const why: string[] = [];
        if (f.exitCode !== 0) why.push(`the run ended with exit code ${f.exitCode}`);
        if (!(f.iterations > 0)) why.push("measured nothing: 0 iterations");
        if (f.iterationErrors > 0) why.push(`${f.iterationErrors} iterations threw`);
        if (!Number.isFinite(f.rssPerVuKB) || !Number.isFinite(f.peakPerVuKB)) why.push("no memory figure (the first iteration never started?)");
        if (kind === "http") {
          const w = whyInvalid({ requests: f.requests ?? 0, rps: 0, cpuUsPerRequest: 1, statuses: f.statuses, errors: f.errors, errorKinds: f.errorKinds });
          if (w !== undefined) why.push(w);
        }
        if (why.length > 0) for (const note of f.notes ?? []) why.push(note.replace(/\s+/g, " ").slice(0, 240));
        return why.length ? invalid(what, why.join("; ")) : f;
      };
      const plain = memory("plain");
      const withHttp = memory("http");
      const mv = (f: MemoryFigures | Invalid, get: (f: MemoryFigures) => string): Value => (f instanceof Invalid ? f : get(f));
      row(`${MEMORY_VUS} VUs, no loadgen/http (sleep(0)): resident memory per VU, all VUs initialised`, mv(plain, (f) => `${f.rssPerVuKB} KB`));
      row(`${MEMORY_VUS} VUs, loadgen/http imported: resident memory per VU, all VUs initialised`, mv(withHttp, (f) => `${f.rssPerVuKB} KB`), "target ≤ 200 KB per VU (the engine's)");
      row(`${MEMORY_VUS} VUs, loadgen/http: what the import adds per VU`, firstInvalid(plain, withHttp) ?? `${+((withHttp as MemoryFigures).rssPerVuKB - (plain as MemoryFigures).rssPerVuKB).toFixed(1)} KB`);
      row(`${MEMORY_VUS} VUs, no loadgen/http: peak resident memory per VU, after ${SECONDS} s of iterations`, mv(plain, (f) => `${f.peakPerVuKB} KB`));
      row(`${MEMORY_VUS} VUs, loadgen/http: peak resident memory per VU, after ${SECONDS} s of requests`, mv(withHttp, (f) => `${f.peakPerVuKB} KB`), withHttp instanceof Invalid ? "" : `${withHttp.requests} requests over ${CONNS} connections`);
    }
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

// `node --import tsx bench/http-bench.ts` runs it alone (exit 1 when a figure is invalid, not for a missed target).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const row of await benchHttp()) printRow(row);
  process.exitCode = finish();
}
