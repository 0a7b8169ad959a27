import { describe, expect, it } from 'vitest';
import { hmacBase64 } from '../signatures.ts';
import { signWooCommerce, wooCommercePing } from '../sign.ts';
import { conversionOf, loadFixture, tamperBody, withoutHeader } from '../testing.ts';
import { woocommerce } from './index.ts';

const SECRET = 'wc-s3cr3t-7Hq2Lp9Zx4';
const now = new Date('2025-04-02T12:45:00Z');
const fixture = (name: string) => loadFixture('woocommerce', name);
const parse = (name: string, topic = 'order.updated') =>
  conversionOf(woocommerce.parse(signWooCommerce(fixture(name), SECRET, { topic })));

describe('woocommerce verify', () => {
  const signed = signWooCommerce(fixture('order-processing-card.json'), SECRET, { topic: 'order.created' });

  it('accepts X-WC-Webhook-Signature = base64 HMAC-SHA256 of the raw body (round-trip)', () => {
    expect(signed.headers['x-wc-webhook-signature']).toBe(hmacBase64('sha256', SECRET, signed.rawBody));
    expect(woocommerce.verify(signed, SECRET, now)).toEqual({ ok: true });
  });

  it('rejects a wrong secret', () => {
    expect(woocommerce.verify(signed, 'other', now)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a body with one byte changed', () => {
    expect(woocommerce.verify(tamperBody(signed), SECRET, now).ok).toBe(false);
  });

  it('rejects a missing signature on an order body', () => {
    expect(woocommerce.verify(withoutHeader(signed, 'x-wc-webhook-signature'), SECRET, now)).toEqual({
      ok: false,
      reason: 'missing X-WC-Webhook-Signature header',
    });
  });

  it('accepts the unsigned creation ping and answers it as a ping', () => {
    const ping = wooCommercePing(37);
    expect(ping.rawBody.toString()).toBe('webhook_id=37');
    expect(woocommerce.verify(ping, SECRET, now)).toEqual({ ok: true });
    expect(woocommerce.parse(ping)).toEqual({ kind: 'ping' });
  });

  it('does not treat a ping-looking body with extra fields as a ping', () => {
    const fake = { ...wooCommercePing(), rawBody: Buffer.from('webhook_id=37&status=processing') };
    expect(woocommerce.verify(fake, SECRET, now).ok).toBe(false);
  });
});

describe('woocommerce parse', () => {
  it('maps a processing card order with order-attribution meta', () => {
    const c = parse('order-processing-card.json', 'order.created');
    expect(c).toMatchObject({
      eventType: 'order.created:processing',
      notificationId: '9f3a1c77d0c2f3e5a8b6c4d2e1f0a9b8',
      orderId: '4821',
      status: 'approved',
      paymentMethod: 'card',
      amount: 168.4,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.occurredAt.toISOString()).toBe('2025-04-02T12:41:29.000Z');
    expect(c.buyer).toEqual({
      email: 'tatiane.moreira@exemplo.com.br',
      phone: '(51) 99876-1234',
      first_name: 'Tatiane',
      last_name: 'Moreira',
      city: 'Porto Alegre',
      state: 'RS',
      zip: '90570-080',
      country: 'BR',
      document: '52998224725',
    });
    expect(c.products).toEqual([{ id: '1207', name: 'Caneca de Cerâmica Artesanal', quantity: 3, price: 49.9 }]);
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JP8E9F0G1H2J3K4L5M6N7P8Q',
      utm_source: 'facebook',
      utm_medium: 'cpc',
      utm_campaign: 'canecas-abril',
      utm_content: 'carrossel-2',
      fbclid: 'IwAR0k9ZpQ7',
      fbp: 'fb.1.1743590000000.9988776655',
      referrer: 'https://m.facebook.com/',
      client_ip: '191.5.88.140',
      landing_url:
        'https://ateliedobarro.com.br/canecas/?utm_source=facebook&utm_medium=cpc&utm_campaign=canecas-abril&fbclid=IwAR0k9ZpQ7',
    });
    expect(c.tracking.raw).toMatchObject({
      _rastro_id: 'rst_01JP8E9F0G1H2J3K4L5M6N7P8Q',
      _wc_order_attribution_source_type: 'utm',
      _wc_order_attribution_device_type: 'Desktop',
    });
    expect(c.tracking.raw).not.toHaveProperty('is_vat_exempt');
  });

  it('maps an on-hold PIX order as pending and reads rastro_id from the landing page', () => {
    const c = parse('order-on-hold-pix.json');
    expect(c).toMatchObject({ status: 'pending', paymentMethod: 'pix', amount: 89.9, orderId: '4822' });
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JP8F0G1H2J3K4L5M6N7P8Q9R',
      gclid: 'Cj0KCQjwW00',
      utm_source: 'google',
    });
    expect(c.buyer).toMatchObject({ first_name: 'Renato', last_name: 'Araújo Lopes' });
    expect(c.buyer.document).toBeUndefined();
  });

  it.each([
    ['order-refunded.json', 'refunded'],
    ['order-cancelled.json', 'canceled'],
    ['order-failed-card.json', 'canceled'],
    ['order-completed.json', 'approved'],
  ] as const)('maps %s to %s', (name, status) => {
    expect(parse(name).status).toBe(status);
  });

  it('uses the modification time for status changes other than payment', () => {
    expect(parse('order-refunded.json').occurredAt.toISOString()).toBe('2025-04-09T18:00:00.000Z');
  });

  it('ignores resources that are not orders', () => {
    expect(
      woocommerce.parse(signWooCommerce(fixture('product-updated.json'), SECRET, { topic: 'product.updated' })),
    ).toEqual({
      kind: 'ignored',
      eventType: 'product.updated',
      reason: 'not an order topic Rastro maps',
    });
  });

  it('ignores order statuses it does not map', () => {
    const draft = { ...fixture('order-processing-card.json'), status: 'checkout-draft' };
    expect(woocommerce.parse(signWooCommerce(draft, SECRET)).kind).toBe('ignored');
  });
});
