/**
 * Commit-to-delivered latency kept as a mergeable histogram: log-spaced buckets (each 25 % wider than
 * the previous, from 10 ms to about a day), so hourly rollup rows add up into any range and the
 * percentiles of the sum are read back within one bucket's width (±12 %).
 *
 * Bucket 0 holds latencies ≤ 10 ms; bucket i holds (10·1.25^(i−1), 10·1.25^i] ms; the last bucket
 * holds everything longer. The SQL expression in rollup.ts computes the same index.
 */
export const LATENCY_BASE_MS = 10;
export const LATENCY_RATIO = 1.25;
export const LATENCY_BUCKETS = 72;

/** Sparse histogram: bucket index → count. */
export type LatencyHistogram = Record<string, number>;

export function latencyBucket(ms: number): number {
  if (ms <= LATENCY_BASE_MS) return 0;
  const i = Math.ceil(Math.log(ms / LATENCY_BASE_MS) / Math.log(LATENCY_RATIO) - 1e-9);
  return Math.min(LATENCY_BUCKETS - 1, i);
}

/** Upper bound of a bucket in milliseconds. */
export const bucketUpperMs = (i: number): number => LATENCY_BASE_MS * LATENCY_RATIO ** i;

/** SQL for the bucket index of a latency in milliseconds (a double precision expression). */
export const LATENCY_BUCKET_SQL = (ms: string): string =>
  `case when ${ms} <= ${LATENCY_BASE_MS} then 0 else least(${LATENCY_BUCKETS - 1}, ` +
  `ceil(ln(${ms} / ${LATENCY_BASE_MS}.0) / ln(${LATENCY_RATIO}) - 1e-9)::int) end`;

/**
 * The q-quantile (0 < q ≤ 1) of a histogram, interpolated geometrically inside its bucket; null when
 * empty.
 */
export function quantile(hist: LatencyHistogram, q: number): number | null {
  const entries = Object.entries(hist)
    .map(([k, v]) => [Number(k), v] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [i, count] of entries) {
    if (seen + count >= rank) {
      const upper = bucketUpperMs(i);
      if (i === 0) return Math.round(upper);
      const lower = bucketUpperMs(i - 1);
      const within = count === 0 ? 1 : (rank - seen) / count;
      return Math.round(lower * (upper / lower) ** within);
    }
    seen += count;
  }
  return Math.round(bucketUpperMs(entries[entries.length - 1]![0]));
}

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

export function percentiles(hist: LatencyHistogram): LatencyPercentiles | null {
  const p50 = quantile(hist, 0.5);
  if (p50 === null) return null;
  return { p50, p95: quantile(hist, 0.95) ?? p50, p99: quantile(hist, 0.99) ?? p50 };
}
