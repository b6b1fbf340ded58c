// The scaling milestones' rules, observation by observation (no cluster): the baseline is the count when the load
// starts, a scale-up is the first count above it, a higher maximum moves the maximum and clears the scale-down seen
// for a lower one, back-down is the first count at or below the baseline after the maximum.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MilestoneTracker } from "../../runtime/kube/scaling-milestones.ts";

const START = 1_000_000;

test("counts before the load set the baseline; the milestones count from the load's start", () => {
  const m = new MilestoneTracker();
  assert.equal(m.observe(START - 5000, 1, undefined), [], "before the load is known to have started");
  assert.equal(m.observe(START - 1000, 2, START), [], "before the load's start");
  assert.equal(m.observe(START + 3000, 4, START), ["scaleUp", "max"]);
  assert.equal(m.observe(START + 5000, 6, START), ["max"]);
  assert.equal(m.observe(START + 9000, 5, START), ["scaleDown"]);
  assert.equal(m.observe(START + 12000, 3, START), []);
  assert.equal(m.observe(START + 15000, 2, START), ["backToBaseline"]);
  assert.equal(m.milestones(true), { baseline: 2, max: 6, final: 2, scaleUpMs: 3000, maxMs: 5000, scaleDownMs: 9000, backToBaselineMs: 15000 });
});

test("a higher maximum after a scale-down moves the maximum and clears the scale-down of the lower one", () => {
  const m = new MilestoneTracker();
  m.observe(START, 1, START);
  m.observe(START + 1000, 3, START);
  m.observe(START + 2000, 1, START);
  assert.equal(m.milestones(true).backToBaselineMs, 2000);
  assert.equal(m.observe(START + 3000, 5, START), ["max"]);
  const mid = m.milestones(true);
  assert.equal([mid.scaleUpMs, mid.maxMs, mid.scaleDownMs, mid.backToBaselineMs], [1000, 3000, null, null]);
  m.observe(START + 4000, 1, START);
  assert.equal(m.milestones(true), { baseline: 1, max: 5, final: 1, scaleUpMs: 1000, maxMs: 3000, scaleDownMs: 4000, backToBaselineMs: 4000 });
});

test("no change during the load: the baseline is the count before it, nothing else is reached", () => {
  const m = new MilestoneTracker();
  m.observe(START - 100, 2, undefined);
  assert.equal(m.milestones(false).baseline, null, "no baseline while the load has not started");
  assert.equal(m.milestones(true), { baseline: 2, max: 2, final: 2, scaleUpMs: null, maxMs: null, scaleDownMs: null, backToBaselineMs: null });
});

test("a workload that appears during the load starts from its first count", () => {
  const m = new MilestoneTracker();
  assert.equal(m.observe(START + 2000, 2, START), []);
  assert.equal(m.observe(START + 4000, 3, START), ["scaleUp", "max"]);
  assert.equal(m.milestones(true).baseline, 2);
});

test.run();
