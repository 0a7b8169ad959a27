import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEmissions, processReceipts, noMatcher } from '../../src/conversions/process.ts';
import { signWebhook } from '../../src/gateways/sign.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';
import { addMetaDestination } from '../support/meta.ts';

const SECRET = 'generic-group-secret-123';

/**
 * Receipts are applied a group at a time (src/conversions/process.ts). Several webhooks of one order
 * in one group must end exactly as they would one by one: in the order received, each recorded in
 * the history, one purchase at most, and a ledger entry per change.
 */
describe('webhook receipts applied as a group', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  let url: string;

  beforeAll(async () => {
    // No workers: the test decides when receipts and emissions are processed.
    t = await startTestRastro();
    tenant = await t.createTenant('groups');
    await addMetaDestination(t, tenant);
    const res = await t.call('POST', '/api/v1/gateway-connections', tenant.keys.admin, {
      gateway: 'generic',
      name: 'store',
      secret: SECRET,
    });
    url = new URL((res.json() as { webhook_url: string }).webhook_url).pathname;
  });
  afterAll(() => t.close());

  const send = async (orderId: string, status: string, eventType: string) => {
    const signed = signWebhook(
      'generic',
      {
        event_type: eventType,
        order_id: orderId,
        status,
        amount: 97,
        currency: 'BRL',
        occurred_at: new Date().toISOString(),
        buyer: { email: `${orderId}@example.com` },
        products: [{ id: 'course', quantity: 1, price: 97 }],
      },
      SECRET,
    );
    const res = await t.inject({
      method: 'POST',
      url,
      headers: { ...(signed.headers as Record<string, string>), 'content-type': 'application/json' },
      payload: signed.rawBody,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };

  it('applies every receipt of a group in order, per order', async () => {
    await send('g-1', 'pending', 'order.created');
    await send('g-1', 'approved', 'order.paid');
    await send('g-2', 'refunded', 'order.refunded'); // before its approval: out of order
    await send('g-1', 'approved', 'order.paid'); // the gateway's retry
    await send('g-2', 'approved', 'order.paid');
    await send('g-3', 'approved', 'order.paid');
    await send('g-1', 'refunded', 'order.refunded');

    const db = t.rastro.ctx.db;
    expect(await processReceipts(db)).toBe(7);
    expect(await processReceipts(db)).toBe(0);

    const conversions = await db
      .selectFrom('conversions')
      .select(['order_id', 'status', 'history', 'approved_at'])
      .where('tenant_id', '=', tenant.id)
      .orderBy('order_id')
      .execute();
    expect(conversions.map((c) => [c.order_id, c.status])).toEqual([
      ['g-1', 'refunded'],
      ['g-2', 'refunded'],
      ['g-3', 'approved'],
    ]);
    const [g1, g2] = conversions;
    expect(g1!.history.map((h) => [h.status, h.applied])).toEqual([
      ['pending', true],
      ['approved', true],
      ['approved', false],
      ['refunded', true],
    ]);
    expect(g1!.approved_at).not.toBeNull();
    expect(g2!.history.map((h) => [h.status, h.applied])).toEqual([
      ['refunded', true],
      ['approved', false],
    ]);

    // g-1 was approved (one purchase queued, then refunded before it went out: dropped, visibly);
    // g-2 never was (refunded first); g-3 goes out.
    const emissions = await db
      .selectFrom('conversion_emissions')
      .select(['event_name', 'event_id'])
      .where('tenant_id', '=', tenant.id)
      .execute();
    expect(emissions).toHaveLength(2);
    expect(await processEmissions(db, t.rastro.ctx.secrets, noMatcher)).toBe(2);
    const events = await db
      .selectFrom('events')
      .select(['event_name', 'source'])
      .where('tenant_id', '=', tenant.id)
      .execute();
    expect(events).toEqual([{ event_name: 'purchase', source: 'webhook:generic' }]);

    const ledger = await db
      .selectFrom('ledger_entries')
      .select(['type', 'data'])
      .where('tenant_id', '=', tenant.id)
      .where('entity_type', '=', 'conversion')
      .orderBy('seq')
      .execute();
    expect(ledger.map((e) => [e.type, (e.data as { order_id?: string; to?: string }).to ?? null])).toEqual([
      ['conversion.created', 'pending'],
      ['conversion.status_changed', 'approved'],
      ['conversion.created', 'refunded'],
      ['conversion.created', 'approved'],
      ['conversion.status_changed', 'refunded'],
      ['conversion.emission_dropped', null],
    ]);
  });
});
