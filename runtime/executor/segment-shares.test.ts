// Each executor's share of a scenario for one execution segment: the segments of a sequence add up EXACTLY to the
// whole (iterations, VUs, maxVUs, arrivals), every share is deterministic, and the arrival offsets are k6's (the
// values below come from k6's own executor tests). The cases k6 had bugs for are specified here: a segment that gets
// work but no VU to do it (k6 #1308), and maxVUs shares adding up to more than maxVUs (k6 #997).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type {
  ConstantArrivalRateConfig,
  ConstantVusConfig,
  PerVuIterationsConfig,
  RampingArrivalRateConfig,
  RampingVusConfig,
  SharedIterationsConfig,
} from "../config/scenario-config.ts";
import { ExecutionSegment, parseSequence } from "../segment/execution-segment.ts";
import { ExecutionTuple } from "../segment/execution-tuple.ts";
import { SegmentedIndex } from "../segment/segmented-index.ts";
import { arrivalShare, arrivalTimes } from "./arrivals.ts";
import { constantVus } from "./constant-vus.ts";
import { perVuIterationsShare } from "./per-vu-iterations.ts";
import { rampingVusShare } from "./ramping-vus.ts";
import { sharedIterationsShare } from "./shared-iterations.ts";
import { valueAt } from "./stages.ts";

const base = { name: "s", startTimeMs: 0, gracefulStopMs: 30_000, exec: "default", env: {}, tags: {} };

/** The tuples of every segment of `sequence`. */
function segmentsOf(sequence: string): ExecutionTuple[] {
  const seq = parseSequence(sequence);
  return seq.map((s) => ExecutionTuple.of(s, seq));
}

const tuple = (segment: string, sequence?: string) => ExecutionTuple.of(ExecutionSegment.parse(segment), sequence ? parseSequence(sequence) : undefined);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const SEQUENCES = ["0,1/3,2/3,1", "0,1/4,2/4,3/4,1", "0,1/2,3/4,1", "0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0,1/7,1"];

test("shared-iterations: 200 iterations over 3 segments are exactly 200, and the VUs exactly the VUs", () => {
  const c: SharedIterationsConfig = { ...base, executor: "shared-iterations", vus: 10, iterations: 200, maxDurationMs: 60_000 };
  const shares = segmentsOf("0,1/3,2/3,1").map((t) => sharedIterationsShare(c, t));
  // As in k6, iterations follow the VUs: the thirds get 4, 3 and 3 of the 10 VUs, so 80, 60 and 60 iterations.
  assert.equal(shares.map((s) => s.vus), [4, 3, 3]);
  assert.equal(shares.map((s) => s.iterations), [80, 60, 60]);
  assert.is(sum(shares.map((s) => s.iterations)), 200);
  assert.is(sum(shares.map((s) => s.vus)), 10);
});

test("shared-iterations: the shares add up for every sequence and many sizes", () => {
  for (const seq of SEQUENCES) {
    for (const vus of [1, 2, 3, 5, 7, 10, 33]) {
      for (const iterations of [vus, vus + 1, 99, 200, 1001]) {
        const c: SharedIterationsConfig = { ...base, executor: "shared-iterations", vus, iterations, maxDurationMs: 60_000 };
        const shares = segmentsOf(seq).map((t) => sharedIterationsShare(c, t));
        assert.is(sum(shares.map((s) => s.iterations)), iterations, `${seq}: ${iterations} iterations on ${vus} VUs`);
        assert.is(sum(shares.map((s) => s.vus)), vus, `${seq}: ${vus} VUs`);
      }
    }
  }
});

test("shared-iterations: a segment without a VU gets no iteration; the segments with VUs do them all (k6 #1308)", () => {
  const c: SharedIterationsConfig = { ...base, executor: "shared-iterations", vus: 2, iterations: 100, maxDurationMs: 60_000 };
  const shares = segmentsOf("0,1/4,2/4,3/4,1").map((t) => sharedIterationsShare(c, t));
  for (const s of shares) assert.ok(s.vus > 0 || s.iterations === 0, `a segment has ${s.iterations} iterations and no VU`);
  assert.equal(shares.map((s) => s.vus), [1, 1, 0, 0]);
  assert.is(sum(shares.map((s) => s.iterations)), 100);
});

test("shared-iterations: iteration numbers of the segments are disjoint and cover the whole test", () => {
  const c: SharedIterationsConfig = { ...base, executor: "shared-iterations", vus: 3, iterations: 30, maxDurationMs: 60_000 };
  const numbers = segmentsOf("0,1/4,2/4,3/4,1").flatMap((t) => {
    const share = sharedIterationsShare(c, t);
    if (share.stripe === undefined) return [];
    const index = new SegmentedIndex(share.stripe);
    return Array.from({ length: share.iterations }, () => index.next() - 1);
  });
  assert.equal(numbers.sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
});

test("per-vu-iterations: the segments share the VUs; each VU runs every iteration (k6: scaling both would be quadratic)", () => {
  const c: PerVuIterationsConfig = { ...base, executor: "per-vu-iterations", vus: 5, iterations: 7, maxDurationMs: 60_000 };
  for (const seq of SEQUENCES) {
    const shares = segmentsOf(seq).map((t) => perVuIterationsShare(c, t));
    assert.is(sum(shares.map((s) => s.vus * s.iterations)), 35, seq);
    assert.ok(shares.every((s) => s.iterations === 7));
  }
});

test("constant-vus: the segments' VUs add up to the scenario's", () => {
  for (const seq of SEQUENCES) {
    for (const vus of [1, 2, 3, 10, 101]) {
      const c: ConstantVusConfig = { ...base, executor: "constant-vus", vus, durationMs: 1000 };
      assert.is(sum(segmentsOf(seq).map((t) => constantVus.plannedVus(c, t))), vus, `${seq}: ${vus}`);
    }
  }
});

test("ramping-vus: at every instant the segments' VUs add up to the target, so the stages keep their shape", () => {
  const c: RampingVusConfig = {
    ...base, executor: "ramping-vus", startVUs: 3, gracefulRampDownMs: 0,
    stages: [{ durationMs: 10_000, target: 17 }, { durationMs: 5_000, target: 17 }, { durationMs: 10_000, target: 2 }, { durationMs: 0, target: 9 }],
  };
  for (const seq of SEQUENCES) {
    const shares = segmentsOf(seq).map((t) => rampingVusShare(c, t));
    assert.is(sum(shares.map((s) => s.slots)), 17, `${seq}: slots`);
    let previous: number[] | undefined;
    for (let t = 0; t <= 25_000; t += 250) {
      const target = Math.floor(valueAt(c.startVUs, c.stages, t) + 1e-9);
      const vus = shares.map((s) => s.vusFor(target));
      assert.is(sum(vus), target, `${seq} at ${t} ms`);
      // Each segment ramps the way the whole ramps: up while it goes up, down while it goes down.
      if (previous !== undefined && t <= 10_000) vus.forEach((v, i) => assert.ok(v >= previous![i]!, `${seq}: segment ${i} fell while the ramp rose`));
      if (previous !== undefined && t > 15_000 && t < 25_000) vus.forEach((v, i) => assert.ok(v <= previous![i]!, `${seq}: segment ${i} rose while the ramp fell`));
      previous = vus;
    }
  }
});

test("arrival rates: maxVUs and preAllocatedVUs shares add up exactly, never past the whole (k6 #997)", () => {
  for (const seq of SEQUENCES) {
    for (const [pre, max] of [[1, 1], [1, 3], [4, 10], [10, 20], [7, 100]] as const) {
      const shares = segmentsOf(seq).map((t) => arrivalShare({ preAllocatedVUs: pre, maxVUs: max }, t));
      assert.is(sum(shares.map((s) => s.maxVUs)), max, `${seq}: maxVUs ${max}`);
      assert.is(sum(shares.map((s) => s.preAllocatedVUs)), pre, `${seq}: preAllocatedVUs ${pre}`);
      for (const s of shares) {
        assert.ok(s.preAllocatedVUs <= s.maxVUs, `${seq}: a segment pre-allocates ${s.preAllocatedVUs} of at most ${s.maxVUs} VUs`);
        // A segment that may have no VU starts no arrival: no work without a VU to do it (k6 #1308).
        assert.is(s.stripe === undefined, s.maxVUs === 0, `${seq}: a segment with ${s.maxVUs} maxVUs`);
      }
    }
  }
});

test("constant-arrival-rate: 100/s over 4 segments starts exactly the one-instance arrivals, each once, at its time", () => {
  const c: ConstantArrivalRateConfig = { ...base, executor: "constant-arrival-rate", rate: 100, timeUnitMs: 1000, durationMs: 10_000, preAllocatedVUs: 4, maxVUs: 8 };
  const stages = [{ durationMs: c.durationMs, target: c.rate }];
  const whole = [...arrivalTimes(c.rate, stages, c.timeUnitMs, ExecutionTuple.whole, 0)];
  assert.is(whole.length, 1000);
  const split = segmentsOf("0,1/4,2/4,3/4,1").map((t) => [...arrivalTimes(c.rate, stages, c.timeUnitMs, arrivalShare(c, t).stripe, 0)]);
  assert.equal(split.map((s) => s.length), [250, 250, 250, 250]);
  assert.equal(split.flat().sort((a, b) => a - b), whole);
});

test("constant-arrival-rate: a segment's arrivals are at k6's offsets (k6's TestConstantArrivalRateRunCorrectTiming)", () => {
  // 50/s for 5 s, preAllocatedVUs 10, maxVUs 20: the arrivals are 20 ms apart in the whole test.
  const c: ConstantArrivalRateConfig = { ...base, executor: "constant-arrival-rate", rate: 50, timeUnitMs: 1000, durationMs: 5000, preAllocatedVUs: 10, maxVUs: 20 };
  const cases: Array<[string, string | undefined, number, number[]]> = [
    ["0:1/3", undefined, 20, [40, 60, 60, 60, 60, 60, 60]],
    ["1/3:2/3", undefined, 20, [60, 60, 60, 60, 60, 60, 40]],
    ["2/3:1", undefined, 20, [40, 60, 60, 60, 60, 60, 60]],
    ["1/6:3/6", undefined, 20, [40, 80, 40, 80, 40, 80, 40]],
    ["1/6:3/6", "1/6,3/6", 20, [40, 80, 40, 80, 40, 80, 40]],
    ["0:1/3", "0,1/3,2/3,1", 0, [60, 60, 60, 60, 60, 60, 40]],
    ["1/3:2/3", "0,1/3,2/3,1", 20, [60, 60, 60, 60, 60, 60, 40]],
    ["2/3:1", "0,1/3,2/3,1", 40, [60, 60, 60, 60, 60, 100]],
  ];
  for (const [segment, sequence, start, steps] of cases) {
    const share = arrivalShare(c, tuple(segment, sequence));
    const times = arrivalTimes(c.rate, [{ durationMs: c.durationMs, target: c.rate }], c.timeUnitMs, share.stripe, 0);
    let expected = start;
    for (let n = 0; n < 20; n++) {
      const got = times.next().value as number;
      assert.ok(Math.abs(got - expected) < 1e-6, `${segment} in ${sequence ?? "(no sequence)"}: arrival ${n} at ${got} ms, k6 starts it at ${expected} ms`);
      expected += steps[n % steps.length]!;
    }
  }
});

test("ramping-arrival-rate: arrival times match k6's TestRampingArrivalRateCal", () => {
  const stages = [{ durationMs: 5000, target: 1 }, { durationMs: 1000, target: 1 }, { durationMs: 5000, target: 0 }];
  const cases: Array<[ExecutionTuple, number, number[]]> = [
    [ExecutionTuple.whole, 1000, [3162, 4472, 5500, 6527, 7837, 11000]],
    [tuple("0:1/3"), 1000, [4472, 7837]],
    [tuple("0:1/3", "0,1/3,1"), 1000, [4472, 7837]],
    [tuple("1/3:2/3"), 1000, [4472, 7837]],
    [tuple("2/3:1"), 1000, [4472, 7837]],
    [tuple("0:1/3", "0,1/3,2/3,1"), 1000, [3162, 6527]],
    [tuple("1/3:2/3", "0,1/3,2/3,1"), 1000, [4472, 7837]],
    [tuple("2/3:1", "0,1/3,2/3,1"), 1000, [5500, 11000]],
    [ExecutionTuple.whole, 1000 / 3, [1825, 2581, 3162, 3651, 4082, 4472, 4830, 5166, 5499, 5833, 6169, 6527, 6917, 7348, 7837, 8418, 9174, 10999]],
  ];
  for (const [t, timeUnitMs, expected] of cases) {
    const got = [...arrivalTimes(0, stages, timeUnitMs, t, 1)];
    assert.is(got.length, expected.length, `${t}: ${got.map(Math.round)}`);
    got.forEach((ms, i) => assert.ok(Math.abs(ms - expected[i]!) / expected[i]! < 0.001, `${t}: arrival ${i} at ${ms} ms, k6: ${expected[i]} ms`));
  }
});

test("ramping-arrival-rate: the segments of a sequence start every arrival of the whole test exactly once", () => {
  const c: RampingArrivalRateConfig = {
    ...base, executor: "ramping-arrival-rate", startRate: 5, timeUnitMs: 1000, preAllocatedVUs: 3, maxVUs: 9,
    stages: [{ durationMs: 3000, target: 40 }, { durationMs: 2000, target: 40 }, { durationMs: 0, target: 10 }, { durationMs: 4000, target: 0 }],
  };
  const whole = [...arrivalTimes(c.startRate, c.stages, c.timeUnitMs, ExecutionTuple.whole, 1)];
  assert.is(whole.length, Math.floor(((5 + 40) / 2) * 3 + 40 * 2 + (10 / 2) * 4));
  for (const seq of SEQUENCES) {
    const split = segmentsOf(seq).flatMap((t) => [...arrivalTimes(c.startRate, c.stages, c.timeUnitMs, arrivalShare(c, t).stripe, 1)]);
    assert.equal(split.sort((a, b) => a - b), whole, seq);
  }
});

test("shares are deterministic: the same segment computes the same share every time", () => {
  const c: ConstantArrivalRateConfig = { ...base, executor: "constant-arrival-rate", rate: 37, timeUnitMs: 1000, durationMs: 3000, preAllocatedVUs: 3, maxVUs: 7 };
  const once = () => [...arrivalTimes(c.rate, [{ durationMs: c.durationMs, target: c.rate }], c.timeUnitMs, arrivalShare(c, tuple("1/3:2/3", "0,1/3,2/3,1")).stripe, 0)];
  assert.equal(once(), once());
  const si: SharedIterationsConfig = { ...base, executor: "shared-iterations", vus: 7, iterations: 101, maxDurationMs: 60_000 };
  assert.equal(sharedIterationsShare(si, tuple("1/4:2/4", "0,1/4,2/4,3/4,1")).iterations, sharedIterationsShare(si, tuple("1/4:2/4", "0,1/4,2/4,3/4,1")).iterations);
});

test("VU numbers of the segments are disjoint: exec.vu.idInTest is unique across instances", () => {
  const ids = segmentsOf("0,1/4,2/4,3/4,1").flatMap((t) => {
    const index = new SegmentedIndex(t);
    return Array.from({ length: t.scale(40) }, () => index.next());
  });
  assert.equal(ids.sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
});

test.run();
