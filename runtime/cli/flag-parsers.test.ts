import { InvalidArgumentError } from "commander";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { durationMs, envPair, integer, nonNegativeInt, nonNegativeNumber, positiveInt, thresholdPair } from "./flag-parsers.ts";

function refused(parse: () => unknown, message: string): void {
  assert.throws(parse, (e: Error) => e instanceof InvalidArgumentError && e.message === message);
}

test("the number parsers take what their name says and name the flag otherwise", () => {
  assert.is(positiveInt("--vus")("50"), 50);
  refused(() => positiveInt("--vus")("0"), '--vus must be a positive integer, got "0"');
  refused(() => positiveInt("--nodes")("1.5"), '--nodes must be a positive integer, got "1.5"');
  assert.is(nonNegativeInt("--total")("0"), 0);
  refused(() => nonNegativeInt("--total")("-1"), '--total must be a whole number >= 0, got "-1"');
  assert.is(integer("--max-retries")("-1"), -1);
  refused(() => integer("--max-retries")(""), '--max-retries must be a whole number, got ""');
  assert.is(nonNegativeNumber("--rate")("12.5"), 12.5);
  refused(() => nonNegativeNumber("--rate")("fast"), '--rate must be a number >= 0, got "fast"');
});

test("durationMs() reads k6 durations, a bare number as seconds", () => {
  assert.is(durationMs("--timeout")("90s"), 90_000);
  assert.is(durationMs("--timeout")("30"), 30_000);
  assert.throws(() => durationMs("--timeout")("soon"), (e: Error) => e instanceof InvalidArgumentError && e.message.startsWith('--timeout: invalid duration "soon"'));
});

test("envPair() folds KEY=VALUE flags, keeping = in values", () => {
  assert.equal(envPair("B=x=y", envPair("A=1", {})), { A: "1", B: "x=y" });
  refused(() => envPair("NOEQUALS", {}), 'expected KEY=VALUE, got "NOEQUALS"');
});

test("thresholdPair() splits METRIC=CONDITION at the key's end, so conditions keep their = signs", () => {
  let t = thresholdPair("checks=rate==1", {});
  t = thresholdPair("k8s_request_duration{verb:LIST}=p(95)<=500", t);
  t = thresholdPair("checks = rate>0.9", t);
  t = thresholdPair("k8s_requests{url:GET /x?a=b}=count>0", t);
  assert.equal(t, { checks: ["rate==1", "rate>0.9"], "k8s_request_duration{verb:LIST}": ["p(95)<=500"], "k8s_requests{url:GET /x?a=b}": ["count>0"] });
  for (const bad of ["checks", "=rate>0", "checks="]) {
    refused(() => thresholdPair(bad, {}), `expected METRIC=CONDITION such as 'k8s_request_duration=p(95)<500', got "${bad}"`);
  }
});

test.run();
