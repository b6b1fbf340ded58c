// loadgen/k8s throughput and accuracy, on loopback only:
//  - requests/s and CPU time per request for a stale pod LIST against nginx (Debian's) serving a recorded pod list,
//    for wrk, a bare undici loop, loadgen's kperf-profile path and loadgen's VU-scenario path, each with 50
//    connections and one core's worth of client (one process, one event loop; wrk with one thread; nginx with one
//    worker). Targets: kperf path ≥ 85% and VU path ≥ 60% of the bare undici loop.
//  - the VU path again as `loadgen run --workers 2` runs it (the same 50 VUs over two runner processes, merged),
//    beside the one-process VU path in each round. Target: ≥ 1.8× one process on 2 cores. On a machine this small
//    the clients, nginx and the coordinator share the two cores, so the figure says how much of a second core the
//    split gets, not how far it scales. `--workers 1` beside them is the control: one runner process doing the whole
//    test, so its share of the one-process figure is what the runner path itself costs.
//  - with K8S_BENCH_COMPARE=DIR, another checkout's kperf and VU paths in the same rounds (before/after a change).
//  - p50/p99 measured against a server that answers after a fixed 50 ms, at 2,000 requests/s: target within 2 ms.
// Each client runs in its own child process (bench/k8s-bench-child.ts). nginx and the 50 ms server are started here
// on free ports and stopped at the end; nothing outside 127.0.0.1 is touched.
//
// Every figure is validated (bench/figures.ts): a run with no requests, any non-2xx answer, any failed request or
// iteration, a child that crashed or printed nothing makes its figures INVALID and the bench exit 1. nginx serves a
// copy of bench/fixtures from a fresh world-readable folder under /tmp, not the checkout: nginx's worker runs as an
// unprivileged user (nobody) that cannot read a checkout in a private folder (a clone under `mktemp -d` is 0700), and
// it then answered every request 403. Before any client runs, each URL must answer 200 with the fixture's bytes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { finish, firstInvalid, invalid, Invalid, printRow, tail, type Value, median } from "./figures.ts";
import { freePort, which } from "./local-host.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.K8S_BENCH_SECONDS ?? 5);
const CONNS = 50;
const ROUNDS = Number(process.env.K8S_BENCH_ROUNDS ?? 3);
const LIST_PATH = "/api/v1/pods?resourceVersion=0";
/** URL path → the fixture nginx serves there. */
const SERVED: Record<string, string> = { "/api/v1/pods": "pod-list.json", "/api": "discovery-api.json", "/apis": "discovery-apis.json" };

/** One child's figures (see bench/k8s-bench-child.ts), once validated. */
interface Figures {
  requests: number;
  rps: number;
  cpuUsPerRequest: number;
  p50ms?: number;
  p99ms?: number;
  statuses: Record<string, number>;
  errors: number;
  errorKinds?: Record<string, number>;
  iterationErrors?: number;
  exitCode?: number;
  notes?: string[];
}

type Run = Figures | Invalid;

function counts(record: Record<string, number> | undefined): string {
  return Object.entries(record ?? {})
    .map(([k, n]) => `${k}: ${n}`)
    .join(", ");
}

/**
 * Why a child's figures are not a measurement, or undefined when they are: no requests, a non-2xx answer, a failed
 * request or iteration, a run that did not end with 0, missing figures.
 */
function whyInvalid(f: Figures, latency: boolean): string | undefined {
  const why: string[] = [];
  if (!(f.requests > 0)) why.push(`measured nothing: 0 requests in ${SECONDS} s`);
  const statuses = Object.entries(f.statuses ?? {});
  const answers = statuses.reduce((a, [, n]) => a + n, 0);
  const bad = statuses.filter(([s]) => !(Number(s) >= 200 && Number(s) < 300));
  if (bad.length > 0) {
    const n = bad.reduce((a, [, c]) => a + c, 0);
    why.push(`${n} of ${answers} answers were not 2xx (${bad.map(([s, c]) => `${s === "0" ? "no answer" : `HTTP ${s}`}: ${c}`).join(", ")})`);
  }
  if (f.errors > 0) why.push(`${f.errors} failed requests (${counts(f.errorKinds)})`);
  if ((f.iterationErrors ?? 0) > 0) why.push(`${f.iterationErrors} iterations threw`);
  if (f.exitCode !== undefined && f.exitCode !== 0) why.push(`the run ended with exit code ${f.exitCode}`);
  if (!Number.isFinite(f.rps) || !Number.isFinite(f.cpuUsPerRequest)) why.push("no requests/s or CPU figure");
  if (latency && !(Number.isFinite(f.p50ms) && Number.isFinite(f.p99ms))) why.push("no latency percentiles");
  if (why.length === 0) return undefined;
  // Notes (iteration errors, log lines) may quote a whole error page: one line each, cut short.
  for (const note of f.notes ?? []) why.push(note.replace(/\s+/g, " ").slice(0, 240));
  return why.join("; ");
}

/**
 * Another checkout of loadgen (K8S_BENCH_COMPARE=DIR, with its own node_modules) whose kperf and VU paths run in the
 * same rounds as this checkout's, each beside the other in time: how a change's per-request cost is compared before
 * and after on a noisy machine. Its bench/k8s-bench-child.ts must take the same modes (it has since the first bench).
 */
const COMPARE = process.env.K8S_BENCH_COMPARE ? path.resolve(process.env.K8S_BENCH_COMPARE) : undefined;

/** What the compared checkout is, for its rows' names: its folder and commit. */
function compareLabel(dir: string): string {
  const r = spawnSync("git", ["-C", dir, "log", "-1", "--format=%h"], { encoding: "utf8" });
  return `${path.basename(dir)} at ${r.status === 0 ? r.stdout.trim() : "?"}`;
}

/** Runs one child (`what` names it in a reason) and validates what it printed; `checkout` runs another checkout's child. */
function child(what: string, args: string[], latency = false, checkout?: string): Run {
  const timeoutMs = (SECONDS * 4 + 60) * 1000;
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(checkout ?? path.dirname(here), "bench", "k8s-bench-child.ts"), ...args], {
    cwd: checkout,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    maxBuffer: 1 << 22,
  });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.error !== undefined && r.signal === null) return invalid(what, `the child did not run: ${r.error.message}`);
  if (r.signal !== null) return invalid(what, `the child was killed by ${r.signal}${r.signal === "SIGTERM" ? ` (timeout ${timeoutMs / 1000} s?)` : ""}: ${tail(r.stderr) || "no output"}`);
  if (r.status !== 0) return invalid(what, `the child exited with code ${r.status}: ${tail(r.stderr) || "no output"}`);
  let f: Figures;
  try {
    f = JSON.parse(r.stdout.trim().split("\n").pop()!) as Figures;
  } catch {
    return invalid(what, `the child printed no figures (stdout: ${JSON.stringify(r.stdout.slice(-200))})`);
  }
  const why = whyInvalid(f, latency);
  return why === undefined ? f : invalid(what, why);
}

/** Waits until `proc` answers on `port` (up to 30 s: a tsx child on a loaded machine can take seconds to start). */
async function waitForPort(port: number, proc: ChildProcess): Promise<void> {
  const until = performance.now() + 30_000;
  while (performance.now() < until) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`it exited (${proc.signalCode ?? `code ${proc.exitCode}`}) before listening on 127.0.0.1:${port}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api`);
      await r.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after 30 s`);
}

/**
 * A fresh folder under /tmp (not os.tmpdir(), which TMPDIR may point somewhere private) with a copy of the fixtures
 * nginx serves, 0755 folders and 0644 files: nginx's worker, an unprivileged user, must read them wherever the
 * checkout lives. nginx's configuration, logs and temp folders go in it too.
 */
function servedFolder(): { dir: string; www: string } {
  const dir = mkdtempSync("/tmp/loadgen-k8s-bench-");
  const www = path.join(dir, "www");
  mkdirSync(www);
  chmodSync(dir, 0o755);
  chmodSync(www, 0o755);
  for (const file of Object.values(SERVED)) {
    copyFileSync(path.join(here, "fixtures", file), path.join(www, file));
    chmodSync(path.join(www, file), 0o644);
  }
  return { dir, www };
}

/** Starts nginx with one worker on a free loopback port, serving the recorded pod list and discovery documents. */
async function startNginx(nginx: string, dir: string, www: string): Promise<{ proc: ChildProcess; origin: string }> {
  const port = await freePort();
  const locations = Object.entries(SERVED)
    .map(([url, file]) => `    location = ${url} { alias ${www}/${file}; }`)
    .join("\n");
  writeFileSync(
    path.join(dir, "nginx.conf"),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  default_type application/json;
  server {
    listen 127.0.0.1:${port};
${locations}
  }
}
`,
  );
  const proc = spawn(nginx, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port, proc);
  return { proc, origin: `http://127.0.0.1:${port}` };
}

function nginxLog(dir: string): string {
  try {
    return tail(readFileSync(path.join(dir, "error.log"), "utf8"), 2);
  } catch {
    return "";
  }
}

/** Why nginx does not serve the fixtures as the clients expect, or undefined: each URL must answer 200 with its fixture's bytes. */
async function whyNotServed(origin: string, dir: string): Promise<string | undefined> {
  const why: string[] = [];
  for (const [url, file] of Object.entries(SERVED)) {
    const request = url === "/api/v1/pods" ? LIST_PATH : url;
    try {
      const r = await fetch(origin + request);
      const body = Buffer.from(await r.arrayBuffer());
      if (r.status !== 200) why.push(`GET ${request} answered ${r.status} ${r.statusText}, not 200 with bench/fixtures/${file}`);
      else if (!body.equals(readFileSync(path.join(here, "fixtures", file)))) why.push(`GET ${request} answered 200 but not the bytes of bench/fixtures/${file}`);
    } catch (e) {
      why.push(`GET ${request} failed: ${(e as Error).message}`);
    }
  }
  if (why.length === 0) return undefined;
  const log = nginxLog(dir);
  return why.join("; ") + (log ? `; nginx's error log: ${log}` : "");
}

/** wrk's requests/s, validated: requests answered, none non-2xx/3xx (wrk lumps 3xx with 2xx; the check above rules 3xx out), no socket errors. */
function wrkRps(wrk: string, origin: string): Value {
  const what = "wrk";
  const r = spawnSync(wrk, ["-t1", `-c${CONNS}`, `-d${SECONDS}s`, `${origin}${LIST_PATH}`], { encoding: "utf8", timeout: (SECONDS + 30) * 1000 });
  if (r.error !== undefined || r.status !== 0) return invalid(what, `wrk failed (${r.error?.message ?? `exit code ${r.status}`}): ${tail(r.stderr ?? "") || tail(r.stdout ?? "")}`);
  const out = r.stdout;
  const requests = Number(/(\d+) requests in /.exec(out)?.[1] ?? NaN);
  const rps = Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN));
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const why: string[] = [];
  if (!(requests > 0)) why.push(`measured nothing: ${Number.isNaN(requests) ? "no request count in its output" : "0 requests"}`);
  if (non2xx > 0) why.push(`${non2xx} of ${requests} answers were not 2xx (wrk counts "non-2xx or 3xx")`);
  if (socket && socket.slice(1).some((n) => Number(n) > 0)) why.push(`socket errors: connect ${socket[1]}, read ${socket[2]}, write ${socket[3]}, timeout ${socket[4]}`);
  if (!Number.isFinite(rps)) why.push("no Requests/sec in its output");
  return why.length ? invalid(what, why.join("; ")) : rps;
}

/** The median of `f` over runs, or the first run's Invalid. */
function medianOf<T>(runs: T[], f: (r: T) => number | Invalid, digits?: number): Value {
  const values = runs.map(f);
  const bad = firstInvalid(...values);
  if (bad !== undefined) return bad;
  const m = median(values as number[]);
  return digits === undefined ? m : +m.toFixed(digits);
}

/** Each run's `f`, formatted and joined, or the first run's Invalid. */
function eachOf<T>(runs: T[], f: (r: T) => number | Invalid, format: (v: number) => string): Value {
  const values = runs.map(f);
  return firstInvalid(...values) ?? (values as number[]).map(format).join(" ");
}
const share3 = (v: number) => String(+v.toFixed(3));
const ms2 = (v: number) => v.toFixed(2);

/** A figure of a run, or the run's Invalid. */
const of = (r: Run, f: (r: Figures) => number): number | Invalid => (r instanceof Invalid ? r : f(r));

/** Runs the k8s benchmark and returns its figures (names → values), printing nothing (but the children's stderr). */
export async function benchK8s(): Promise<Record<string, Value>> {
  const out: Record<string, Value> = {};
  const nginx = which("nginx");
  const wrk = which("wrk");
  const { dir, www } = servedFolder();
  const procs: ChildProcess[] = [];
  try {
    if (nginx === undefined) {
      out["list vs nginx"] = "skipped: nginx is not installed (apt-get install -y nginx-light wrk)";
    } else {
      let origin: string | undefined;
      try {
        const started = await startNginx(nginx, dir, www);
        procs.push(started.proc);
        origin = started.origin;
      } catch (e) {
        out["list vs nginx"] = invalid("nginx", `did not start (${(e as Error).message})${nginxLog(dir) ? `; its error log: ${nginxLog(dir)}` : ""}`);
      }
      const notServed = origin === undefined ? undefined : await whyNotServed(origin, dir);
      // Every client would only measure the same errors: say why once, and run none of them.
      if (notServed !== undefined) out["list vs nginx"] = invalid("nginx serving bench/fixtures", notServed);
      if (origin !== undefined && notServed === undefined) {
        if (wrk !== undefined) out["wrk: requests/s"] = wrkRps(wrk, origin);
        else out["wrk: requests/s"] = "skipped: wrk is not installed";
        // The machine's noise moves single runs by ±10%: run the three clients in turn, ROUNDS times, and report
        // medians, each share from the runs of one round (side by side in time). A path whose run is invalid is not
        // run again: its figures are invalid whatever the later rounds give.
        const rounds: { bare: Run; kperf: Run; vu: Run; vu1: Run; vu2: Run; kperfThere?: Run; vuThere?: Run }[] = [];
        const args = [origin, String(SECONDS), String(CONNS)];
        for (let r = 0; r < ROUNDS; r++) {
          const prev = rounds[r - 1];
          const round = `round ${r + 1} of ${ROUNDS}`;
          const run = (name: string, mode: string, last: Run | undefined) =>
            last instanceof Invalid ? last : child(`${name}, ${round}`, [mode, ...args]);
          rounds.push({
            bare: run("bare undici loop", "undici", prev?.bare),
            kperf: run("kperf-profile path", "kperf", prev?.kperf),
            vu: run("VU-scenario path", "vu", prev?.vu),
            vu1: prev?.vu1 instanceof Invalid ? prev.vu1 : child(`VU-scenario path on --workers 1, ${round}`, ["vu-workers", origin, String(SECONDS), String(CONNS), "1"]),
            vu2: prev?.vu2 instanceof Invalid ? prev.vu2 : child(`VU-scenario path on --workers 2, ${round}`, ["vu-workers", origin, String(SECONDS), String(CONNS), "2"]),
            ...(COMPARE === undefined
              ? {}
              : {
                  kperfThere: prev?.kperfThere instanceof Invalid ? prev.kperfThere : child(`kperf-profile path of ${COMPARE}, ${round}`, ["kperf", ...args], false, COMPARE),
                  vuThere: prev?.vuThere instanceof Invalid ? prev.vuThere : child(`VU-scenario path of ${COMPARE}, ${round}`, ["vu", ...args], false, COMPARE),
                }),
          });
        }
        type R = (typeof rounds)[number];
        const share = (a: Run, b: Run): number | Invalid => firstInvalid(a, b) ?? (a as Figures).rps / (b as Figures).rps;
        out["bare undici loop: requests/s (median)"] = medianOf(rounds, (r: R) => of(r.bare, (f) => f.rps));
        out["bare undici loop: CPU µs/request (median)"] = medianOf(rounds, (r: R) => of(r.bare, (f) => f.cpuUsPerRequest));
        out["kperf-profile path: requests/s (median)"] = medianOf(rounds, (r: R) => of(r.kperf, (f) => f.rps));
        out["kperf-profile path: CPU µs/request (median)"] = medianOf(rounds, (r: R) => of(r.kperf, (f) => f.cpuUsPerRequest));
        out["kperf-profile path: share of bare undici, median (target ≥ 0.85)"] = medianOf(rounds, (r: R) => share(r.kperf, r.bare), 3);
        out["kperf-profile path: share of bare undici, each round"] = eachOf(rounds, (r: R) => share(r.kperf, r.bare), share3);
        out["VU-scenario path: requests/s (median)"] = medianOf(rounds, (r: R) => of(r.vu, (f) => f.rps));
        out["VU-scenario path: CPU µs/request (median)"] = medianOf(rounds, (r: R) => of(r.vu, (f) => f.cpuUsPerRequest));
        out["VU-scenario path: share of bare undici, median (target ≥ 0.60)"] = medianOf(rounds, (r: R) => share(r.vu, r.bare), 3);
        out["VU-scenario path: share of bare undici, each round"] = eachOf(rounds, (r: R) => share(r.vu, r.bare), share3);
        out["VU path, --workers 1 / one process, median (control: the runner path's own cost, ≈ 1)"] = medianOf(rounds, (r: R) => share(r.vu1, r.vu), 3);
        out["VU path, --workers 2: requests/s (median)"] = medianOf(rounds, (r: R) => of(r.vu2, (f) => f.rps));
        out["VU path, --workers 2: CPU µs/request, workers + coordinator, warm-up included (median)"] = medianOf(rounds, (r: R) => of(r.vu2, (f) => f.cpuUsPerRequest));
        out[`VU path, --workers 2 / one process, median (target ≥ 1.8 on 2 cores; ${cpus().length} here)`] = medianOf(rounds, (r: R) => share(r.vu2, r.vu), 3);
        out["VU path, --workers 2 / one process, each round"] = eachOf(rounds, (r: R) => share(r.vu2, r.vu), share3);
        if (COMPARE !== undefined) {
          const there = compareLabel(COMPARE);
          for (const [name, key] of [["kperf-profile path", "kperf"], ["VU-scenario path", "vu"]] as const) {
            const other = (r: R) => r[key === "kperf" ? "kperfThere" : "vuThere"]!;
            out[`${name} of ${there}: CPU µs/request (median)`] = medianOf(rounds, (r: R) => of(other(r), (f) => f.cpuUsPerRequest));
            out[`${name} of ${there}: share of bare undici, median`] = medianOf(rounds, (r: R) => share(other(r), r.bare), 3);
            out[`${name}: this checkout's requests/s ÷ ${there}'s, each round`] = eachOf(rounds, (r: R) => share(r[key], other(r)), share3);
          }
        }
        const bare = out["bare undici loop: requests/s (median)"];
        const wrkFigure = out["wrk: requests/s"];
        if (typeof wrkFigure === "number" || wrkFigure instanceof Invalid) {
          out["bare undici loop: share of wrk"] = firstInvalid(bare, wrkFigure) ?? +((bare as number) / (wrkFigure as number)).toFixed(3);
        }
      }
    }

    // Latency accuracy: a server that answers after 50 ms, 2,000 requests/s.
    const port = await freePort();
    const slow = spawn(process.execPath, ["--import", "tsx", path.join(here, "k8s-bench-child.ts"), "slow", String(port)], { stdio: ["ignore", "ignore", "inherit"] });
    procs.push(slow);
    try {
      await waitForPort(port, slow);
    } catch (e) {
      out["50 ms server"] = invalid("50 ms server", `did not start: ${(e as Error).message}`);
      return out;
    }
    const origin = `http://127.0.0.1:${port}`;
    // 2,000/s × 50 ms = 100 in flight; 200 requesters leave headroom for jitter. The server's own lateness is read
    // after each client (and reset), to tell its share of the tail from the client's.
    // A new connection each time: the children run synchronously, so a kept-alive socket would be stale by then.
    // `runs` names the runs whose lateness this reads (they must have reached the server); none for a reset.
    type Late = { count: number; p50LateMs: number; p99LateMs: number };
    const serverLate = (runs?: string) =>
      new Promise<Late | Invalid>((resolve) => {
        const what = runs ?? "50 ms server, resetting its /stats";
        httpGet(`${origin}/stats`, { agent: false }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c));
          res.on("end", () => {
            try {
              const late = JSON.parse(text) as Late;
              resolve(late.count > 0 || runs === undefined ? late : invalid(what, "the 50 ms server answered no request during the runs"));
            } catch {
              resolve(invalid(what, `the 50 ms server's /stats answered ${res.statusCode}: ${text.slice(0, 100)}`));
            }
          });
        }).on("error", (e) => resolve(invalid(what, `the 50 ms server's /stats failed: ${e.message}`)));
      });
    await serverLate();
    // A bare undici client at the same rate is the control: what any Node client measures on this machine.
    const slowRounds: { u: Run; k: Run; ks: Late | Invalid; v: Run; vs: Late | Invalid }[] = [];
    const args = [origin, String(SECONDS), "200", "2000"];
    for (let r = 0; r < ROUNDS; r++) {
      const round = `round ${r + 1} of ${ROUNDS}`;
      const u = child(`50 ms server, bare undici at 2,000/s (control), ${round}`, ["undici", ...args], true);
      await serverLate();
      const k = child(`50 ms server, kperf path at 2,000/s, ${round}`, ["kperf", ...args], true);
      const ks = await serverLate(`50 ms server, kperf path, ${round}: the server's own lateness`);
      const v = child(`50 ms server, VU path at 2,000/s, ${round}`, ["vu", ...args], true);
      const vs = await serverLate(`50 ms server, VU path, ${round}: the server's own lateness`);
      slowRounds.push({ u, k, ks, v, vs });
    }
    type S = (typeof slowRounds)[number];
    const late = (l: Late | Invalid): number | Invalid => (l instanceof Invalid ? l : l.p99LateMs);
    out["50 ms server, bare undici at 2,000/s (control): p50 ms, median"] = medianOf(slowRounds, (r: S) => of(r.u, (f) => f.p50ms!), 2);
    out["50 ms server, bare undici at 2,000/s (control): p99 ms, median"] = medianOf(slowRounds, (r: S) => of(r.u, (f) => f.p99ms!), 2);
    out["50 ms server, bare undici (control): p99 ms, each round"] = eachOf(slowRounds, (r: S) => of(r.u, (f) => f.p99ms!), ms2);
    out["50 ms server, kperf path at 2,000/s: achieved requests/s (median)"] = medianOf(slowRounds, (r: S) => of(r.k, (f) => f.rps), 2);
    out["50 ms server, kperf path: p50 ms, median (target 50 ± 2)"] = medianOf(slowRounds, (r: S) => of(r.k, (f) => f.p50ms!), 2);
    out["50 ms server, kperf path: p99 ms, median (target 50 ± 2)"] = medianOf(slowRounds, (r: S) => of(r.k, (f) => f.p99ms!), 2);
    out["50 ms server, kperf path: p99 ms, each round"] = eachOf(slowRounds, (r: S) => of(r.k, (f) => f.p99ms!), ms2);
    out["50 ms server, kperf runs: server's own lateness p99 ms, each round"] = eachOf(slowRounds, (r: S) => late(r.ks), ms2);
    out["50 ms server, VU path at 2,000/s: achieved requests/s (median)"] = medianOf(slowRounds, (r: S) => of(r.v, (f) => f.rps), 2);
    out["50 ms server, VU path: p50 ms, median (target 50 ± 2)"] = medianOf(slowRounds, (r: S) => of(r.v, (f) => f.p50ms!), 2);
    out["50 ms server, VU path: p99 ms, median (target 50 ± 2)"] = medianOf(slowRounds, (r: S) => of(r.v, (f) => f.p99ms!), 2);
    out["50 ms server, VU path: p99 ms, each round"] = eachOf(slowRounds, (r: S) => of(r.v, (f) => f.p99ms!), ms2);
    out["50 ms server, VU runs: server's own lateness p99 ms, each round"] = eachOf(slowRounds, (r: S) => late(r.vs), ms2);
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

// `node --import tsx bench/k8s-bench.ts` runs it alone (exit 1 when a figure is invalid).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const figures = await benchK8s();
  for (const [name, value] of Object.entries(figures)) printRow({ name, value });
  process.exitCode = finish();
}
