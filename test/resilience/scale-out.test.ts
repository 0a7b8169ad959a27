import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatScaleReport, runScaleOut } from '../../scripts/lib/scale.ts';

/**
 * Two `--role api` and two `--role worker` processes on one PostgreSQL database plus Redis behave
 * as one: the load spreads, the per-destination rate limit holds across both workers, nothing is
 * sent twice. Runs in CI's PostgreSQL pass (DATABASE_URL) when `redis-server` is installed.
 */
const serverUrl = process.env.DATABASE_URL;
const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!serverUrl || !hasRedis)('scale-out (api x2, worker x2, PostgreSQL, Redis)', () => {
  it('spreads the load, holds the rate limit across workers and sends nothing twice', async () => {
    const limit = 150;
    const report = await runScaleOut({
      apis: 2,
      workers: 2,
      serverUrl: serverUrl!,
      redis: true,
      ratePerSecond: limit,
      events: 3_000,
      offeredRate: 600,
    });
    console.log(formatScaleReport(report));
    expect(report.lost).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.perApi.every((n) => n > report.acked / 4)).toBe(true);
    expect(Object.values(report.perWorker)).toHaveLength(2);
    expect(Object.values(report.perWorker).every((n) => n > 0)).toBe(true);
    for (const pixel of Object.values(report.perPixel)) {
      expect(pixel.received).toBe(report.ackedEvents);
      expect(pixel.averagePerSecond).toBeLessThanOrEqual(limit * 1.1);
      // A one-second window limiter lets at most two windows' worth through in any sliding second.
      expect(pixel.peakPerSecond).toBeLessThanOrEqual(limit * 2);
    }
    expect(report.ok).toBe(true);
  }, 240_000);
});
