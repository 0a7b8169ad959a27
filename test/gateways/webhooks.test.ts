import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { signWebhook, type SignOptions } from '../../src/gateways/sign.ts';
import { startTestRastro, waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { addMetaDestination, startEmulator } from '../support/meta.ts';

/**
 * A fixture with its dates moved to today: Meta refuses events older than 7 days, and the
 * fixtures were written with fixed dates. Handles ISO dates and epoch seconds/milliseconds.
 */
const nowMs = Date.now() - 6 * 3600_000;
const today = new Date(nowMs - 2 * 86_400_000).toISOString().slice(0, 10);
const fixture = (gateway: string, name: string) => {
  const text = readFileSync(new URL(`../../src/gateways/${gateway}/fixtures/${name}.json`, import.meta.url), 'utf8');
  return JSON.parse(
    text
      .replace(/20\d\d-\d\d-\d\d/g, today)
      .replace(/(?<![\d.])1[67]\d{11}(?!\d)/g, String(nowMs))
      .replace(/(?<![\d.])1[67]\d{8}(?![\d.])/g, String(Math.floor(nowMs / 1000))),
  );
};

/** One approved sale per gateway, as its fixture says, signed the way that gateway signs. */
const APPROVED: { gateway: string; fixture: string; secret: string; options?: SignOptions }[] = [
  { gateway: 'hotmart', fixture: 'purchase-approved-card', secret: 'hottok-secret-123' },
  { gateway: 'kiwify', fixture: 'order-approved-card', secret: 'kiwify-token-123' },
  { gateway: 'stripe', fixture: 'checkout-session-completed-card', secret: 'whsec_test_secret_123' },
  { gateway: 'perfectpay', fixture: 'sale-approved-card', secret: 'perfectpay-token-123' },
  { gateway: 'appmax', fixture: 'order-approved-card', secret: '' },
  { gateway: 'braip', fixture: 'sale-approved-card', secret: 'braip-key-123' },
  { gateway: 'shopify', fixture: 'orders-paid-card', secret: 'shpss_secret_123', options: { topic: 'orders/paid' } },
  {
    gateway: 'woocommerce',
    fixture: 'order-processing-card',
    secret: 'wc-secret-123',
    options: { topic: 'order.updated' },
  },
  { gateway: 'generic', fixture: 'order-approved-card', secret: 'generic-secret-123' },
];

describe('gateway webhooks end to end', () => {
  let emulator: MetaEmulator;
  let t: TestRastro;
  let tenant: TestTenant;
  const urls = new Map<string, string>();

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestRastro({ workers: true, env: { RASTRO_META_GRAPH_URL: emulator.url } });
    tenant = await t.createTenant('seller');
    // No click data in these tests: do not hold unmatched sales back waiting for it.
    await t.call('PUT', '/api/v1/settings/matching', tenant.keys.admin, { grace_seconds: 0 });
    await addMetaDestination(t, tenant);
    for (const g of APPROVED) {
      const res = await t.call('POST', '/api/v1/gateway-connections', tenant.keys.admin, {
        gateway: g.gateway,
        name: `${g.gateway} store`,
        ...(g.secret ? { secret: g.secret } : {}),
      });
      expect(res.statusCode, res.body).toBe(201);
      urls.set(g.gateway, new URL(res.json().webhook_url).pathname + new URL(res.json().webhook_url).search);
    }
  });
  afterAll(async () => {
    await t.close();
    await emulator.close();
  });

  const post = (gateway: string, payload: unknown, secret: string, options?: SignOptions, tamper = false) => {
    const signed = signWebhook(gateway, payload as object, secret, options);
    const url = new URL(`http://x${urls.get(gateway)}`);
    for (const [k, v] of Object.entries(signed.query)) if (v !== undefined) url.searchParams.set(k, v);
    const body = Buffer.from(signed.rawBody);
    if (tamper) body[body.length - 2] = body[body.length - 2] === 0x31 ? 0x32 : 0x31;
    return t.inject({
      method: 'POST',
      url: url.pathname + url.search,
      headers: { 'content-type': 'application/json', ...(signed.headers as Record<string, string>) },
      payload: body,
    });
  };

  it.each(APPROVED)('$gateway: a signed approved sale becomes one Purchase at Meta', async (g) => {
    const res = await post(g.gateway, fixture(g.gateway, g.fixture), g.secret, g.options);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('received');
    const conversion = await waitFor(async () => {
      const list = (await t.call('GET', `/api/v1/conversions?gateway=${g.gateway}`, tenant.keys.admin)).json();
      return list.items[0]?.status === 'approved' ? list.items[0] : undefined;
    });
    expect(conversion.amount).toBeGreaterThan(0);
    const eventId = conversion.purchase_event_id as string;
    const got = await waitFor(
      () => emulator.received().find((e) => e.eventId === eventId),
      10_000,
      `${g.gateway} purchase`,
    );
    expect(got.eventName).toBe('Purchase');
    const custom = got.event.custom_data as { value: number; currency: string; order_id: string };
    expect(custom.value).toBe(conversion.amount);
    expect(custom.currency).toBe(conversion.currency);
    const em = (got.event.user_data as { em?: string[] }).em ?? [];
    for (const hash of em) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    // The raw body is kept sealed: no buyer email in clear anywhere in the database.
    const dump = JSON.stringify(await t.rastro.ctx.db.selectFrom('webhook_receipts').selectAll().execute());
    expect(dump).not.toMatch(/@[a-z0-9-]+\.(com|br)/i);
  });

  it('answers a repeated delivery as a duplicate and changes nothing', async () => {
    const g = APPROVED[0]!;
    const again = await post(g.gateway, fixture(g.gateway, g.fixture), g.secret, g.options);
    expect(again.json().status).toBe('duplicate');
  });

  it.each(APPROVED.filter((g) => g.gateway !== 'appmax'))(
    '$gateway: a tampered body or wrong secret is refused and kept',
    async (g) => {
      const tampered = await post(g.gateway, fixture(g.gateway, g.fixture), g.secret, g.options, true);
      const wrong = await post(g.gateway, fixture(g.gateway, g.fixture), `${g.secret}-wrong`, g.options);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.code).toBe('invalid_signature');
      // Static-token senders (Hotmart, PerfectPay, Braip) cannot protect the body: a tampered body
      // still carries the right token, which is why their URL also carries Rastro's own secret.
      if (['hotmart', 'perfectpay', 'braip'].includes(g.gateway))
        expect([200, 400, 401]).toContain(tampered.statusCode);
      else expect(tampered.statusCode).toBe(401);
      const kept = (await t.call('GET', '/api/v1/rejections?limit=200', tenant.keys.admin)).json().items as {
        code: string;
        url: string;
      }[];
      expect(kept.some((r) => r.code === 'invalid_signature' && r.url.includes(g.gateway))).toBe(true);
    },
  );

  it('refuses a URL without the Rastro secret for senders that cannot sign', async () => {
    const path = urls.get('appmax')!.split('?')[0];
    const res = await t.inject({ method: 'POST', url: path!, payload: fixture('appmax', 'order-approved-card') });
    expect(res.statusCode).toBe(401);
  });

  it('keeps an unparseable body with a 400', async () => {
    const res = await post('generic', '{"order_id": ', 'generic-secret-123');
    expect(res.statusCode).toBe(400);
    const kept = (await t.call('GET', '/api/v1/rejections', tenant.keys.admin)).json().items as { code: string }[];
    expect(kept.some((r) => r.code === 'bad_json' || r.code === 'validation_failed')).toBe(true);
  });

  it('life-cycle: pending → approved → refunded emits one purchase; refund before approval emits none', async () => {
    const base = fixture('generic', 'order-approved-card');
    const order = (status: string, orderId: string) => ({
      ...base,
      order_id: orderId,
      status,
      event_type: `order.${status}`,
    });
    const send = async (status: string, orderId: string) =>
      expect((await post('generic', order(status, orderId), 'generic-secret-123')).statusCode).toBe(200);
    const byOrder = (id: string, steps: number) =>
      waitFor(async () => {
        const list = (await t.call('GET', `/api/v1/conversions?order_id=${id}`, tenant.keys.admin)).json();
        const c = list.items[0];
        return c && c.history.length >= steps ? c : undefined;
      });

    await send('pending', 'LC-1');
    await send('approved', 'LC-1');
    const approved = await byOrder('LC-1', 2);
    await waitFor(() => emulator.received().some((e) => e.eventId === approved.purchase_event_id));
    await send('refunded', 'LC-1');
    // The same approval delivered again is recognized by its bytes and changes nothing.
    const retry = await post('generic', order('approved', 'LC-1'), 'generic-secret-123');
    expect(retry.json().status).toBe('duplicate');
    const one = await byOrder('LC-1', 3);
    expect(one.status).toBe('refunded');
    expect(one.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'approved', 'refunded']);

    await send('refunded', 'LC-2');
    await send('approved', 'LC-2');
    const two = await byOrder('LC-2', 2);
    expect(two.status).toBe('refunded');
    expect(two.history.map((h: { applied: boolean }) => h.applied)).toEqual([true, false]);

    await new Promise((r) => setTimeout(r, 500));
    expect(emulator.received().filter((e) => e.eventId === one.purchase_event_id)).toHaveLength(1);
    expect(emulator.received().filter((e) => e.eventId === two.purchase_event_id)).toHaveLength(0);
  });

  it('never sends a gateway test delivery as a real conversion', async () => {
    const res = await post('hotmart', fixture('hotmart', 'test-send'), 'hottok-secret-123');
    expect(res.statusCode).toBe(200);
    const conversion = await waitFor(async () => {
      const list = (await t.call('GET', '/api/v1/conversions?gateway=hotmart', tenant.keys.admin)).json();
      return list.items.find((c: { is_test: boolean }) => c.is_test);
    });
    const events = await waitFor(async () => {
      const list = (await t.call('GET', `/api/v1/events?event_name=purchase&limit=200`, tenant.keys.admin)).json();
      return list.items.find((e: { event_id: string }) => e.event_id === conversion.purchase_event_id);
    });
    expect(events.is_test).toBe(true);
    expect(events.deliveries[0].status).toBe('skipped');
    expect(emulator.received().some((e) => e.eventId === conversion.purchase_event_id)).toBe(false);
  });

  it('documents the purchase event_id formula', async () => {
    const list = (await t.call('GET', '/api/v1/conversions?gateway=generic', tenant.keys.admin)).json();
    const c = list.items.find((x: { order_id: string }) => x.order_id === 'LC-1');
    const expected = createHash('sha256').update(`${tenant.id}:LC-1:purchase`).digest('hex').slice(0, 32);
    expect(c.purchase_event_id).toBe(expected);
  });
  it('filters conversions by status, match status, gateway and sale time, and refuses unknown values', async () => {
    const get = (query: string) => t.call('GET', `/api/v1/conversions?${query}`, tenant.keys.admin);
    const all = (await get('limit=200')).json().items as { id: string; status: string; occurred_at: string }[];
    expect(all.length).toBeGreaterThan(1);
    const refunded = (await get('status=refunded&limit=200')).json().items as { status: string }[];
    expect(refunded.length).toBeGreaterThan(0);
    expect(refunded.every((c) => c.status === 'refunded')).toBe(true);
    // A window on the sale time: everything before the newest sale, then nothing after it.
    const newest = all
      .map((c) => c.occurred_at)
      .sort()
      .at(-1)!;
    const before = (await get(`to=${newest}&limit=200`)).json().items as { occurred_at: string }[];
    expect(before.length).toBe(all.filter((c) => c.occurred_at < newest).length);
    expect((await get(`from=${new Date(Date.parse(newest) + 1).toISOString()}`)).json().items).toEqual([]);
    for (const [query, field] of [
      ['status=bogus', 'querystring.status'],
      ['match_status=bogus', 'querystring.match_status'],
      ['gateway=nope', 'querystring.gateway'],
      ['from=yesterday', 'querystring.from'],
    ]) {
      const res = await get(query!);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.details[0].field).toBe(field);
    }
    expect((await get('gateway=nope')).json().error.details[0].problem).toContain('"hotmart"');
  });
});
