import { test } from "uvu";
import * as assert from "uvu/assert";
import { formatGoDuration, parseGoDuration } from "./go-duration.ts";

const READS: Array<[unknown, number]> = [
  ["5m", 300_000],
  ["1h30m", 5_400_000],
  ["1.5s", 1500],
  ["250ms", 250],
  ["10us", 0.01],
  ["0", 0],
  [0, 0],
  // A bare YAML number is nanoseconds, as Go reads it.
  [5, 5e-6],
  [30e9, 30_000],
];
for (const [input, ms] of READS) {
  test(`parseGoDuration() reads ${JSON.stringify(input)} as ${ms} ms`, () => {
    assert.is(parseGoDuration(input, "f"), ms);
  });
}

test("parseGoDuration() names the field and quotes what it cannot read", () => {
  for (const bad of ["soon", "", "5x", true, null, ["5m"]]) {
    assert.throws(() => parseGoDuration(bad, "workloads[0].maxWaitTimeout"), (e: Error) => e.message === `workloads[0].maxWaitTimeout: expected a duration such as "5m", got ${JSON.stringify(bad)}`);
  }
});

test("formatGoDuration() prints as Go's Duration.String()", () => {
  assert.equal([350, 999.5, 1000, 62_500, 3_723_000].map(formatGoDuration), ["350ms", "999.5ms", "1s", "1m2.5s", "1h2m3s"]);
});

test.run();
