import { test } from "uvu";
import * as assert from "uvu/assert";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import { endOfTestOutput, finishOutputs, startOutputs } from "./end-of-test.ts";
import { endOfTestReport } from "./summary/test-fixture.ts";
import type { Output, SampleRecord } from "./types.ts";

test("startOutputs() starts every output and gives samples only to those that take them", async () => {
  const metrics = new MetricRegistry();
  const engine = new MetricsEngine(metrics, new TagRegistry());
  const c = metrics.register("c", "counter");
  const batches: (readonly SampleRecord[])[] = [];
  let started = 0;
  const sampling: Output = { describe: () => "s", start: async () => void started++, add: (b) => void batches.push(b), stop: async () => {} };
  const summaryOnly = endOfTestOutput("e", () => {});
  await startOutputs(engine, [sampling, summaryOnly]);
  engine.add(c, engine.tags.empty, 1);
  engine.flush();
  assert.is(started, 1);
  assert.is(batches.length, 1);
  assert.is(batches[0]!.length, 1);
});

test("a run with only end-of-test outputs buffers no samples", async () => {
  const metrics = new MetricRegistry();
  const engine = new MetricsEngine(metrics, new TagRegistry());
  const c = metrics.register("c", "counter");
  let seen = 0;
  const summaryOnly: Output = { ...endOfTestOutput("e", () => {}), add: undefined };
  await startOutputs(engine, [summaryOnly]);
  // Had the engine buffered for it, a later sample output would get these too.
  engine.add(c, engine.tags.empty, 1);
  const late: Output = { describe: () => "late", start: async () => {}, add: (b) => void (seen += b.length), stop: async () => {} };
  await startOutputs(engine, [late]);
  engine.flush();
  assert.is(seen, 0);
});

test("finishOutputs() hands the report to each output in order, logs one that fails, and stops them all", async () => {
  const order: string[] = [];
  const stopped: string[] = [];
  const make = (name: string, fail = false): Output => ({
    describe: () => name,
    start: async () => {},
    async endOfTest(r) {
      order.push(`${name}:${r.metadata.runId}`);
      if (fail) throw new Error("disk full");
    },
    stop: async () => void stopped.push(name),
  });
  const sampleOnly: Output = { describe: () => "samples", start: async () => {}, add: () => {}, stop: async () => void stopped.push("samples") };
  const logs: string[] = [];
  const ok = await finishOutputs([make("a"), make("b", true), sampleOnly, make("c")], endOfTestReport(), (l) => logs.push(l));
  assert.is(ok, false);
  assert.equal(order, ["a:run-1", "b:run-1", "c:run-1"]);
  assert.equal(stopped.sort(), ["a", "b", "c", "samples"]);
  assert.equal(logs, ["ERROR b: disk full"]);
  assert.is(await finishOutputs([make("d")], endOfTestReport(), () => {}), true);
});

test.run();
