import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildSummary } from "./build-summary.ts";
import { humanizeBytes, humanizeDuration, humanizeValue, renderTextSummary } from "./render-text.ts";
import { sampleRun } from "./test-fixture.ts";
import { MetricsEngine } from "../../metrics/engine.ts";
import { MetricRegistry } from "../../metrics/metric.ts";
import { TagRegistry } from "../../metrics/tags.ts";
import { ThresholdSet } from "../../metrics/thresholds.ts";

function render(color: boolean): string {
  const { metrics, engine, results } = sampleRun();
  return renderTextSummary(buildSummary({ engine, metrics, thresholds: results, elapsedMs: 2000, options: {} }), { color });
}

test("renderTextSummary() draws k6's classic summary", () => {
  const expected = [
    "",
    "     ✓ status is 200",
    "",
    "     █ create",
    "",
    "       ✗ vmi running",
    "        ↳  50% — ✓ 1 / ✗ 1",
    "",
    "       █ nested",
    "",
    "         ✓ deep",
    "",
    "     █ empty",
    "",
    "     checks.................: 80.00% ✓ 4      ✗ 1",
    "     ✗ { scenario:burst }...: 66.66% ✓ 2      ✗ 1",
    "     data_received..........: 12 kB  6.2 kB/s",
    "     group_duration.........: avg=3ms  min=3ms  med=3ms  max=3ms   p(90)=3ms  p(95)=3ms",
    "   ✓ http_req_duration......: avg=55ms min=10ms med=55ms max=100ms p(90)=91ms p(95)=95.49ms",
    "     - { scenario:none }....: avg=0s   min=0s   med=0s   max=0s    p(90)=0s   p(95)=0s",
    "     vus....................: 5      min=5    max=5",
    "",
    "   - thresholds not evaluated:",
    '     http_req_duration{scenario:none} "max<1": http_req_duration has no samples',
    "",
  ].join("\n");
  assert.fixture(render(false), expected);
});

test("renderTextSummary() without color has no ANSI escapes; with color it has", () => {
  assert.not.match(render(false), "\x1b[");
  const colored = render(true);
  assert.match(colored, "\x1b[32m✓\x1b[0m http_req_duration");
  assert.match(colored, "\x1b[31m✗\x1b[0m { scenario:burst }");
});

test("renderTextSummary() aligns colons even with colour on", () => {
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  assert.is(strip(render(true)), render(false));
});

test("renderTextSummary() reports an aborted run first and last", () => {
  const { metrics, engine } = sampleRun();
  const s = buildSummary({ engine, metrics, elapsedMs: 1, options: {}, aborted: { reason: "SIGINT" } });
  const lines = renderTextSummary(s, { color: false }).trim().split("\n");
  assert.is(lines[0]!.trim(), "✗ run aborted: SIGINT");
  assert.is(lines.at(-1)!.trim(), "✗ run aborted: SIGINT");
});

test("renderTextSummary() shows no ✓ for thresholds on metrics that got no samples, and says why", () => {
  const metrics = new MetricRegistry();
  const engine = new MetricsEngine(metrics, new TagRegistry());
  metrics.register("checks", "rate");
  metrics.register("vmi_creation_to_running_seconds", "trend");
  const thresholds = ThresholdSet.fromOptions({ checks: ["rate==1"], vmi_creation_to_running_seconds: ["p(50)<=45", "p(95)<=60"] }, metrics);
  const results = thresholds.evaluate(engine, 1000, { final: true });
  const text = renderTextSummary(buildSummary({ engine, metrics, thresholds: results, elapsedMs: 1000, options: {}, aborted: { reason: "setup() failed" } }), { color: false });
  assert.not.match(text, "✓");
  assert.match(text, /- checks\.+: no samples/);
  assert.match(text, "- vmi_creation_to_running_seconds");
  assert.match(text, 'vmi_creation_to_running_seconds "p(95)<=60": vmi_creation_to_running_seconds has no samples');
  assert.match(text, 'checks "rate==1": checks has no samples');
});

const durations: Array<[number, string]> = [
  [0, "0s"],
  [0.0005, "500ns"],
  [0.75, "750µs"], [0.0125, "12.5µs"],
  [1.2345, "1.23ms"],
  [999.999, "999.99ms"],
  [2500, "2.5s"],
  [59_999, "59.99s"],
  [63_000, "1m3s"],
  [90_500, "1m30s"],
  [3_723_000, "1h2m3s"],
];
for (const [ms, text] of durations) {
  test(`humanizeDuration(${ms}) is ${text}`, () => assert.is(humanizeDuration(ms), text));
}

test("humanizeDuration() honours summaryTimeUnit", () => {
  assert.is(humanizeDuration(1234.5, "s"), "1.23s");
  assert.is(humanizeDuration(1.5, "ms"), "1.50ms");
  assert.is(humanizeDuration(1.5, "us"), "1500.00µs");
});

const bytes: Array<[number, string]> = [
  [0, "0 B"],
  [9, "9 B"],
  [999, "999 B"],
  [12_345, "12 kB"],
  [1_500_000, "1.5 MB"],
  [2_000_000_000, "2.0 GB"],
];
for (const [n, text] of bytes) {
  test(`humanizeBytes(${n}) is ${text}`, () => assert.is(humanizeBytes(n), text));
}

test("humanizeValue() truncates rates instead of rounding", () => {
  assert.is(humanizeValue(0.99999, { type: "rate", contains: "default" }), "99.99%");
  assert.is(humanizeValue(1, { type: "rate", contains: "default" }), "100.00%");
});

test("humanizeValue() prints plain numbers with up to 6 decimals", () => {
  assert.is(humanizeValue(1 / 3, { type: "counter", contains: "default" }), "0.333333");
  assert.is(humanizeValue(42, { type: "gauge", contains: "default" }), "42");
});

test.run();
