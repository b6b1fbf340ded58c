// Segment arithmetic, checked against the values in k6's own tests (lib/execution_segment_test.go) and the tables in
// its documentation, so that loadgen and k6 instances given the same flags take the same share.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExecutionSegment, parseSequence } from "./execution-segment.ts";
import { ExecutionTuple } from "./execution-tuple.ts";
import { Rational } from "./rational.ts";
import { SegmentedIndex } from "./segmented-index.ts";

const tuple = (segment: string, sequence?: string) => ExecutionTuple.of(ExecutionSegment.parse(segment), sequence ? parseSequence(sequence) : undefined);

/** The first `n` whole-test item numbers (0-based) a segment owns. */
function items(t: ExecutionTuple, n: number): number[] {
  const index = new SegmentedIndex(t);
  return Array.from({ length: n }, () => index.next() - 1);
}

test("segments read k6's forms: fractions, decimals, percentages, and a lone end for 0:end", () => {
  assert.is(ExecutionSegment.parse("1/4:2/4").toString(), "1/4:1/2");
  assert.is(ExecutionSegment.parse("0.5:0.75").toString(), "1/2:3/4");
  assert.is(ExecutionSegment.parse("50%:75%").toString(), "1/2:3/4");
  assert.is(ExecutionSegment.parse("2/4:75%").toString(), "1/2:3/4");
  assert.is(ExecutionSegment.parse("20%").toString(), "0:1/5");
  assert.is(ExecutionSegment.parse("").toString(), "0:1");
});

test("a segment must lie in 0..1 and end after it starts", () => {
  assert.throws(() => ExecutionSegment.parse("1/4:1/8"), /start \(1\/4\) must be below its end \(1\/8\)/);
  assert.throws(() => ExecutionSegment.parse("1/2:3/2"), /end must be at most 1/);
  assert.throws(() => ExecutionSegment.parse("a:1"), /"a" is not a fraction/);
  assert.throws(() => ExecutionSegment.parse("1/0"), /divides by zero/);
});

test("a sequence needs two points, each above the one before", () => {
  assert.is(parseSequence("0,1/4,2/4,3/4,1").map(String).join(" "), "0:1/4 1/4:1/2 1/2:3/4 3/4:1");
  assert.throws(() => parseSequence("0"), /at least 2 points/);
  assert.throws(() => parseSequence("0,1/2,1/4"), /points 2 and 3 \(1\/2, 1\/4\)/);
});

test("a segment that is not in the sequence is refused", () => {
  assert.throws(() => tuple("1/4:1/2", "0,1/3,2/3,1"), /the segment 1\/4:1\/2 is not one of the sequence 0,1\/3,2\/3,1/);
});

test("striped offsets match k6's TestGetStripedOffsets", () => {
  const cases: Array<[string | undefined, string, number, number[], number]> = [
    ["0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, [4, 3, 3], 10],
    ["0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, [4, 6], 10],
    ["0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6", 2, [10], 10],
    ["0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, [10], 10],
    ["0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 1, [4, 6], 10],
    ["0,0.2,0.5", "0:0.2", 3, [6, 4], 10],
    ["0,0.2,0.5", "0.2:0.5", 1, [4, 2, 4], 10],
    ["0,2/5,4/5", "0:2/5", 0, [3, 2], 5],
    ["0,2/5,4/5", "2/5:4/5", 1, [3, 2], 5],
    [undefined, "0:0.2", 1, [5], 5],
    [undefined, "0:0.4", 1, [2, 3], 5],
    [undefined, "2/5:4/5", 1, [3, 2], 5],
    [undefined, "1/10:5/10", 1, [2, 2, 4, 2], 10],
  ];
  for (const [seq, seg, start, offsets, lcd] of cases) {
    const got = tuple(seg, seq).stripedOffsets();
    assert.equal({ start: got.start, offsets: [...got.offsets], lcd: got.lcd }, { start, offsets, lcd }, `${seg} in ${seq ?? "(no sequence)"}`);
  }
});

test("scale() matches k6's TestExecutionTupleScale", () => {
  assert.is(tuple("0.5").scale(2), 1);
  assert.is(tuple("0.5").scale(3), 2);
  assert.is(tuple("0.5:1.0").scale(2), 1);
  assert.is(tuple("0.5:1.0").scale(3), 1);
  assert.is(tuple("0.5", "0,0.5,1").scale(3), 2);
  assert.is(tuple("0.5:1.0", "0,0.5,1").scale(3), 1);
});

test("0,1/2,3/4,1 stripes items as k6's documentation draws it", () => {
  const seq = "0,1/2,3/4,1";
  assert.equal(items(tuple("0:1/2", seq), 6), [0, 2, 4, 6, 8, 10]);
  assert.equal(items(tuple("1/2:3/4", seq), 3), [1, 5, 9]);
  assert.equal(items(tuple("3/4:1", seq), 3), [3, 7, 11]);
  // ScaleInt64 for 1..12 (k6's table): each column sums to the value.
  const a = Array.from({ length: 12 }, (_, i) => tuple("0:1/2", seq).scale(i + 1));
  const b = Array.from({ length: 12 }, (_, i) => tuple("1/2:3/4", seq).scale(i + 1));
  const c = Array.from({ length: 12 }, (_, i) => tuple("3/4:1", seq).scale(i + 1));
  assert.equal(a, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
  assert.equal(b, [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
  assert.equal(c, [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
});

test("the shares of a sequence add up to the whole for every value, and only grow with it", () => {
  for (const seq of ["0,1/4,2/4,3/4,1", "0,1/3,2/3,1", "0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0,1/7,1/2,1"]) {
    const tuples = parseSequence(seq).map((s) => tuple(s.toString(), seq));
    let last = tuples.map(() => 0);
    for (let v = 0; v <= 500; v++) {
      const shares = tuples.map((t) => t.scale(v));
      assert.is(shares.reduce((x, y) => x + y, 0), v, `${seq}: shares of ${v}: ${shares}`);
      shares.forEach((s, i) => assert.ok(s >= last[i]!, `${seq}: segment ${i}'s share fell from ${last[i]} to ${s} at ${v}`));
      last = shares;
    }
  }
});

test("the stripes of a sequence cover every item exactly once", () => {
  const seq = "0,1/4,2/4,3/4,1";
  const seen = parseSequence(seq).flatMap((s) => {
    const t = tuple(s.toString(), seq);
    return items(t, t.scale(200));
  });
  assert.equal([...seen].sort((x, y) => x - y), Array.from({ length: 200 }, (_, i) => i));
});

test("resegmented() re-cuts the sequence by a value, as k6's TestGetNewExecutionTupleBesedOnValue", () => {
  const t = tuple("0:1/3", "0,1/3,2/3,1").resegmented(20)!;
  assert.is(t.sequence.toString(), "0,7/20,7/10,1");
  assert.is(t.index, 0);
});

test("resegmented() leaves out a segment whose share of the value is 0", () => {
  // One VU over three segments: only the first segment gets it (and so all of the work).
  const seq = "0,1/3,2/3,1";
  assert.is(tuple("0:1/3", seq).resegmented(1)!.isWhole, true);
  assert.is(tuple("1/3:2/3", seq).resegmented(1), undefined);
  assert.is(tuple("2/3:1", seq).resegmented(1), undefined);
});

test("SegmentedIndex walks 1-based numbers as k6's TestSegmentedIndex (half)", () => {
  const index = new SegmentedIndex(tuple("0:1/2", "0,1/2,1"));
  assert.equal([index.next(), index.next(), index.next()], [1, 3, 5]);
  assert.is(index.scaled, 3);
});

test("rationals stay exact", () => {
  assert.is(Rational.parse("1/3").add(Rational.parse("1/3")).add(Rational.parse("1/3")).toString(), "1");
  assert.is(Rational.parse("0.30").toString(), "3/10");
  assert.is(Rational.parse("25%").toString(), "1/4");
});

test.run();
