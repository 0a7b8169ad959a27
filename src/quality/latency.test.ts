import { describe, expect, it } from 'vitest';
import { bucketUpperMs, latencyBucket, percentiles, quantile, type LatencyHistogram } from './latency.ts';

describe('latency histogram', () => {
  it('puts a latency in the bucket whose bounds hold it', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(10)).toBe(0);
    for (const ms of [11, 12.5, 13, 99, 100, 1234, 60_000, 3_600_000]) {
      const i = latencyBucket(ms);
      expect(ms).toBeLessThanOrEqual(bucketUpperMs(i) + 1e-6);
      expect(ms).toBeGreaterThan(bucketUpperMs(i - 1) - 1e-6);
    }
    expect(latencyBucket(1e12)).toBe(71);
  });

  it('reads percentiles back within a bucket width of the exact values', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) as number;
    const values = Array.from({ length: 5000 }, () => Math.exp(3 + random() * 6)); // 20 ms … 160 s
    const hist: LatencyHistogram = {};
    for (const v of values) hist[latencyBucket(v)] = (hist[latencyBucket(v)] ?? 0) + 1;
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const estimate = quantile(hist, q)!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.13);
    }
  });

  it('is null when empty and ordered p50 ≤ p95 ≤ p99', () => {
    expect(percentiles({})).toBeNull();
    const p = percentiles({ '10': 50, '20': 45, '30': 5 })!;
    expect(p.p50).toBeLessThanOrEqual(p.p95);
    expect(p.p95).toBeLessThanOrEqual(p.p99);
  });
});
