// scenarios/service-load.ts against the consumer service, checked by the service itself (its access log and /metrics,
// an observer independent of loadgen): every NimbusGuard test sends its table's number of requests with its table's
// query parameters and mode, the health check comes first, cleanup happens when asked, `all` runs the tests in the
// table's order without overlap, the open model sends the same requests as arrivals, and loadgen's own counts agree
// with the service's. Shortened, never timed: the scenario's waits × TIME_SCALE, the service's work × --time-scale.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Output, SampleRecord } from "../../runtime/output/types.ts";
import { startConsumer, type AccessLine, type Consumer } from "../fixtures/consumer.ts";
import { metric, repoRoot, runScenario, seriesOf, type ScenarioOutcome } from "../fixtures/run-scenario.ts";

const SCENARIO = `${repoRoot}scenarios/service-load.ts`;
const SCALE = "0.1";
// Memory is allocated for real: × 0.02 keeps heavy's 30 × 150 MB at 90 MB.
const SERVER_ARGS = ["--time-scale", SCALE, "--memory-scale", "0.02", "--retain", "duration"];
// Latency gates far above anything the shortened work takes: these tests check counts and order, not speed.
const RELAXED = { TIME_SCALE: SCALE, LATENCY_SLACK: "120s" };

// NimbusGuard's LOAD_TESTS (../shared/notes/service-load.md), written out here as the specification the scenario must
// meet, not imported from it.
const TESTS: Record<string, { concurrency: number; total: number; cpuIntensity: number; memoryMb: number; durationS: number; async: boolean }> = {
  light: { concurrency: 2, total: 10, cpuIntensity: 2, memoryMb: 20, durationS: 5, async: true },
  medium: { concurrency: 5, total: 20, cpuIntensity: 6, memoryMb: 80, durationS: 15, async: true },
  heavy: { concurrency: 10, total: 30, cpuIntensity: 9, memoryMb: 150, durationS: 20, async: true },
  sustained: { concurrency: 8, total: 25, cpuIntensity: 8, memoryMb: 120, durationS: 60, async: true },
  burst: { concurrency: 15, total: 40, cpuIntensity: 10, memoryMb: 100, durationS: 10, async: true },
  memory_stress: { concurrency: 6, total: 15, cpuIntensity: 3, memoryMb: 250, durationS: 30, async: true },
  cpu_stress: { concurrency: 8, total: 20, cpuIntensity: 10, memoryMb: 50, durationS: 25, async: false },
};

let c: Consumer;

test.before(async () => {
  c = await startConsumer(SERVER_ARGS);
});
test.after(async () => {
  await c?.stop();
});

/** Runs the scenario against the consumer; returns the outcome and the requests the consumer answered meanwhile. */
async function run(env: Record<string, string>, o: { consumer?: Consumer; outputs?: Output[] } = {}): Promise<{ out: ScenarioOutcome; seen: AccessLine[] }> {
  const consumer = o.consumer ?? c;
  const before = await consumer.mark();
  const out = await runScenario(SCENARIO, { env: { URL: consumer.url, ...RELAXED, ...env }, outputs: o.outputs });
  const after = await consumer.mark();
  return { out, seen: consumer.requests().slice(before, after) };
}

/** What a failed run says: its error, the thresholds that failed, its log. */
function why(out: ScenarioOutcome): string {
  const failed = Object.entries(out.summary?.metrics ?? {}).flatMap(([name, m]) =>
    Object.entries(m.thresholds ?? {}).filter(([, r]) => !r.ok).map(([cond]) => `${name}: ${cond} (${JSON.stringify(m.values)})`));
  return [out.error ?? "", ...failed, ...out.logs].join("\n");
}

const processQuery = (t: (typeof TESTS)[string]) => ({
  cpu_intensity: String(t.cpuIntensity),
  memory_size: String(t.memoryMb),
  duration: String(t.durationS),
  async_mode: t.async ? "true" : "false",
});

const posts = (seen: AccessLine[]) => seen.filter((r) => r.method === "POST" && r.path === "/process");

/** loadgen's count of requests named `name` (http_reqs, all tags). */
function sent(out: ScenarioOutcome, name: string): number {
  return seriesOf(out, "http_reqs").filter((s) => s.tags.name === name).reduce((n, s) => n + (s.values.count ?? 0), 0);
}

for (const [name, t] of Object.entries(TESTS)) {
  test(`${name}: ${t.total} POST /process with the table's parameters (${t.async ? "async" : "sync"}), after one GET /health`, async () => {
    const m0 = await c.metrics();
    const { out, seen } = await run({ TEST: name });
    assert.is(out.exitCode, 0, why(out));
    assert.equal(seen[0] && [seen[0].method, seen[0].path], ["GET", "/health"], "the health check came first");
    assert.is(seen.filter((r) => r.path === "/health").length, 1);
    const p = posts(seen);
    assert.is(p.length, t.total, "the service answered the table's number of requests");
    for (const r of p) assert.equal(r.query, processQuery(t), "every request has the table's query");
    assert.ok(p.every((r) => r.status === 200), "all answered 200");
    // The service's /metrics agree, and so do loadgen's own counts.
    const m = await c.metrics();
    const delta = (metricName: string, labels: Record<string, string>) => m.sum(metricName, labels) - m0.sum(metricName, labels);
    assert.is(delta("consumer_process_requests_total", processQuery(t)), t.total);
    assert.is(delta("http_requests_total", { handler: "/process", method: "POST" }), t.total);
    assert.is(sent(out, "POST /process"), t.total, "loadgen counted as many as the service");
    assert.is(metric(out.summary, `iterations{test:${name}}`, "count"), t.total);
    assert.is(sent(out, "GET /process/status"), seen.filter((r) => r.path === "/process/status").length, "monitor requests: loadgen's count is the service's");
    assert.is(delta("http_requests_total", { handler: "/process/status", method: "GET" }), sent(out, "GET /process/status"));
    // The answers had the mode's shape.
    const checks = out.summary!.root_group.checks.map((x) => [x.name, x.fails]);
    assert.ok(checks.some(([n, f]) => n === `answer is "${t.async ? "started" : "completed"}"` && f === 0), JSON.stringify(checks));
  });
}

test("closed model: no more than `concurrency` requests in flight, as the original's semaphore allowed", async () => {
  // burst: 15 slots for 40 requests; the service's in-flight gauge cannot see async requests (they answer at once),
  // but loadgen's VUs are the slots: vus_max is the concurrency.
  const { out } = await run({ TEST: "burst", MONITOR: "off" });
  assert.is(out.exitCode, 0, why(out));
  assert.is(metric(out.summary, "vus_max", "value"), TESTS.burst!.concurrency);
});

test("the service down: the run stops in setup with a message naming the health check, exit code non-zero", async () => {
  const { out } = await run({ TEST: "light", URL: "http://127.0.0.1:9" });
  assert.is(out.exitCode, 107);
  const text = [out.error ?? "", ...out.logs].join("\n");
  assert.match(text, /the service at http:\/\/127\.0\.0\.1:9 is not healthy: GET \/health failed/);
  assert.is(sent(out, "POST /process"), 0, "no load was sent");
});

test("CLEANUP=before empties the store before the first POST and says how much it removed; after: once more at the end", async () => {
  // Leave something in the store: --retain duration drops memory when its job ends, so hold some with a long job.
  const hold = fetch(`${c.url}/process?cpu_intensity=1&memory_size=10&duration=60&async_mode=false`, { method: "POST" }).catch(() => undefined);
  for (let i = 0; i < 200 && (await c.status()).memory_store_objects === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok((await c.status()).memory_store_objects >= 1, "memory held in the store");
  const { out, seen } = await run({ TEST: "light", CLEANUP: "both" });
  assert.is(out.exitCode, 0, why(out));
  const order = seen.map((r) => `${r.method} ${r.path}`).filter((r) => r !== "GET /process/status");
  assert.equal(order.slice(0, 3), ["GET /health", "DELETE /process/cleanup", "POST /process"]);
  assert.is(order[order.length - 1], "DELETE /process/cleanup", "and once more after the tests");
  assert.is(order.filter((r) => r === "DELETE /process/cleanup").length, 2);
  assert.ok(out.logs.some((l) => /cleanup: [1-9]\d* object\(s\) removed/.test(l)), out.logs.join("\n"));
  await hold;
});

test("CLEANUP=none (the default) sends no DELETE", async () => {
  const { out, seen } = await run({ TEST: "light" });
  assert.is(out.exitCode, 0, why(out));
  assert.is(seen.filter((r) => r.method === "DELETE").length, 0);
});

test("the monitor's /process/status answers land in the service_* gauges of the summary", async () => {
  const { out } = await run({ TEST: "medium", MONITOR: "2s" });
  assert.is(out.exitCode, 0, why(out));
  for (const g of ["service_memory_store_objects", "service_memory_store_size_estimate_mb", "service_memory_held_mb", "service_resident_memory_mb", "service_jobs_in_flight"]) {
    assert.ok(out.summary!.metrics[g], `${g} is in the summary`);
  }
  assert.ok((metric(out.summary, "service_jobs_in_flight", "max") ?? 0) >= 1, "the monitor saw jobs working");
});

test("MODEL=open: the same requests as arrivals (constant-arrival-rate), none dropped; loadgen's count is the service's", async () => {
  for (const name of ["light", "cpu_stress"]) {
    const t = TESTS[name]!;
    const { out, seen } = await run({ TEST: name, MODEL: "open", MONITOR: "off" });
    assert.is(out.exitCode, 0, why(out));
    const p = posts(seen);
    assert.ok(p.length >= t.total - 1 && p.length <= t.total, `${name}: ${p.length} requests for ${t.total}`);
    for (const r of p) assert.equal(r.query, processQuery(t));
    assert.is(sent(out, "POST /process"), p.length);
    assert.is(metric(out.summary, `dropped_iterations{test:${name}}`, "count") ?? 0, 0);
    assert.is(out.prepared!.options.scenarios.find((s) => s.name === name)?.executor, "constant-arrival-rate");
  }
});

test("a bad knob is refused before anything is sent, naming it", async () => {
  for (const [env, says] of [[{ TEST: "huge" }, /-e TEST=huge: expected light \| medium/], [{ MODEL: "x" }, /-e MODEL=x/], [{ TIME_SCALE: "0" }, /-e TIME_SCALE=0/], [{ CLEANUP: "yes" }, /-e CLEANUP=yes/]] as const) {
    const { out, seen } = await run(env);
    assert.is(out.exitCode, 107, JSON.stringify(env));
    assert.match(out.error ?? "", says);
    assert.is(seen.length, 0);
  }
});

test("TEST=all: every test in the table's order, one after the other, each with its own count and parameters", async () => {
  // Its own service, five times faster still: `all` is every test plus six pauses.
  const fast = await startConsumer(["--time-scale", "0.05", "--memory-scale", "0.02", "--retain", "duration"]);
  try {
    const samples: SampleRecord[] = [];
    const capture: Output = { describe: () => "capture", start: async () => {}, stop: async () => {}, add: (s) => void samples.push(...s) };
    const { out, seen } = await run({ TEST: "all", TIME_SCALE: "0.05", SPAN_SLACK: "3s", MONITOR: "off" }, { consumer: fast, outputs: [capture] });
    assert.is(out.exitCode, 0, why(out));
    // The service saw the tests' parameter sets in the table's order, never interleaved.
    const names = Object.keys(TESTS);
    const testOf = (r: AccessLine) => names.find((n) => JSON.stringify(processQuery(TESTS[n]!)) === JSON.stringify(r.query));
    const runs = posts(seen).map(testOf).filter((v, i, a) => i === 0 || v !== a[i - 1]);
    assert.equal(runs, names, "one block of requests per test, in order");
    for (const n of names) assert.is(posts(seen).filter((r) => testOf(r) === n).length, TESTS[n]!.total, `${n}'s count`);
    // loadgen's samples: each test's requests end before the next test's start.
    const spans = names.map((n) => {
      const times = samples.filter((s) => s.metric.name === "http_reqs" && s.tags.tags.test === n).map((s) => s.time);
      return [Math.min(...times), Math.max(...times)] as const;
    });
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]![1] < spans[i]![0], `${names[i - 1]} ended before ${names[i]} began`);
  } finally {
    await fast.stop();
  }
});

test.run();
