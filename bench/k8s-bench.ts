// loadgen/k8s throughput and accuracy, on loopback only:
//  - requests/s and CPU time per request for a stale pod LIST against nginx (Debian's) serving a recorded pod list,
//    for wrk, a bare undici loop, loadgen's kperf-profile path and loadgen's VU-scenario path, each with 50
//    connections and one core's worth of client (one process, one event loop; wrk with one thread; nginx with one
//    worker). Targets: kperf path ≥ 85% and VU path ≥ 60% of the bare undici loop.
//  - p50/p99 measured against a server that answers after a fixed 50 ms, at 2,000 requests/s: target within 2 ms.
// Each client runs in its own child process (bench/k8s-bench-child.ts). nginx and the 50 ms server are started here
// on free ports and stopped at the end; nothing outside 127.0.0.1 is touched.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.K8S_BENCH_SECONDS ?? 5);
const CONNS = 50;
const ROUNDS = Number(process.env.K8S_BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Figures {
  requests: number;
  rps: number;
  cpuUsPerRequest: number;
  p50ms?: number;
  p99ms?: number;
  errors?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function which(bin: string): string | undefined {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]) if (existsSync(path.join(dir, bin))) return path.join(dir, bin);
  return undefined;
}

function child(args: string[]): Figures {
  const out = execFileSync(process.execPath, ["--import", "tsx", path.join(here, "k8s-bench-child.ts"), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: (SECONDS * 4 + 60) * 1000,
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Figures;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api`);
      await r.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** Starts nginx with one worker on a free loopback port, serving the recorded pod list and discovery documents. */
async function startNginx(nginx: string, dir: string): Promise<{ proc: ChildProcess; origin: string }> {
  const port = await freePort();
  const fixtures = path.join(here, "fixtures");
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
    location = /api/v1/pods { alias ${fixtures}/pod-list.json; }
    location = /api { alias ${fixtures}/discovery-api.json; }
    location = /apis { alias ${fixtures}/discovery-apis.json; }
  }
}
`,
  );
  const proc = spawn(nginx, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port);
  return { proc, origin: `http://127.0.0.1:${port}` };
}

function wrkRps(wrk: string, origin: string): number {
  const out = execFileSync(wrk, ["-t1", `-c${CONNS}`, `-d${SECONDS}s`, `${origin}/api/v1/pods?resourceVersion=0`], { encoding: "utf8" });
  return Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN));
}

/** Runs the k8s benchmark and returns its figures (names → values), printing nothing. */
export async function benchK8s(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const nginx = which("nginx");
  const wrk = which("wrk");
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-k8s-bench-"));
  const procs: ChildProcess[] = [];
  try {
    if (nginx === undefined) {
      out["list vs nginx"] = "skipped: nginx is not installed (apt-get install -y nginx-light wrk)";
    } else {
      const { proc, origin } = await startNginx(nginx, dir);
      procs.push(proc);
      if (wrk !== undefined) out["wrk: requests/s"] = wrkRps(wrk, origin);
      else out["wrk: requests/s"] = "skipped: wrk is not installed";
      // The machine's noise moves single runs by ±10%: run the three clients in turn, ROUNDS times, and report
      // medians, each share from the runs of one round (side by side in time).
      const rounds: { bare: Figures; kperf: Figures; vu: Figures }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        rounds.push({
          bare: child(["undici", origin, String(SECONDS), String(CONNS)]),
          kperf: child(["kperf", origin, String(SECONDS), String(CONNS)]),
          vu: child(["vu", origin, String(SECONDS), String(CONNS)]),
        });
      }
      const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
      const all = (f: (r: (typeof rounds)[number]) => number) => rounds.map(f).map((v) => +v.toFixed(3)).join(" ");
      out["bare undici loop: requests/s (median)"] = med((r) => r.bare.rps);
      out["bare undici loop: CPU µs/request (median)"] = med((r) => r.bare.cpuUsPerRequest);
      out["kperf-profile path: requests/s (median)"] = med((r) => r.kperf.rps);
      out["kperf-profile path: CPU µs/request (median)"] = med((r) => r.kperf.cpuUsPerRequest);
      out["kperf-profile path: share of bare undici, median (target ≥ 0.85)"] = +med((r) => r.kperf.rps / r.bare.rps).toFixed(3);
      out["kperf-profile path: share of bare undici, each round"] = all((r) => r.kperf.rps / r.bare.rps);
      out["VU-scenario path: requests/s (median)"] = med((r) => r.vu.rps);
      out["VU-scenario path: CPU µs/request (median)"] = med((r) => r.vu.cpuUsPerRequest);
      out["VU-scenario path: share of bare undici, median (target ≥ 0.60)"] = +med((r) => r.vu.rps / r.bare.rps).toFixed(3);
      out["VU-scenario path: share of bare undici, each round"] = all((r) => r.vu.rps / r.bare.rps);
      const bare = { rps: med((r) => r.bare.rps) };
      if (typeof out["wrk: requests/s"] === "number") out["bare undici loop: share of wrk"] = +(bare.rps / (out["wrk: requests/s"] as number)).toFixed(3);
    }

    // Latency accuracy: a server that answers after 50 ms, 2,000 requests/s.
    const port = await freePort();
    const slow = spawn(process.execPath, ["--import", "tsx", path.join(here, "k8s-bench-child.ts"), "slow", String(port)], { stdio: ["ignore", "ignore", "inherit"] });
    procs.push(slow);
    await waitForPort(port);
    const origin = `http://127.0.0.1:${port}`;
    // 2,000/s × 50 ms = 100 in flight; 200 requesters leave headroom for jitter. The server's own lateness is read
    // after each client (and reset), to tell its share of the tail from the client's.
    // A new connection each time: the children run synchronously, so a kept-alive socket would be stale by then.
    const serverLate = () =>
      new Promise<{ p50LateMs: number; p99LateMs: number }>((resolve, reject) => {
        httpGet(`${origin}/stats`, { agent: false }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c));
          res.on("end", () => resolve(JSON.parse(text)));
        }).on("error", reject);
      });
    await serverLate();
    // A bare undici client at the same rate is the control: what any Node client measures on this machine.
    const slowRounds: { u: Figures; k: Figures; ks: { p50LateMs: number; p99LateMs: number }; v: Figures; vs: { p50LateMs: number; p99LateMs: number } }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const u = child(["undici", origin, String(SECONDS), "200", "2000"]);
      await serverLate();
      const k = child(["kperf", origin, String(SECONDS), "200", "2000"]);
      const ks = await serverLate();
      const v = child(["vu", origin, String(SECONDS), "200", "2000"]);
      const vs = await serverLate();
      slowRounds.push({ u, k, ks, v, vs });
    }
    const sm = (f: (r: (typeof slowRounds)[number]) => number) => +median(slowRounds.map(f)).toFixed(2);
    const each = (f: (r: (typeof slowRounds)[number]) => number) => slowRounds.map((r) => f(r).toFixed(2)).join(" ");
    out["50 ms server, bare undici at 2,000/s (control): p50 ms, median"] = sm((r) => r.u.p50ms!);
    out["50 ms server, bare undici at 2,000/s (control): p99 ms, median"] = sm((r) => r.u.p99ms!);
    out["50 ms server, bare undici (control): p99 ms, each round"] = each((r) => r.u.p99ms!);
    out["50 ms server, kperf path at 2,000/s: achieved requests/s (median)"] = sm((r) => r.k.rps);
    out["50 ms server, kperf path: p50 ms, median (target 50 ± 2)"] = sm((r) => r.k.p50ms!);
    out["50 ms server, kperf path: p99 ms, median (target 50 ± 2)"] = sm((r) => r.k.p99ms!);
    out["50 ms server, kperf path: p99 ms, each round"] = each((r) => r.k.p99ms!);
    out["50 ms server, kperf runs: server's own lateness p99 ms, each round"] = each((r) => r.ks.p99LateMs);
    out["50 ms server, VU path at 2,000/s: achieved requests/s (median)"] = sm((r) => r.v.rps);
    out["50 ms server, VU path: p50 ms, median (target 50 ± 2)"] = sm((r) => r.v.p50ms!);
    out["50 ms server, VU path: p99 ms, median (target 50 ± 2)"] = sm((r) => r.v.p99ms!);
    out["50 ms server, VU path: p99 ms, each round"] = each((r) => r.v.p99ms!);
    out["50 ms server, VU runs: server's own lateness p99 ms, each round"] = each((r) => r.vs.p99LateMs);
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

// `node --import tsx bench/k8s-bench.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const figures = await benchK8s();
  for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(64)} ${String(v).padStart(10)}`);
}
