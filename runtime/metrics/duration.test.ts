import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseDuration } from "./duration.ts";

const valid: Array<[string | number, number]> = [
  ["10s", 10_000],
  ["1m30s", 90_000],
  ["1h2m3s", 3_723_000],
  ["250ms", 250],
  ["1.5s", 1500],
  ["2d", 172_800_000],
  ["500us", 0.5],
  ["500µs", 0.5],
  ["1000000ns", 1],
  ["0s", 0],
  ["1500", 1500],
  [" 5s ", 5000],
  [250, 250],
  [0, 0],
];

for (const [input, ms] of valid) {
  test(`parseDuration() reads ${JSON.stringify(input)} as ${ms} ms`, () => {
    assert.is(parseDuration(input, "f"), ms);
  });
}

const invalid: Array<string | number> = ["5x", "", "s", "1m30", "-1s", "1.5", "ten seconds", -5, Number.NaN, Infinity];

for (const input of invalid) {
  test(`parseDuration() rejects ${JSON.stringify(input) ?? String(input)} naming the field`, () => {
    assert.throws(() => parseDuration(input, "scenarios.burst.duration"), (err: Error) => {
      return err.message.startsWith("scenarios.burst.duration: invalid duration ") && err.message.includes(String(input));
    });
  });
}

test("parseDuration() error quotes the bad input", () => {
  assert.throws(() => parseDuration("5x", "delayAbortEval"), /delayAbortEval: invalid duration "5x"/);
});

test("parseDuration() error points at the unreadable rest", () => {
  assert.throws(() => parseDuration("1m30", "d"), /cannot read "30"/);
});

test.run();
