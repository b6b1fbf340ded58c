import { test } from "uvu";
import * as assert from "uvu/assert";
import { BatchedDigest } from "./batched-digest.ts";
import { exactPercentile, latencySamples } from "./test-samples.ts";

const orders: Record<string, (v: number[]) => number[]> = {
  "arrival order": (v) => v,
  ascending: (v) => [...v].sort((a, b) => a - b),
  descending: (v) => [...v].sort((a, b) => b - a),
};

for (const [name, order] of Object.entries(orders)) {
  test(`percentiles stay within 1% of exact for 200,000 samples in ${name}`, () => {
    const values = latencySamples(200_000, 11, 20);
    const d = new BatchedDigest();
    for (const v of order(values)) d.add(v);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = exactPercentile(values, q * 100);
      const got = d.percentile(q)!;
      assert.ok(Math.abs(got - exact) / exact < 0.01, `${name} p${q * 100}: ${got} vs ${exact}`);
    }
  });
}

test("memory stays bounded: a million samples keep a few hundred centroids", () => {
  const d = new BatchedDigest();
  for (const v of latencySamples(1_000_000, 5, 20)) d.add(v);
  const centroids = d.centroids();
  assert.ok(centroids.length < 1000, `${centroids.length} centroids`);
  assert.is(centroids.reduce((a, c) => a + c.n, 0), 1_000_000, "every sample is counted once");
});

test("a digest rebuilt from its centroids answers the same percentiles", () => {
  const a = new BatchedDigest();
  for (const v of latencySamples(30_000, 9, 20)) a.add(v);
  const c = a.centroids();
  const b = new BatchedDigest();
  b.addCentroids(c.map((x) => x.mean), c.map((x) => x.n));
  for (const q of [0.5, 0.9, 0.99]) assert.is(b.percentile(q), a.percentile(q));
});

test("samples still in the batch are seen by a read", () => {
  const d = new BatchedDigest();
  for (let i = 1; i <= 10; i++) d.add(i);
  assert.is(d.centroids().reduce((a, c) => a + c.n, 0), 10);
  assert.ok(Math.abs(d.percentile(0.5)! - 5.5) < 1);
});

test("merging another digest gives the percentiles of all samples", () => {
  const a = new BatchedDigest();
  const b = new BatchedDigest();
  const va = latencySamples(50_000, 1, 20);
  const vb = latencySamples(50_000, 2, 20).map((v) => v * 3);
  va.forEach((v) => a.add(v));
  vb.forEach((v) => b.add(v));
  a.mergeFrom(b);
  const all = [...va, ...vb];
  for (const q of [0.5, 0.99]) {
    const exact = exactPercentile(all, q * 100);
    assert.ok(Math.abs(a.percentile(q)! - exact) / exact < 0.02, `p${q * 100}: ${a.percentile(q)} vs ${exact}`);
  }
});

test("many equal samples (centroids with one mean) answer that value at every quantile", () => {
  const d = new BatchedDigest();
  for (let i = 0; i < 100_000; i++) d.add(7);
  assert.ok(d.centroids().length > 1, "the size bound splits them over several centroids");
  for (const q of [0, 0.5, 0.99, 1]) assert.is(d.percentile(q), 7);
});

test.run();
