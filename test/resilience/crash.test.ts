import { describe, expect, it } from 'vitest';
import { formatReport, runCrashTest } from '../../scripts/lib/crash.ts';

/**
 * The reduced crash test (scripts/crash-test.ts runs the big one by hand): real `rastro serve`
 * processes SIGKILLed three times under traffic. On the embedded PGlite store by default; on
 * PostgreSQL (split: `--role api` + `--role worker`) when DATABASE_URL is set, as CI's second pass.
 */
const serverUrl = process.env.DATABASE_URL;

describe('crash test (reduced)', () => {
  it(`loses no acknowledged event across SIGKILLs on ${serverUrl ? 'PostgreSQL (api + worker)' : 'PGlite'}`, async () => {
    const report = await runCrashTest({
      events: 2_000,
      kills: 3,
      engine: serverUrl ? 'pg' : 'pglite',
      topology: serverUrl ? 'split' : 'all',
      serverUrl,
      rate: 400,
      concurrency: 16,
      // A killed worker's leases go back to the queue after 20 s instead of 2 min (requests time
      // out at 10 s); PGlite needs none: its one process releases them at start.
      leaseMs: serverUrl ? 20_000 : undefined,
      drainTimeoutMs: 120_000,
    });
    console.log(formatReport(report));
    expect(report.kills).toBe(3);
    expect(report.lost).toEqual([]);
    expect(report.halfStored).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.delivered).toBe(report.expected);
    expect(report.ackedEvents).toBeGreaterThanOrEqual(1_900);
    // A re-send may only happen for a batch in flight when a process died.
    expect(report.duplicatesAcrossKill).toBe(report.duplicates.reduce((a, d) => a + d.times - 1, 0));
    // Every deliberately bad request was refused whole.
    expect(Object.keys(report.refused).every((k) => k.startsWith('bad_'))).toBe(true);
    expect(report.ok).toBe(true);
  }, 300_000);
});
