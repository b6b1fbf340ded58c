/**
 * A t-digest fed in sorted batches, with the package tdigest answering the percentiles. The package inserts one
 * value at a time into a red-black tree of centroids, allocating a tree iterator per value: on a busy run that was
 * ~1 µs and a few hundred bytes of garbage per trend sample. Here samples wait in a typed array; a full batch (or a
 * read) is sorted and merged with the centroids in one linear pass under t-digest's size bound (a centroid at
 * quantile q holds at most 4·n·δ·q·(1−q) samples, the bound the package applies per insertion). Reads, rare next to
 * adds (a threshold check every 500 ms, the summary), build the package's digest from the centroids and keep it
 * until the next sample.
 */
import tdigest from "tdigest";

const { TDigest } = tdigest;
type Digest = InstanceType<typeof TDigest>;

/** The package's default compression; its error at the tails is a fraction of a percent. */
const DELTA = 0.01;
const BATCH = 1024;

export interface Centroid {
  mean: number;
  n: number;
}

export class BatchedDigest {
  // The centroids, ordered by mean: the digest's state.
  #means = new Float64Array(64);
  #weights = new Float64Array(64);
  #size = 0;
  #total = 0;
  // The arrays the next merge writes into, swapped with the current ones after it (no allocation per batch).
  #spareMeans = new Float64Array(64);
  #spareWeights = new Float64Array(64);
  // Samples not merged yet.
  readonly #batch = new Float64Array(BATCH);
  #batched = 0;
  /** The package's digest built from the centroids for reads; dropped when a sample arrives. */
  #reader: Digest | null = null;

  /** Adds one sample (O(1) until the batch is full). */
  add(value: number): void {
    this.#batch[this.#batched++] = value;
    this.#reader = null;
    if (this.#batched === BATCH) this.#flush();
  }

  /** Merges another digest into this one (t-digest's merge: its centroids as weighted points). */
  mergeFrom(other: BatchedDigest): void {
    other.#flush();
    this.#flush();
    this.#mergeSorted(other.#means, other.#weights, other.#size);
  }

  /** Adds centroids ordered by mean, e.g. from another engine's JSON. */
  addCentroids(means: ArrayLike<number>, weights: ArrayLike<number>): void {
    this.#flush();
    this.#mergeSorted(means, weights, means.length);
  }

  /** Value at quantile `q` in [0, 1]; undefined when empty. */
  percentile(q: number): number | undefined {
    this.#flush();
    if (this.#reader === null) {
      const reader = new TDigest(DELTA);
      // Inserted in increasing order, each centroid lands past the last one: a new centroid, never a merge. push()
      // makes a one-element array per centroid, but only here, on a read (the package's public API, so any 0.1.x fits).
      for (let i = 0; i < this.#size; i++) reader.push(this.#means[i]!, this.#weights[i]!);
      this.#reader = reader;
    }
    return this.#reader.percentile(q);
  }

  /** The centroids, ordered by mean. */
  centroids(): Centroid[] {
    this.#flush();
    const out: Centroid[] = [];
    for (let i = 0; i < this.#size; i++) out.push({ mean: this.#means[i]!, n: this.#weights[i]! });
    return out;
  }

  #flush(): void {
    const k = this.#batched;
    if (k === 0) return;
    this.#batched = 0;
    const batch = this.#batch.subarray(0, k).sort();
    this.#mergeSorted(batch, ONES, k);
  }

  /** Merges `count` points ordered by mean (weights `weights[i]`, or 1 each when given ONES) into the centroids. */
  #mergeSorted(means: ArrayLike<number>, weights: ArrayLike<number>, count: number): void {
    const oldMeans = this.#means;
    const oldWeights = this.#weights;
    const oldSize = this.#size;
    let added = 0;
    for (let j = 0; j < count; j++) added += weights === ONES ? 1 : weights[j]!;
    const total = this.#total + added;
    if (this.#spareMeans.length < oldSize + count) {
      const capacity = Math.max(2 * this.#spareMeans.length, oldSize + count);
      this.#spareMeans = new Float64Array(capacity);
      this.#spareWeights = new Float64Array(capacity);
    }
    const outMeans = this.#spareMeans;
    const outWeights = this.#spareWeights;
    let size = 0;
    let i = 0;
    let j = 0;
    let mean = 0;
    let weight = 0;
    let before = 0; // samples in the centroids already emitted
    const limit = 4 * total * DELTA;
    while (i < oldSize || j < count) {
      let m: number;
      let n: number;
      if (j >= count || (i < oldSize && oldMeans[i]! <= means[j]!)) {
        m = oldMeans[i]!;
        n = oldWeights[i]!;
        i++;
      } else {
        m = means[j]!;
        n = weights === ONES ? 1 : weights[j]!;
        j++;
      }
      if (weight === 0) {
        mean = m;
        weight = n;
        continue;
      }
      const q = (before + (weight + n) / 2) / total;
      if (weight + n <= Math.floor(limit * q * (1 - q))) {
        weight += n;
        mean += ((m - mean) * n) / weight;
      } else {
        outMeans[size] = mean;
        outWeights[size] = weight;
        size++;
        before += weight;
        mean = m;
        weight = n;
      }
    }
    if (weight > 0) {
      outMeans[size] = mean;
      outWeights[size] = weight;
      size++;
    }
    this.#spareMeans = oldMeans;
    this.#spareWeights = oldWeights;
    this.#means = outMeans;
    this.#weights = outWeights;
    this.#size = size;
    this.#total = total;
    this.#reader = null;
  }
}

/** Marks a batch of unweighted samples for #mergeSorted. */
const ONES: ArrayLike<number> = { length: 0 };
