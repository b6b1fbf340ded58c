// Per-VU limits: a VU stuck in a loop is interrupted after blockingTimeout, one that allocates past
// vuMemoryLimitMiB or recurses too deep fails that iteration; in every case the run goes on and exits 0.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fixture, metric, runScenario } from "../fixtures/run-scenario.ts";

// limits.ts: 2 VUs share 6 iterations; iteration 0 misbehaves as MODE says, the others pass a check.
const run = (env: Record<string, string>) => runScenario(fixture("limits.ts"), { env });

test("a VU stuck in while(true){} is interrupted after blockingTimeout and the run goes on", async () => {
  const o = await run({ MODE: "spin" });
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const [e] = o.result!.errors;
  assert.is(e!.message, "interrupted");
  assert.match(e!.location ?? "", /limits\.ts:\d+/);
  assert.is(metric(o.summary, "checks", "passes"), 5, "every other iteration completed");
  assert.is(metric(o.summary, "iterations", "count"), 6);
  // blockingTimeout is 500 ms: the run must not wait for anything like the 10 s default.
  assert.ok(o.elapsedMs < 5000, `took ${o.elapsedMs} ms`);
  assert.ok(metric(o.summary, "iteration_duration", "max")! >= 400, "the loop ran until the deadline");
});

test("a VU that allocates small objects past vuMemoryLimitMiB fails that iteration with out of memory; the run goes on", async () => {
  const o = await run({ MODE: "allocate", BLOCKING_TIMEOUT: "20s" });
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.equal(o.result!.errors.map((e) => [e.name, e.message]), [["InternalError", "out of memory"]]);
  assert.is(metric(o.summary, "checks", "passes"), 5);
  assert.ok(o.elapsedMs < 15000, `took ${o.elapsedMs} ms`);
});

test("the memory cap also bounds large arrays: an 8 MiB array fails under vuMemoryLimitMiB 8", async () => {
  const o = await run({ MODE: "allocate-large", BLOCKING_TIMEOUT: "20s" });
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  assert.equal(o.result!.errors.map((e) => e.message), ["out of memory"]);
  // Without a real cap the VU would fill its WebAssembly module (1 GiB) first.
  assert.ok((metric(o.summary, "allocated_mib", "count") ?? 0) <= 8, `allocated ${metric(o.summary, "allocated_mib", "count")} MiB`);
  assert.is(metric(o.summary, "checks", "passes"), 5);
});

test("deep recursion is a stack overflow error in that iteration, with a short stack, and the run goes on", async () => {
  const o = await run({ MODE: "recurse" });
  assert.is(o.exitCode, 0, o.logs.join("\n"));
  const [e] = o.result!.errors;
  assert.is(e!.message, "stack overflow");
  assert.match(e!.location ?? "", /limits\.ts:\d+/);
  assert.is(metric(o.summary, "checks", "passes"), 5);
  const logged = o.logs.join("\n");
  assert.ok(logged.length < 5000, `the log holds ${logged.length} characters of stack`);
});

test("a VU replaced after an interrupt still gets the setup data and runs normal iterations", async () => {
  const o = await run({ MODE: "spin" });
  // 2 VUs initialised, one replaced after the interrupt: 3 created, never more than 2 at once.
  assert.is(metric(o.summary, "vus_max", "max"), 2);
  assert.is(metric(o.summary, "checks", "fails") ?? 0, 0);
});

test.run();
