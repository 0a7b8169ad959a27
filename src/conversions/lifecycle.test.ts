import { describe, expect, it } from 'vitest';
import { conversionEventId } from './event-id.ts';
import { nextStatus } from './lifecycle.ts';

describe('conversion life-cycle', () => {
  it('moves forward through the happy path', () => {
    expect(nextStatus(undefined, 'pending')).toEqual({ status: 'pending', applied: true });
    expect(nextStatus('pending', 'approved')).toEqual({ status: 'approved', applied: true });
    expect(nextStatus('approved', 'refunded')).toEqual({ status: 'refunded', applied: true });
    expect(nextStatus('refunded', 'chargeback')).toEqual({ status: 'chargeback', applied: true });
  });

  it('ignores duplicates and late arrivals', () => {
    expect(nextStatus('approved', 'approved').applied).toBe(false);
    expect(nextStatus('refunded', 'approved')).toEqual({ status: 'refunded', applied: false });
    expect(nextStatus('approved', 'pending')).toEqual({ status: 'approved', applied: false });
    expect(nextStatus('approved', 'canceled').applied).toBe(false);
  });

  it('cancels a pending payment and can still approve it later', () => {
    expect(nextStatus('pending', 'canceled')).toEqual({ status: 'canceled', applied: true });
    expect(nextStatus('canceled', 'approved')).toEqual({ status: 'approved', applied: true });
  });

  it('derives a stable, documented event id', () => {
    const id = conversionEventId('t1', 'HP123', 'purchase');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toBe(conversionEventId('t1', 'HP123', 'purchase'));
    expect(id).not.toBe(conversionEventId('t2', 'HP123', 'purchase'));
    expect(id).not.toBe(conversionEventId('t1', 'HP123', 'initiate_checkout'));
  });
});
