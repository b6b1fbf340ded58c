import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseCondition, parseThresholdKey, ThresholdSyntaxError } from "./threshold-parser.ts";

const valid: Array<[string, object]> = [
  ["p(95)<250", { aggregation: "p", percentile: 95, op: "<", value: 250 }],
  ["p(99.9) < 250", { aggregation: "p", percentile: 99.9, op: "<", value: 250 }],
  ["p(0)>=0", { aggregation: "p", percentile: 0, op: ">=", value: 0 }],
  ["p(100)<=1e3", { aggregation: "p", percentile: 100, op: "<=", value: 1000 }],
  ["rate>=0.95", { aggregation: "rate", op: ">=", value: 0.95 }],
  ["  avg  >  10.5 ", { aggregation: "avg", op: ">", value: 10.5 }],
  ["med<=3", { aggregation: "med", op: "<=", value: 3 }],
  ["min>-1", { aggregation: "min", op: ">", value: -1 }],
  ["max<.5", { aggregation: "max", op: "<", value: 0.5 }],
  ["count==0", { aggregation: "count", op: "==", value: 0 }],
  ["count===10", { aggregation: "count", op: "===", value: 10 }],
  ["value!=3", { aggregation: "value", op: "!=", value: 3 }],
];

for (const [source, expected] of valid) {
  test(`parseCondition() accepts ${JSON.stringify(source)}`, () => {
    assert.equal(parseCondition(source), { ...expected, source });
  });
}

const invalid: Array<[string, RegExp, string]> = [
  ["p(101)<250", /percentile 101 in "p\(101\)" is out of range/, "p(101)"],
  ["p(-1)<250", /out of range/, "a negative percentile"],
  ["p(abc)<250", /percentile "abc" in "p\(abc\)" is not a number/, "a non-numeric percentile"],
  ["p()<250", /percentile "" in "p\(\)" is not a number/, "an empty percentile"],
  ["p95<250", /unknown aggregation "p95"/, "p95 without parentheses"],
  ["mean<250", /unknown aggregation "mean"/, "an unknown aggregation"],
  ["rate 0.95", /missing comparison operator/, "a missing operator"],
  ["rate=0.95", /missing comparison operator/, "a single ="],
  ["<250", /missing aggregation/, "a missing aggregation"],
  ["avg<", /missing value after "<"/, "a missing value"],
  ["avg<fast", /value "fast" is not a number/, "a non-numeric value"],
  ["avg<10ms", /value "10ms" is not a number/, "a value with a unit"],
  ["avg<NaN", /value "NaN" is not a number/, "NaN"],
  ["avg<0x10", /value "0x10" is not a number/, "a hex value"],
];

for (const [source, message, what] of invalid) {
  test(`parseCondition() rejects ${what}: ${JSON.stringify(source)}`, () => {
    try {
      parseCondition(source);
      assert.unreachable("should have thrown");
    } catch (err) {
      assert.instance(err, ThresholdSyntaxError);
      const e = err as ThresholdSyntaxError;
      assert.match(e.message, message);
      assert.ok(e.message.includes(JSON.stringify(source)), `message quotes the input: ${e.message}`);
      assert.is(e.source, source);
    }
  });
}

test("parseCondition() points the column at the bad value", () => {
  try {
    parseCondition("avg < fast");
    assert.unreachable();
  } catch (err) {
    assert.is((err as ThresholdSyntaxError).column, 6);
  }
});

const keys: Array<[string, string, Record<string, string>]> = [
  ["http_req_duration", "http_req_duration", {}],
  [" checks ", "checks", {}],
  ["checks{scenario:burst}", "checks", { scenario: "burst" }],
  ["checks{scenario:burst,kind:data}", "checks", { scenario: "burst", kind: "data" }],
  ["checks{ scenario : burst , kind:data }", "checks", { scenario: "burst", kind: "data" }],
  ["http_req_duration{url:http://x:8080/a}", "http_req_duration", { url: "http://x:8080/a" }],
  [`http_reqs{"status":'200'}`, "http_reqs", { status: "200" }],
];

for (const [key, metric, filter] of keys) {
  test(`parseThresholdKey() splits ${JSON.stringify(key)}`, () => {
    assert.equal(parseThresholdKey(key), { metric, filter });
  });
}

const badKeys: Array<[string, RegExp]> = [
  ["checks{}", /empty tag filter/],
  ["checks{ }", /empty tag filter/],
  ["checks{scenario:burst", /unmatched curly brace/],
  ["checksscenario:burst}", /unmatched curly brace/],
  ["checks}scenario:burst{", /closing curly brace before the opening one/],
  ["checks{scenario:burst}x", /text after the closing curly brace/],
  ["checks{scenario}", /tag "scenario" has no ":"/],
  ["checks{scenario:}", /tag "scenario" has an empty value/],
  ["checks{:burst}", /empty name/],
  ["checks{a:b,}", /tag "" has no ":"/],
  ["{a:b}", /empty metric name/],
  ["", /empty metric name/],
];

for (const [key, message] of badKeys) {
  test(`parseThresholdKey() rejects ${JSON.stringify(key)}`, () => {
    assert.throws(() => parseThresholdKey(key), (err: Error) => err instanceof ThresholdSyntaxError && message.test(err.message));
  });
}

test.run();
