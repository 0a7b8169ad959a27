import { describe, expect, it } from 'vitest';
import { conversionEventId } from '../conversions/event-id.ts';
import { seeded, TrafficGenerator } from './traffic.ts';

const TENANT = '01900000-0000-7000-8000-000000000001';

describe('demo traffic', () => {
  const events = (() => {
    const generator = new TrafficGenerator(seeded(7), TENANT);
    return Array.from({ length: 3000 }, (_, i) => generator.batch(1_790_000_000_000 + i * 1000)).flat();
  })();
  const purchases = events.filter((e) => e.event_name === 'purchase');

  it('gives a purchase the event_id its gateway webhook gets, so either copy deduplicates the other', () => {
    expect(purchases.length).toBeGreaterThan(100);
    for (const p of purchases) expect(p.event_id).toBe(conversionEventId(TENANT, String(p.order_id), 'purchase'));
  });

  it('repeats only purchases the buyer consented to (a webhook copy carries no consent)', () => {
    const copies = new Map<unknown, number>();
    for (const p of purchases) copies.set(p.event_id, (copies.get(p.event_id) ?? 0) + 1);
    const repeated = purchases.filter((p) => copies.get(p.event_id)! > 1);
    expect(repeated.length).toBeGreaterThan(10);
    expect(repeated.filter((p) => (p.consent as { ads?: boolean } | undefined)?.ads === false)).toEqual([]);
    // Denied consent still appears in the traffic, on events sent once.
    expect(events.some((e) => (e.consent as { ads?: boolean } | undefined)?.ads === false)).toBe(true);
  });
});
