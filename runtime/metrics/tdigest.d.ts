// Types for the parts of `tdigest` 0.1.3 (CommonJS, untyped) that batched-digest.ts uses: its public API only.
declare module "tdigest" {
  /** One centroid: the mean of `n` merged samples. */
  interface Centroid {
    mean: number;
    n: number;
  }

  /** Dunning's t-digest over a red-black tree of centroids. */
  class TDigest {
    /** `delta` is the compression (default 0.01), `K` the recompression factor (default 25), `CX` the cumulate slack (default 1.1). */
    constructor(delta?: number | false, K?: number, CX?: number);
    /** Total weight pushed so far. */
    n: number;
    /** Adds `x` (or each value of `x`) with weight `n` (default 1). */
    push(x: number | number[], n?: number): void;
    /** Value at quantile `p` in [0, 1]; undefined when empty. */
    percentile(p: number): number | undefined;
    /** Centroids ordered by mean. */
    toArray(): Centroid[];
    /** Number of centroids. */
    size(): number;
    compress(): void;
  }

  const tdigest: { TDigest: typeof TDigest };
  export default tdigest;
}
