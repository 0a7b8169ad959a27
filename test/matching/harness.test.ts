import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/simulate/run.ts';
import { openTestDatabase } from '../support/database.ts';

/**
 * The evaluation harness as a test: a realistic synthetic population (ad clicks with fbclid/gclid,
 * multi-touch journeys, leads then purchases days later, other devices, carrier-NAT IP sharing,
 * organic buyers, checkouts that drop the click id) driven through the public API and graded.
 * `rastro simulate --visitors 10000` runs the full-size version.
 */
describe('matching evaluation harness', () => {
  it('matches with precision ≥ 99 % and recall ≥ 95 % of matchable sales', async () => {
    const database = await openTestDatabase();
    try {
      const report = await runSimulation({ visitors: 1000, seed: 2026, database });
      expect(report.failedRequests).toBe(0);
      expect(report.sales).toBeGreaterThan(300);
      expect(report.matchable).toBeGreaterThan(200);
      expect(report.precision).toBeGreaterThanOrEqual(0.99);
      expect(report.recall).toBeGreaterThanOrEqual(0.95);
      expect(report.byArchetype.organic_buyer?.correct ?? 0).toBe(0);
    } finally {
      await database.close();
    }
  }, 180_000);
});
