// The mechanics of scenarios/service-load.ts (NimbusGuard's service load tests): the -e knobs, the plan (one k6
// scenario per test, their start times, a monitor), the request, the monitor, setup and teardown. The test table
// itself is at the top of scenarios/service-load.ts.
import http from "loadgen/http";
import { check, fail, sleep } from "loadgen";
import exec from "loadgen/execution";
import { Gauge } from "loadgen/metrics";

/** One of NimbusGuard's load tests (its LoadTest dataclass), plus the Job's activeDeadlineSeconds. */
export interface LoadTest {
  /** Requests in flight at most (the original's semaphore). */
  readonly concurrency: number;
  /** Requests in all. */
  readonly total: number;
  /** cpu_intensity, 1–10. */
  readonly cpuIntensity: number;
  /** memory_size in MB, 10–500. */
  readonly memoryMb: number;
  /** duration in seconds, 1–60: how long the service works on one request. */
  readonly durationS: number;
  /** async_mode: answered at once (true) or when the work is done. */
  readonly async: boolean;
  /** Request i (1-based) waits i × delay before it is sent, holding its slot. */
  readonly delayS: number;
  /** The Job's activeDeadlineSeconds: the most a single test may last here too. */
  readonly deadlineS: number;
}

// ---- -e knobs ----

function env(name: string, def: string): string {
  const v = __ENV[name];
  return v === undefined || v === "" ? def : v;
}

function oneOf<T extends string>(name: string, def: T, allowed: readonly T[]): T {
  const v = env(name, def);
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`-e ${name}=${v}: expected ${allowed.join(" | ")}`);
  return v as T;
}

/** Seconds in "10s", "1m30s", "250ms" or a plain number of seconds. */
function seconds(name: string, def: string): number {
  const v = env(name, def).trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  let total = 0;
  let rest = v;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2]!]!;
    rest = rest.replace(m[0], "");
  }
  if (rest !== "" || v === "") throw new Error(`-e ${name}=${v}: expected a duration such as 10s, 1m30s or 250ms`);
  return total;
}

function positive(name: string, def: string): number {
  const v = Number(env(name, def));
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`-e ${name}=${env(name, def)}: expected a positive number`);
  return v;
}

export interface Knobs {
  /** The service's base URL, without a trailing slash. */
  readonly url: string;
  /** The test to run, or "all". */
  readonly test: string;
  readonly cleanup: "none" | "before" | "after" | "both";
  /** closed: the original's semaphore and delays; open: the same request rate as arrivals, whatever the answers. */
  readonly model: "closed" | "open";
  /** GET /process/status every this many seconds (0: no monitoring). */
  readonly monitorS: number;
  /** Every wait of the scenario (delays, pauses, the 30 s between tests, the monitor period) × this; requests unchanged. */
  readonly timeScale: number;
  /** p(95) limit of the answers: this for async tests, the work's duration + this for sync ones (seconds). */
  readonly latencySlackS: number;
  /** `all`: seconds a test may run past its expected span before the next one's 30 s pause begins (not scaled). */
  readonly spanSlackS: number;
}

export function readKnobs(tests: Readonly<Record<string, LoadTest>>): Knobs {
  const names = Object.keys(tests);
  const knobs: Knobs = {
    url: env("URL", "http://127.0.0.1:8000").replace(/\/+$/, ""),
    test: oneOf("TEST", "medium", [...names, "all"]),
    cleanup: oneOf("CLEANUP", "none", ["none", "before", "after", "both"]),
    model: oneOf("MODEL", "closed", ["closed", "open"]),
    monitorS: env("MONITOR", "10s") === "off" ? 0 : seconds("MONITOR", "10s"),
    timeScale: positive("TIME_SCALE", "1"),
    latencySlackS: seconds("LATENCY_SLACK", "2s"),
    spanSlackS: seconds("SPAN_SLACK", "10s"),
  };
  if (!/^https?:\/\/[^/]+/.test(knobs.url)) throw new Error(`-e URL=${knobs.url}: expected http://HOST:PORT`);
  return knobs;
}

// ---- the plan ----

/**
 * Seconds from a closed-model test's start until its last answer, if each answer takes `answerS`: the original's
 * semaphore of `concurrency` slots, request i taking the first free slot and holding it for i × delay + the answer.
 */
export function closedSchedule(t: LoadTest, answerS: number): number {
  const free: number[] = new Array(t.concurrency).fill(0);
  let end = 0;
  for (let i = 1; i <= t.total; i++) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j;
    free[k] = free[k]! + i * t.delayS + answerS;
    end = Math.max(end, free[k]!);
  }
  return end;
}

/** A duration option in milliseconds (at least 1 ms: a zero span is no span). */
const ms = (s: number) => `${Math.max(1, Math.round(s * 1000))}ms`;

/**
 * Seconds a test of `all` may last: its schedule with the answers it should get (async at once, sync after the work),
 * a quarter more, and SPAN_SLACK for the answers of a busy service (which do not get faster with TIME_SCALE).
 */
function window(t: LoadTest, k: Knobs): number {
  const expected = closedSchedule(t, t.async ? 0 : t.durationS) * k.timeScale;
  return expected * 1.25 + k.spanSlackS;
}

/** The original's pause between two tests of `--test all`. */
const GAP_S = 30;

/** k6 options: one scenario per test (in order, 30 s apart, for "all"), the monitor, thresholds a user gates on. */
export function planOptions(tests: Readonly<Record<string, LoadTest>>, k: Knobs) {
  const chosen = k.test === "all" ? Object.keys(tests) : [k.test];
  const scenarios: Record<string, Record<string, unknown>> = {};
  const thresholds: Record<string, string[]> = {
    // The original counted a request as a success when it answered 200.
    http_req_failed: ["rate<0.01"],
    checks: ["rate>=0.99"],
  };
  let start = 0;
  for (const name of chosen) {
    const t = tests[name]!;
    const w = window(t, k);
    const timeout = t.durationS + 30;
    const sequential = chosen.length > 1;
    const common = {
      exec: "processRequest",
      startTime: `${Math.round(start * 1000)}ms`,
      tags: { test: name },
      // Tests of "all" must not overlap: one that overruns its window is stopped there (its count threshold fails).
      gracefulStop: sequential ? "0s" : `${timeout}s`,
    };
    if (k.model === "closed") {
      scenarios[name] = {
        executor: "shared-iterations",
        vus: t.concurrency,
        iterations: t.total,
        maxDuration: ms(sequential ? w : t.deadlineS * k.timeScale),
        ...common,
      };
      // Every request was sent and answered: a slow service shows here, not as a lower rate.
      thresholds[`iterations{test:${name}}`] = [`count==${t.total}`];
    } else {
      // The closed model's request rate when answers take no time, as arrivals: total requests over that span.
      const span = closedSchedule(t, 0) * k.timeScale;
      scenarios[name] = {
        executor: "constant-arrival-rate",
        rate: t.total,
        timeUnit: ms(span),
        duration: ms(span),
        // Room for every request in flight at once, ready from the start: a slow service gets more requests waiting,
        // never fewer sent (a VU started mid-test would drop the arrivals it misses).
        preAllocatedVUs: t.total,
        maxVUs: t.total,
        ...common,
      };
      thresholds[`dropped_iterations{test:${name}}`] = ["count==0"];
    }
    const limit = (t.async ? 0 : t.durationS * k.timeScale) + k.latencySlackS;
    thresholds[`http_req_duration{test:${name}}`] = [`p(95)<${Math.round(limit * 1000)}`];
    start += w + (sequential ? GAP_S * k.timeScale : 0);
  }
  const end = start - (chosen.length > 1 ? GAP_S * k.timeScale : 0);
  if (k.monitorS > 0) {
    // One VU polling until every request of the chosen tests is done (or, at the latest, the last test's span ends).
    scenarios.monitor = {
      executor: "per-vu-iterations",
      exec: "monitor",
      vus: 1,
      iterations: 1,
      maxDuration: ms(end),
      gracefulStop: "0s",
      tags: { test: "monitor" },
    };
  }
  return {
    scenarios,
    thresholds,
    // The health check, and a cleanup with its pause, happen in setup; the final status and cleanup in teardown.
    setupTimeout: "2m",
    teardownTimeout: "2m",
  };
}

// ---- what the VUs do ----

const statusObjects = new Gauge("service_memory_store_objects");
const statusEstimateMb = new Gauge("service_memory_store_size_estimate_mb");
const statusHeldMb = new Gauge("service_memory_held_mb");
const statusRssMb = new Gauge("service_resident_memory_mb");
const statusInFlight = new Gauge("service_jobs_in_flight");

/** The query the original sent: every parameter, async_mode as "true"/"false". */
export function processUrl(base: string, t: LoadTest): string {
  return `${base}/process?cpu_intensity=${t.cpuIntensity}&memory_size=${t.memoryMb}&duration=${t.durationS}&async_mode=${t.async ? "true" : "false"}`;
}

/** One POST /process of the scenario's test (closed model: after the original's delay, holding the VU). */
export async function processRequest(tests: Readonly<Record<string, LoadTest>>, k: Knobs): Promise<void> {
  const name = exec.scenario.name in tests ? exec.scenario.name : k.test === "all" ? "medium" : k.test;
  const t = tests[name]!;
  if (k.model === "closed") await sleep((exec.scenario.iterationInTest + 1) * t.delayS * k.timeScale);
  const res = await http.post(processUrl(k.url, t), null, {
    tags: { name: "POST /process", test: name },
    // The original's client timeout: the work's duration + 30 s.
    timeout: `${t.durationS + 30}s`,
    responseType: "text",
  });
  const want = t.async ? "started" : "completed";
  check(res, {
    "status is 200": (r) => r.status === 200,
    [`answer is "${want}"`]: (r) => r.status === 200 && r.json("status") === want,
  });
}

/**
 * The monitor scenario's one iteration: the status every MONITOR seconds until the load is over, i.e. until every
 * request of the chosen tests has completed (its scenario's maxDuration ends it otherwise).
 */
export async function monitorLoop(tests: Readonly<Record<string, LoadTest>>, k: Knobs): Promise<void> {
  const chosen = k.test === "all" ? Object.keys(tests) : [k.test];
  const requests = chosen.reduce((n, name) => n + tests[name]!.total, 0);
  const loadDone = () => exec.instance.iterationsCompleted >= requests;
  while (!loadDone()) {
    await monitor(k);
    const next = Date.now() + k.monitorS * k.timeScale * 1000;
    while (Date.now() < next && !loadDone()) await sleep(Math.min(0.25, (next - Date.now()) / 1000));
  }
}

/** GET /process/status into the service_* gauges (the original's fields, and the consumer's exact ones when present). */
export async function monitor(k: Knobs): Promise<void> {
  const res = await http.get(`${k.url}/process/status`, { tags: { name: "GET /process/status" }, responseType: "text" });
  if (!check(res, { "status answered": (r) => r.status === 200 })) return;
  const s = res.json() as Record<string, any>;
  statusObjects.add(Number(s.memory_store_objects ?? 0));
  statusEstimateMb.add(Number(s.memory_store_size_estimate_mb ?? 0));
  if (typeof s.memory_held_bytes === "number") statusHeldMb.add(s.memory_held_bytes / 1048576);
  if (typeof s.resident_memory_bytes === "number") statusRssMb.add(s.resident_memory_bytes / 1048576);
  if (s.jobs_in_flight && typeof s.jobs_in_flight === "object") statusInFlight.add(Number(s.jobs_in_flight.sync ?? 0) + Number(s.jobs_in_flight.async ?? 0));
}

async function cleanupService(k: Knobs): Promise<void> {
  const res = await http.del(`${k.url}/process/cleanup`, null, { tags: { name: "DELETE /process/cleanup" }, responseType: "text" });
  if (res.status === 200) console.log(`cleanup: ${res.json("objects_removed")} object(s) removed from the service's memory store`);
  else console.warn(`cleanup: DELETE /process/cleanup answered ${res.status || res.error}`);
}

/** The health check the original ran first (the run stops with its reason when it fails), then --cleanup's part. */
export async function setupService(k: Knobs): Promise<void> {
  const res = await http.get(`${k.url}/health`, { tags: { name: "GET /health" }, responseType: "text", timeout: "10s" });
  if (res.status !== 200) {
    fail(`the service at ${k.url} is not healthy: GET /health ${res.status ? `answered ${res.status}` : `failed: ${res.error}`}`);
  }
  if (k.cleanup === "before" || k.cleanup === "both") {
    await cleanupService(k);
    await sleep(2 * k.timeScale);
  }
}

/** The status after the tests (the original's --monitor), and the cleanup after them when asked. */
export async function teardownService(k: Knobs): Promise<void> {
  if (k.monitorS > 0) await monitor(k);
  if (k.cleanup === "after" || k.cleanup === "both") await cleanupService(k);
}
