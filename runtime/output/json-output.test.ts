import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { gunzipSync } from "node:zlib";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import { createJsonOutput } from "./json-output.ts";

const dir = mkdtempSync(join(tmpdir(), "loadgen-json-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function run(path: string, thresholds?: Record<string, string[]>) {
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  const engine = new MetricsEngine(metrics, tags);
  const out = createJsonOutput(path, thresholds ? { thresholds } : {});
  await out.start();
  engine.attachOutput(out);
  const checks = metrics.register("checks", "rate");
  const dur = metrics.register("k8s_req_duration", "trend", "time");
  const t = tags.empty.with("scenario", "burst");
  engine.add(checks, t.with("check", "ok"), 1);
  engine.add(dur, t, 12.5);
  engine.flush();
  engine.add(checks, t.with("check", "ok"), 0);
  engine.flush();
  await out.stop();
}

function parseLines(text: string): any[] {
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

test("json output writes k6's Metric and Point lines", async () => {
  const path = join(dir, "out.ndjson");
  await run(path, { checks: ["rate>0.9"] });
  const lines = parseLines(readFileSync(path, "utf8"));
  assert.is(lines.length, 5);
  assert.equal(lines[0], {
    type: "Metric",
    data: { name: "checks", type: "rate", contains: "default", thresholds: ["rate>0.9"], submetrics: null },
    metric: "checks",
  });
  assert.equal(lines[1].type, "Point");
  assert.equal(lines[1].metric, "checks");
  assert.equal(lines[1].data.value, 1);
  assert.equal(lines[1].data.tags, { scenario: "burst", check: "ok" });
  assert.ok(!Number.isNaN(Date.parse(lines[1].data.time)));
  assert.equal(lines[2].data, { name: "k8s_req_duration", type: "trend", contains: "time", thresholds: [], submetrics: null });
  assert.equal(lines[3].data.value, 12.5);
  assert.equal(lines.filter((l) => l.type === "Metric").length, 2, "a metric is defined once");
  assert.equal(lines[4].data.value, 0);
});

test("json output gzips when the path ends in .gz", async () => {
  const path = join(dir, "out.ndjson.gz");
  await run(path);
  const lines = parseLines(gunzipSync(readFileSync(path)).toString("utf8"));
  assert.is(lines.length, 5);
  assert.is(lines[0].type, "Metric");
});

test("json output start() fails naming the path when the file cannot be created", async () => {
  const path = join(dir, "missing", "out.ndjson");
  const out = createJsonOutput(path);
  try {
    await out.start();
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, `json output ${JSON.stringify(path)}: ENOENT`);
  }
});

test("json output '-' writes to the given stdout and describes itself", async () => {
  const stdout = new PassThrough();
  let text = "";
  stdout.on("data", (b) => (text += b));
  const out = createJsonOutput("-", { stdout });
  assert.is(out.describe(), "json (stdout)");
  assert.is(createJsonOutput("a.json").describe(), "json (a.json)");
  await out.start();
  const metrics = new MetricRegistry();
  const tags = new TagRegistry();
  out.add([{ metric: metrics.register("x", "counter"), tags: tags.empty, value: 3, time: 0 }]);
  await out.stop();
  assert.is(
    text,
    '{"type":"Metric","data":{"name":"x","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"x"}\n' +
      '{"metric":"x","type":"Point","data":{"time":"1970-01-01T00:00:00.000Z","value":3,"tags":{}}}\n',
  );
});

test.run();
