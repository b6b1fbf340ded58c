// `loadgen run --workers N`: the test split over N local worker processes by execution segments, judged and
// summarised once on their merged metrics. Run through the built CLI, as a user runs it (`npm test` builds first).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fixture, repoRoot, runCli } from "../fixtures/run-scenario.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "loadgen-workers-"));
let n = 0;

interface Summary {
  metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  state: { aborted: boolean; abortReason?: string };
  extensions?: { workers?: { data: { startSkewMs?: number; runners: Array<{ name: string; segment: string; state: string; exitCode: number | null; iterations: number }> } } };
}

/** Runs the counts fixture with `args`, returning the exit code, the output and the exported summary. */
async function run(kind: string, args: readonly string[] = [], thresholds: Record<string, unknown> = {}) {
  const file = path.join(tmp, `summary-${n++}.json`);
  const r = await runCli(["run", "--quiet", "--summary-export", file, "-e", `KIND=${kind}`, "-e", `THRESHOLDS=${JSON.stringify(thresholds)}`, ...args, fixture("workers-counts.ts")]);
  let summary: Summary | undefined;
  try {
    summary = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    summary = undefined;
  }
  return { ...r, summary };
}

const count = (s: Summary | undefined, metric: string) => s?.metrics[metric]?.values.count ?? 0;
const runners = (s: Summary | undefined) => s?.extensions?.workers?.data.runners ?? [];

test("two workers run exactly the shared iterations one process runs, each iteration and VU number once", async () => {
  const one = await run("shared");
  const two = await run("shared", ["--workers", "2"]);
  assert.is(one.exitCode, 0, one.stderr);
  assert.is(two.exitCode, 0, two.stderr);
  assert.is(count(one.summary, "iterations"), 200);
  assert.is(count(two.summary, "iterations"), 200);
  assert.is(count(two.summary, "by_iteration"), 200);
  assert.equal(runners(two.summary).map((r) => [r.segment, r.state, r.exitCode]), [["0:1/2", "done", 0], ["1/2:1", "done", 0]]);
  assert.is(runners(two.summary).reduce((a, r) => a + r.iterations, 0), 200, "the per-worker table adds up to the total");
  assert.is(two.summary!.metrics["vus_max"]!.values.max, 4, "vus_max is the workers' VUs together");
  assert.type(two.summary!.extensions!.workers!.data.startSkewMs, "number", "the start skew is measured");
});

test("per-vu-iterations on two workers: every VU runs all of its iterations, as in one process", async () => {
  const one = await run("pervu");
  const two = await run("pervu", ["--workers", "2"]);
  assert.is(two.exitCode, 0, two.stderr);
  assert.is(count(one.summary, "iterations"), 15);
  assert.is(count(two.summary, "iterations"), 15);
});

test("constant-arrival-rate on two workers starts the same number of arrivals in total (run + dropped)", async () => {
  const one = await run("arrival");
  const two = await run("arrival", ["--workers", "2"]);
  assert.is(two.exitCode, 0, two.stderr);
  const arrivals = (s: Summary | undefined) => count(s, "iterations") + count(s, "dropped_iterations");
  assert.is(arrivals(one.summary), 80, "40/s for 2 s");
  assert.is(arrivals(two.summary), 80);
  assert.ok(runners(two.summary).every((r) => r.iterations > 0), "both workers started arrivals");
});

test("setup() runs once, in the coordinator, and its data reaches every worker's VUs; teardown and handleSummary run once", async () => {
  const r = await run("shared", ["--workers", "2"]);
  assert.is(r.exitCode, 0, r.stderr);
  assert.equal(r.summary!.metrics["checks"]!.values, { rate: 1, passes: 200, fails: 0 });
  assert.ok(runners(r.summary).every((w) => w.iterations > 0));
  assert.is(r.stdout, "handleSummary: iterations=200\n", "handleSummary ran once, on the merged data");
  assert.is(r.stderr.match(/teardown ran once with from-setup/g)?.length, 1, r.stderr);
  assert.is(r.stderr.match(/handleSummary ran/g)?.length, 1);
});

test("a threshold that fails only on the merged data exits 99, though each worker alone would pass it", async () => {
  // Each worker runs 100 iterations (< 150); the group runs 200.
  const r = await run("shared", ["--workers", "2"], { iterations: ["count<150"] });
  assert.is(r.exitCode, 99, r.stderr);
  assert.match(r.stderr, /thresholds failed: iterations/);
  assert.equal(r.summary!.metrics["iterations"]!.thresholds, { "count<150": { ok: false } });
  assert.ok(runners(r.summary).every((w) => w.iterations < 150));
});

test("abortOnFail on the merged data stops every worker, and the run still summarises and tears down", async () => {
  const file = path.join(tmp, "abort.json");
  const r = await runCli(["run", "--quiet", "--workers", "2", "--summary-export", file, "-e", "ABORT_AT=100", fixture("workers-long.ts")], { timeoutMs: 60_000 });
  assert.is(r.exitCode, 99, r.stderr);
  const s: Summary = JSON.parse(readFileSync(file, "utf8"));
  assert.ok(s.state.aborted);
  assert.match(s.state.abortReason!, /iterations/);
  assert.equal(runners(s).map((w) => w.state), ["stopped", "stopped"]);
  assert.ok(runners(s).every((w) => w.exitCode === 0), "the workers stopped when told and exited cleanly");
  assert.is(r.stderr.match(/teardown ran/g)?.length, 1);
});

test("test.abort() in one worker's VU stops the whole group with exit 108", async () => {
  const file = path.join(tmp, "vu-abort.json");
  const r = await runCli(["run", "--quiet", "--workers", "2", "--summary-export", file, "-e", "ABORT_IN_VU=2", fixture("workers-long.ts")], { timeoutMs: 60_000 });
  assert.is(r.exitCode, 108, r.stderr);
  const s: Summary = JSON.parse(readFileSync(file, "utf8"));
  assert.match(s.state.abortReason!, /worker \d: a VU asked to stop/);
  assert.equal(runners(s).map((w) => w.state).sort(), ["done", "stopped"], "the aborting worker is done, the other was stopped");
});

test("a worker killed mid-run fails the run at once, naming the worker, its segment and pid", async () => {
  const child = spawn(process.execPath, [path.join(repoRoot, "bin/loadgen.js"), "run", "--quiet", "--workers", "2", fixture("workers-long.ts")], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (c) => (stdout += c));
  const iterating = new Promise<void>((resolve) => {
    child.stderr.on("data", (c) => {
      stderr += c;
      if ((stderr.match(/iterating/g) ?? []).length >= 4) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  await iterating;
  // The coordinator's `loadgen runner` children are its workers (esbuild's service is a child too); kill the first.
  const pids = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(child.pid)], { encoding: "utf8" })
    .trim()
    .split("\n")
    .filter((line) => / runner /.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .sort((a, b) => a - b);
  assert.is(pids.length, 2, `workers: ${pids}`);
  process.kill(pids[0]!, "SIGKILL");
  const code = await exited;
  clearTimeout(guard);
  assert.is(code, 103, stderr);
  assert.match(stderr, new RegExp(`worker 1 \\(segment 0:1/2, pid ${pids[0]}\\) was killed by SIGKILL before it finished`));
  assert.match(stdout, /worker 1 +0:1\/2 +pid \d+ +lost/, "the per-worker table shows it lost");
  assert.match(stdout, /worker 2 +1\/2:1 +pid \d+ +stopped/, "and the other stopped");
  assert.throws(() => process.kill(pids[1]!, 0), "no worker is left running");
});

test("Ctrl-C (SIGINT to the whole process group) stops every worker; teardown and the summary still come", async () => {
  const child = spawn(process.execPath, [path.join(repoRoot, "bin/loadgen.js"), "run", "--quiet", "--workers", "2", fixture("workers-long.ts")], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (c) => (stdout += c));
  const iterating = new Promise<void>((resolve) => {
    child.stderr.on("data", (c) => {
      stderr += c;
      if ((stderr.match(/iterating/g) ?? []).length >= 4) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const guard = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 60_000);
  await iterating;
  process.kill(-child.pid!, "SIGINT");
  const code = await exited;
  clearTimeout(guard);
  assert.is(code, 105, stderr);
  assert.is(stderr.match(/teardown ran/g)?.length, 1);
  assert.match(stdout, /worker 1 +0:1\/2 +pid \d+ +stopped +0/);
  assert.match(stdout, /worker 2 +1\/2:1 +pid \d+ +stopped +0/);
});

test("--workers is refused where it cannot apply, naming the flag", async () => {
  const out = await runCli(["run", "--quiet", "--workers", "2", "--out", "json=x.ndjson", fixture("workers-counts.ts")]);
  assert.is(out.exitCode, 104);
  assert.match(out.stderr, /--out: a run with --workers has no samples to stream/);
  const segment = await runCli(["run", "--quiet", "--workers", "2", "--execution-segment", "1/2", fixture("workers-counts.ts")]);
  assert.is(segment.exitCode, 104);
  assert.match(segment.stderr, /--execution-segment: --workers splits the run into execution segments of its own/);
  const bad = await runCli(["run", "--quiet", "--workers", "none", fixture("workers-counts.ts")]);
  assert.is(bad.exitCode, 1);
  assert.match(bad.stderr, /--workers must be a positive integer, got "none"/);
});

test("--workers auto runs one worker per core", async () => {
  const r = await run("shared", ["--workers", "auto"]);
  assert.is(r.exitCode, 0, r.stderr);
  assert.is(runners(r.summary).length, os.availableParallelism());
  assert.is(count(r.summary, "iterations"), 200);
});

test.run();
