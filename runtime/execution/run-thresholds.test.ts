import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidOptionsError } from "../errors.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { runThresholds } from "./run-thresholds.ts";

function metrics(): MetricRegistry {
  const m = new MetricRegistry();
  m.register("checks", "rate");
  m.register("k8s_requests", "counter");
  return m;
}

test("runThresholds() adds --threshold's conditions to the script's keys, and makes keys of its own", () => {
  const set = runThresholds({ checks: ["rate==1"] }, { checks: ["rate>0.5"], "k8s_requests{verb:list}": ["count>0"] }, metrics(), "s.ts");
  assert.equal(set.definitions.map((d) => [d.key, d.conditions.map((c) => c.condition.source)]), [["checks", ["rate==1", "rate>0.5"]], ["k8s_requests{verb:list}", ["count>0"]]]);
  assert.equal(runThresholds({}, undefined, metrics(), "s.ts").definitions, []);
});

test("runThresholds() names the source and every condition that does not parse or fit its metric", () => {
  try {
    runThresholds({}, { k8s_requests: ["p(95)<1"], checks: ["rate>>1"] }, metrics(), "profile.yaml");
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InvalidOptionsError);
    assert.match((e as InvalidOptionsError).message, "invalid options in profile.yaml");
    assert.match((e as InvalidOptionsError).message, "checks");
  }
  assert.throws(() => runThresholds({}, { k8s_requests: ["p(95)<1"] }, metrics(), "p.yaml"), (e: Error) => e instanceof InvalidOptionsError && /k8s_requests/.test(e.message));
});

test.run();
