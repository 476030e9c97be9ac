/** Distribution summaries of lateness samples (milliseconds). */

export interface LatenessSummary {
  /** Number of samples the figures below are computed from. */
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Samples below zero: deliveries before their due time. */
  early: number;
}

/** Nearest-rank percentile of an ascending array; `q` in [0, 1]. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Summarises samples; every figure is NaN when there are none. */
export function summarize(samples: ArrayLike<number>): LatenessSummary {
  // A typed array sorts numerically and copies cheaply, even at 100k samples.
  const sorted = Float64Array.from(samples).sort();
  let early = 0;
  while (early < sorted.length && sorted[early] < 0) early += 1;
  return {
    count: sorted.length,
    min: sorted.length ? sorted[0] : Number.NaN,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    early,
  };
}
