// `--execution-segment`: runs of every segment of a sequence do together exactly what one run does, with VU and
// iteration numbers unique across them; bad segments are refused naming the flag or option.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fixture, metric, runCli, runScenario, seriesOf, tempScenario } from "../fixtures/run-scenario.ts";

const SEQUENCE = "0,1/4,2/4,3/4,1";
const SEGMENTS = ["0:1/4", "1/4:2/4", "2/4:3/4", "3/4:1"];

const runSegment = (script: string, segment: string, sequence = SEQUENCE) =>
  runScenario(script, { cli: { executionSegment: segment, executionSegmentSequence: sequence } });

const keys = (o: Awaited<ReturnType<typeof runScenario>>, name: string, tag: string) => seriesOf(o, name).map((s) => Number(s.tags[tag]));

test("the four quarters of a shared-iterations scenario run its 40 iterations exactly once between them", async () => {
  const runs = [];
  for (const segment of SEGMENTS) runs.push(await runSegment(fixture("segment-ids.ts"), segment));
  for (const r of runs) assert.is(r.exitCode, 0, r.logs.join("\n"));
  assert.equal(runs.map((r) => metric(r.summary, "iterations", "count")), [10, 10, 10, 10]);
  const iterations = runs.flatMap((r) => keys(r, "by_iteration", "iteration")).sort((a, b) => a - b);
  assert.equal(iterations, Array.from({ length: 40 }, (_, i) => i), "exec.scenario.iterationInTest: every number once");
});

test("exec.vu.idInTest is unique across the segments; idInInstance counts from 1 in each", async () => {
  const runs = [];
  for (const segment of SEGMENTS) runs.push(await runSegment(fixture("segment-ids.ts"), segment));
  const ids = runs.flatMap((r) => keys(r, "by_vu", "vu")).sort((a, b) => a - b);
  assert.equal(ids, [1, 2, 3, 4]);
  for (const r of runs) assert.equal(keys(r, "by_vu_in_instance", "vu"), [1]);
});

test("a segment of a per-vu-iterations scenario runs its share of the VUs, each doing every iteration", async () => {
  const script = tempScenario(`export const options = { scenarios: { s: { executor: "per-vu-iterations", vus: 3, iterations: 4 } } };\nexport default async function () {}\n`);
  const counts = [];
  for (const segment of SEGMENTS) counts.push(metric((await runSegment(script, segment)).summary, "iterations", "count") ?? 0);
  assert.is(counts.reduce((a, b) => a + b, 0), 12);
  assert.ok(counts.every((n) => n % 4 === 0), `each VU runs all 4 iterations: ${counts}`);
});

test("options.executionSegment and executionSegmentSequence work like the flags", async () => {
  const script = tempScenario(
    `export const options = { executionSegment: "1/2:1", executionSegmentSequence: "0,1/2,1", scenarios: { s: { executor: "shared-iterations", vus: 2, iterations: 9 } } };\nexport default async function () {}\n`,
  );
  const r = await runScenario(script);
  assert.is(r.exitCode, 0, r.logs.join("\n"));
  assert.is(metric(r.summary, "iterations", "count"), 4, "the second half of 9 iterations on 2 VUs");
});

for (const [flags, message] of [
  [["--execution-segment", "1/4:1/8"], /--execution-segment: "1\/4:1\/8": the segment's start \(1\/4\) must be below its end \(1\/8\)/],
  [["--execution-segment", "1/2:3/2"], /--execution-segment: "1\/2:3\/2": the segment's end must be at most 1/],
  [["--execution-segment", "1/4:1/2", "--execution-segment-sequence", "0,1/3,2/3,1"], /--execution-segment: the segment 1\/4:1\/2 is not one of the sequence 0,1\/3,2\/3,1/],
  [["--execution-segment-sequence", "0,1/2,1"], /--execution-segment-sequence: needs an execution segment too/],
  [["--execution-segment", "1/2", "--execution-segment-sequence", "0,1/2,1/4"], /--execution-segment-sequence: "0,1\/2,1\/4": points 2 and 3/],
] as const) {
  test(`loadgen run ${flags.join(" ")} is refused with a message naming the flag, exit 104`, async () => {
    const r = await runCli(["run", "--quiet", ...flags, fixture("segment-ids.ts")]);
    assert.is(r.exitCode, 104, r.stderr);
    assert.match(r.stderr, message);
  });
}

test("a bad options.executionSegment is refused naming the option", async () => {
  const script = tempScenario(`export const options = { executionSegment: "3/4:1/4" };\nexport default async function () {}\n`);
  const r = await runScenario(script);
  assert.is(r.exitCode, 104);
  assert.match(r.error!, /executionSegment: "3\/4:1\/4": the segment's start/);
});

test.run();
