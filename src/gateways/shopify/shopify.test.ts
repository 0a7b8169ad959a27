import { describe, expect, it } from 'vitest';
import { hmacBase64 } from '../signatures.ts';
import { signShopify } from '../sign.ts';
import { conversionOf, loadFixture, tamperBody, withoutHeader } from '../testing.ts';
import { shopify } from './index.ts';

const SECRET = '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';
const now = new Date('2025-03-04T13:20:00Z');
const fixture = (name: string) => loadFixture('shopify', name);
const parse = (name: string, topic: string) =>
  conversionOf(shopify.parse(signShopify(fixture(name), SECRET, { topic, shopDomain: 'cafe-da-serra.myshopify.com' })));

describe('shopify verify', () => {
  const signed = signShopify(fixture('orders-paid-card.json'), SECRET, { topic: 'orders/paid' });

  it('accepts X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256 of the raw body (round-trip)', () => {
    expect(signed.headers['x-shopify-hmac-sha256']).toBe(hmacBase64('sha256', SECRET, signed.rawBody));
    expect(shopify.verify(signed, SECRET, now)).toEqual({ ok: true });
  });

  it('rejects a wrong secret', () => {
    expect(shopify.verify(signed, 'shpss_other', now)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a body with one byte changed', () => {
    expect(shopify.verify(tamperBody(signed), SECRET, now).ok).toBe(false);
  });

  it('rejects a missing header and a hex (not base64) digest', () => {
    expect(shopify.verify(withoutHeader(signed, 'x-shopify-hmac-sha256'), SECRET, now)).toEqual({
      ok: false,
      reason: 'missing X-Shopify-Hmac-Sha256 header',
    });
    const hex = Buffer.from(signed.headers['x-shopify-hmac-sha256'] as string, 'base64').toString('hex');
    expect(
      shopify.verify({ ...signed, headers: { ...signed.headers, 'x-shopify-hmac-sha256': hex } }, SECRET, now).ok,
    ).toBe(false);
  });
});

describe('shopify parse', () => {
  it('maps orders/paid with note attributes and landing-site tracking', () => {
    const c = parse('orders-paid-card.json', 'orders/paid');
    expect(c).toMatchObject({
      eventType: 'orders/paid',
      notificationId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      orderId: '6120458873921',
      status: 'approved',
      paymentMethod: 'card',
      amount: 254.7,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.occurredAt.toISOString()).toBe('2025-03-04T13:15:20.000Z');
    expect(c.buyer).toEqual({
      email: 'lucia.fernandes@exemplo.com.br',
      phone: '+5541999001122',
      first_name: 'Lúcia',
      last_name: 'Fernandes',
      city: 'Curitiba',
      state: 'PR',
      zip: '80020-310',
      country: 'BR',
    });
    expect(c.products).toEqual([{ id: '8801122334455', name: 'Kit Café Especial', quantity: 2, price: 119.9 }]);
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JN7C8D9E0F1G2H3J4K5L6M7N',
      utm_source: 'facebook',
      utm_medium: 'paid_social',
      utm_campaign: 'cafe-marco',
      fbclid: 'IwZXh0bgNhZW0BMABhZGlk',
      fbp: 'fb.1.1741093000000.5566778899',
      fbc: 'fb.1.1741093100000.IwZXh0bgNhZW0BMABhZGlk',
      client_ip: '187.65.10.203',
      referrer: 'https://l.facebook.com/',
      landing_url:
        'https://cafe-da-serra.myshopify.com/products/kit-cafe-especial?utm_source=facebook&utm_medium=paid_social&utm_campaign=cafe-marco&fbclid=IwZXh0bgNhZW0BMABhZGlk',
    });
    expect(c.tracking.user_agent).toContain('iPhone');
    expect(c.tracking.raw).toMatchObject({
      'note_attributes.rastro_id': 'rst_01JN7C8D9E0F1G2H3J4K5L6M7N',
      'landing_site.utm_source': 'facebook',
      referring_site: 'https://l.facebook.com/',
    });
  });

  it('maps a pending boleto order and reads rastro_id from the landing site', () => {
    const c = parse('orders-create-pending-boleto.json', 'orders/create');
    expect(c).toMatchObject({ status: 'pending', paymentMethod: 'boleto', orderId: '6120461122334', amount: 254.7 });
    expect(c.tracking).toMatchObject({ rastro_id: 'rst_01JN7D0E1F2G3H4J5K6L7M8N9P', gclid: 'EAIaIQobChMIu7' });
    expect(c.buyer).toMatchObject({ first_name: 'Sérgio', phone: '+5551988554433', state: 'RS' });
  });

  it('maps orders/cancelled', () => {
    const c = parse('orders-cancelled.json', 'orders/cancelled');
    expect(c).toMatchObject({ status: 'canceled', orderId: '6120461122334' });
    expect(c.occurredAt.toISOString()).toBe('2025-03-08T12:00:00.000Z');
  });

  it('maps refunds/create onto the order, summing refund transactions', () => {
    const c = parse('refunds-create.json', 'refunds/create');
    expect(c).toMatchObject({ status: 'refunded', orderId: '6120458873921', amount: 254.7, currency: 'BRL' });
    expect(c.products).toEqual([{ id: '8801122334455', name: 'Kit Café Especial', quantity: 2, price: 119.9 }]);
  });

  it('maps disputes/create as a chargeback', () => {
    expect(parse('disputes-create.json', 'disputes/create')).toMatchObject({
      status: 'chargeback',
      orderId: '6120458873921',
      amount: 254.7,
      eventType: 'disputes/create:chargeback',
    });
  });

  it('flags test orders', () => {
    expect(parse('orders-paid-test.json', 'orders/paid')).toMatchObject({
      isTest: true,
      amount: 10,
      paymentMethod: 'card',
    });
  });

  it('ignores topics that are not orders', () => {
    expect(shopify.parse(signShopify(fixture('customers-create.json'), SECRET, { topic: 'customers/create' }))).toEqual(
      {
        kind: 'ignored',
        eventType: 'customers/create',
        reason: 'not an order topic',
      },
    );
  });
});
