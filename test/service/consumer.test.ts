// The consumer service (examples/consumer/server.mjs) answers as NimbusGuard's consumer did: the same routes, JSON
// answers and validation; sync requests answer when the work is done, async ones at once while the work goes on;
// memory asked for is really held (resident) and kept until cleanup frees it; /metrics counts what was sent.
// Order and counts only, never durations: the work is shortened with --time-scale.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startConsumer, type Consumer } from "../fixtures/consumer.ts";

const MiB = 1024 * 1024;
let c: Consumer;

test.before(async () => {
  // duration=N works N × 0.2 s.
  c = await startConsumer(["--time-scale", "0.2"]);
});
test.after(async () => {
  await c?.stop();
});

async function call(method: string, path: string): Promise<{ status: number; body: any; at: number }> {
  const r = await fetch(c.url + path, { method });
  const text = await r.text();
  return { status: r.status, body: r.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(text) : text, at: performance.now() };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const idle = () => until("the jobs to finish", async () => {
  const s = await c.status();
  return s.jobs_in_flight.sync + s.jobs_in_flight.async === 0 ? s : undefined;
});

test("/, /health and /ready answer as the original's FastAPI routes", async () => {
  assert.equal((await call("GET", "/")).body, { message: "Welcome to NimbusGuard Consumer!" });
  assert.equal(await call("GET", "/health").then((r) => [r.status, r.body]), [200, { status: "healthy" }]);
  assert.equal(await call("GET", "/ready").then((r) => [r.status, r.body]), [200, { status: "ready" }]);
});

test("unknown paths are 404 and known paths with another method 405, with FastAPI's bodies", async () => {
  assert.equal(await call("GET", "/nope").then((r) => [r.status, r.body]), [404, { detail: "Not Found" }]);
  assert.equal(await call("GET", "/process").then((r) => [r.status, r.body]), [405, { detail: "Method Not Allowed" }]);
});

test("POST /process validates its query like FastAPI's Query(ge, le): 422 naming each bad parameter, nothing started", async () => {
  const r = await call("POST", "/process?cpu_intensity=11&memory_size=5&duration=x&async_mode=maybe");
  assert.is(r.status, 422);
  assert.equal(r.body.detail.map((d: { loc: string[]; type: string }) => [d.loc.join("."), d.type]), [
    ["query.cpu_intensity", "less_than_equal"],
    ["query.memory_size", "greater_than_equal"],
    ["query.duration", "int_parsing"],
    ["query.async_mode", "bool_parsing"],
  ]);
  const s = await c.status();
  assert.equal(s.jobs_in_flight, { sync: 0, async: 0 });
  assert.is((await c.metrics()).sum("consumer_process_requests_total"), 0);
});

test("sync answers when the work is done, async at once: ordered by their answers, /health answering meanwhile", async () => {
  await idle();
  // The sync request goes first and works 10 × 0.2 = 2 s; the async one and /health go after it and answer before it.
  const sync = call("POST", "/process?cpu_intensity=10&memory_size=10&duration=10&async_mode=false");
  await until("the sync job to start", async () => ((await c.status()).jobs_in_flight.sync === 1 ? true : undefined));
  const asyncAnswer = await call("POST", "/process?cpu_intensity=10&memory_size=10&duration=10&async_mode=true");
  const health = await call("GET", "/health");
  const during = await c.status();
  const syncAnswer = await sync;
  assert.ok(asyncAnswer.at < syncAnswer.at, "the async answer came first");
  assert.ok(health.at < syncAnswer.at, "/health answered while the sync job worked");
  assert.equal(during.jobs_in_flight, { sync: 1, async: 1 }, "both jobs were working when the async answer came");

  assert.is(asyncAnswer.status, 200);
  assert.equal(Object.keys(asyncAnswer.body), ["status", "task_id", "message", "cpu_intensity", "memory_size_mb", "estimated_completion"]);
  assert.equal([asyncAnswer.body.status, asyncAnswer.body.message, asyncAnswer.body.cpu_intensity, asyncAnswer.body.memory_size_mb], ["started", "Background processing started for 10s", 10, 10]);
  assert.match(asyncAnswer.body.task_id, /^task_\d+_\d{4}$/);

  assert.is(syncAnswer.status, 200);
  assert.equal(Object.keys(syncAnswer.body), ["status", "task_id", "processing_time_seconds", "cpu_work", "memory_work", "memory_store_size"]);
  assert.is(syncAnswer.body.status, "completed");
  assert.is(syncAnswer.body.cpu_work.intensity, 10);
  assert.ok(syncAnswer.body.cpu_work.primes_found > 0, "the CPU work found primes");
  assert.equal(syncAnswer.body.memory_work, { size_mb: 10, objects_created: Math.ceil((10 * MiB) / 1000) });

  // The async job goes on after its answer (CPU, then memory, as Starlette ran the original's background tasks).
  const after = await idle();
  assert.equal(after.jobs_in_flight, { sync: 0, async: 0 });
  assert.ok(after.memory_store_objects >= 2, "both jobs left their memory in the store");
  await call("DELETE", "/process/cleanup");
});

test("/health answers while twenty jobs work: between two CPU slices, not after the jobs", async () => {
  await idle();
  // 20 sync jobs of 20 × 0.2 = 4 s each, at intensity 5: together they want ten cores of this one thread.
  const jobs = Array.from({ length: 20 }, () => call("POST", "/process?cpu_intensity=5&memory_size=10&duration=20&async_mode=false"));
  await until("the jobs to start", async () => ((await c.status()).jobs_in_flight.sync === 20 ? true : undefined));
  const health = await call("GET", "/health");
  const after = await c.status();
  assert.is(health.status, 200);
  assert.is(after.jobs_in_flight.sync, 20, "every job was still working when /health answered");
  await Promise.all(jobs);
  await call("DELETE", "/process/cleanup");
});

test("memory_size MB is really held: resident memory grows by it while the job holds it, and the store keeps it", async () => {
  await idle();
  await call("DELETE", "/process/cleanup");
  const before = await c.status();
  // Async: 5 × 0.2 = 1 s of CPU, then 200 MiB held for 1 s, then kept in the store.
  await call("POST", "/process?cpu_intensity=1&memory_size=200&duration=5&async_mode=true");
  const holding = await until("the memory to be allocated", async () => {
    const s = await c.status();
    return s.memory_store_objects === 1 ? s : undefined;
  });
  assert.is(holding.memory_store_bytes, 200 * MiB);
  assert.ok(holding.resident_memory_bytes - before.resident_memory_bytes >= 180 * MiB,
    `resident memory grew by ${((holding.resident_memory_bytes - before.resident_memory_bytes) / MiB).toFixed(0)} MiB`);
  const m = await c.metrics();
  assert.ok(m.sum("process_resident_memory_bytes") - before.resident_memory_bytes >= 180 * MiB, "/metrics' process_resident_memory_bytes shows it too");
  assert.is(m.sum("consumer_memory_held_bytes"), 200 * MiB);
  assert.equal(holding.recent_tasks.map((t) => t.list_size), [Math.ceil((200 * MiB) / 1000)]);

  const done = await idle();
  assert.is(done.memory_store_objects, 1, "the original's store keeps the memory after the job");
  assert.is(done.memory_store_bytes, 200 * MiB);
});

test("DELETE /process/cleanup empties the store and the memory goes back", async () => {
  await idle();
  const held = await c.status();
  assert.ok(held.memory_store_objects >= 1, "the previous test left memory in the store");
  const r = await call("DELETE", "/process/cleanup");
  assert.equal(r.body, { status: "cleaned", objects_removed: held.memory_store_objects, message: "Memory store cleared" });
  const after = await c.status();
  assert.equal([after.memory_store_objects, after.memory_store_bytes, after.memory_held_bytes, after.recent_tasks], [0, 0, 0, []]);
  // V8 frees the buffers' memory on a background thread after the collection cleanup asks for: soon, not at once.
  let last = after;
  await until("resident memory to fall by the store's 200 MiB", async () => {
    last = await c.status();
    return held.resident_memory_bytes - last.resident_memory_bytes >= 150 * MiB ? true : undefined;
  }, 10_000).catch(() => {
    assert.unreachable(`resident memory fell by ${((held.resident_memory_bytes - last.resident_memory_bytes) / MiB).toFixed(0)} MiB only`);
  });
});

test("cleanup while a job holds its memory: the store empties, the job keeps holding until it ends", async () => {
  await idle();
  // 1 × 0.2 s of CPU, then 50 MiB held for 25 × 0.2 = 5 s.
  const sync = call("POST", "/process?cpu_intensity=1&memory_size=50&duration=25&async_mode=false");
  await until("the memory to be allocated", async () => ((await c.status()).memory_store_objects === 1 ? true : undefined));
  await call("DELETE", "/process/cleanup");
  const s = await c.status();
  assert.equal([s.memory_store_objects, s.memory_held_bytes, s.jobs_in_flight.sync], [0, 50 * MiB, 1]);
  assert.is((await sync).body.memory_store_size, 0, "the answer counts the store as it is when the job ends");
  assert.is((await c.status()).memory_held_bytes, 0);
});

test("/metrics counts what was sent: by handler, method and status class, and /process by its parameters", async () => {
  const m0 = await c.metrics();
  const sent = { health: 7, async: 4, invalid: 3 };
  for (let i = 0; i < sent.health; i++) await call("GET", "/health");
  for (let i = 0; i < sent.async; i++) await call("POST", "/process?cpu_intensity=2&memory_size=20&duration=1&async_mode=true");
  for (let i = 0; i < sent.invalid; i++) await call("POST", "/process?cpu_intensity=0");
  await idle();
  const m = await c.metrics();
  const delta = (name: string, labels: Record<string, string>) => m.sum(name, labels) - m0.sum(name, labels);
  assert.is(delta("http_requests_total", { handler: "/health", method: "GET", status: "2xx" }), sent.health);
  assert.is(delta("http_requests_total", { handler: "/process", method: "POST", status: "2xx" }), sent.async);
  assert.is(delta("http_requests_total", { handler: "/process", method: "POST", status: "4xx" }), sent.invalid);
  assert.is(delta("http_request_duration_seconds_count", { handler: "/process", method: "POST" }), sent.async + sent.invalid);
  assert.is(delta("consumer_process_requests_total", { cpu_intensity: "2", memory_size: "20", duration: "1", async_mode: "true" }), sent.async);
  for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds"]) assert.ok(m.sum(name) > 0, `${name} is reported`);
  assert.equal(m.all("consumer_jobs_in_flight").map((s) => [s.labels.mode, s.value]), [["sync", 0], ["async", 0]]);
  await call("DELETE", "/process/cleanup");
});

test("defaults are the original's: cpu_intensity 5, memory_size 50, duration 10, sync", async () => {
  const m0 = await c.metrics();
  const r = await call("POST", "/process");
  assert.is(r.body.status, "completed");
  assert.equal(r.body.memory_work.size_mb, 50);
  const m = await c.metrics();
  assert.is(m.sum("consumer_process_requests_total", { cpu_intensity: "5", memory_size: "50", duration: "10", async_mode: "false" }) -
    m0.sum("consumer_process_requests_total", { cpu_intensity: "5", memory_size: "50", duration: "10", async_mode: "false" }), 1);
  await call("DELETE", "/process/cleanup");
});

test.run();
