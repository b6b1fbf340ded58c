// Test support for the metrics specs: deterministic latency-like samples and k6's exact percentile.

/** `n` exponential-ish latencies in ms (≥ 1), from an LCG seeded with `seed` so a failure reproduces. */
export function latencySamples(n: number, seed: number, meanMs = 50): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(-Math.log(1 - x / 2147483648) * meanMs + 1);
  }
  return out;
}

/** k6's exact percentile (TrendSink.P): interpolation between the closest ranks of the sorted samples; `pct` 0-100. */
export function exactPercentile(values: readonly number[], pct: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = (pct / 100) * (sorted.length - 1);
  const lo = sorted[Math.floor(i)]!;
  const hi = sorted[Math.ceil(i)]!;
  return lo + (hi - lo) * (i - Math.floor(i));
}
