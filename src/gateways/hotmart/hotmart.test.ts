import { describe, expect, it } from 'vitest';
import { RastroError } from '../../core/errors.ts';
import { signHotmart } from '../sign.ts';
import { conversionOf, loadFixture, tamperBody, withoutHeader } from '../testing.ts';
import { hotmart } from './index.ts';

const HOTTOK = 'hT9x2LqP0wZ7vB4nM1cK8sD3fG6jR5yU';
const now = new Date('2025-01-02T13:00:00Z');
const fixture = (name: string) => loadFixture('hotmart', name);
const parse = (name: string) => conversionOf(hotmart.parse(signHotmart(fixture(name), HOTTOK)));

describe('hotmart verify', () => {
  const signed = signHotmart(fixture('purchase-approved-card.json'), HOTTOK);

  it('accepts the right hottok (sign → verify round-trip)', () => {
    expect(hotmart.verify(signed, HOTTOK, now)).toEqual({ ok: true });
  });

  it('rejects a wrong hottok', () => {
    expect(hotmart.verify(signed, `${HOTTOK}x`, now).ok).toBe(false);
    expect(hotmart.verify(signed, 'another-token-of-other-size', now).ok).toBe(false);
  });

  it('rejects a hottok with one character changed', () => {
    const changed = { ...signed, headers: { ...signed.headers, 'x-hotmart-hottok': `${HOTTOK.slice(0, -1)}V` } };
    expect(hotmart.verify(changed, HOTTOK, now).ok).toBe(false);
  });

  it('rejects a missing header, even with hottok in a 2.0.0 body', () => {
    expect(hotmart.verify(withoutHeader(signed, 'x-hotmart-hottok'), HOTTOK, now)).toEqual({
      ok: false,
      reason: 'missing X-HOTMART-HOTTOK header',
    });
    const inBody = signHotmart(fixture('purchase-approved-card.json'), HOTTOK, { tokenInBody: true });
    expect(hotmart.verify(withoutHeader(inBody, 'x-hotmart-hottok'), HOTTOK, now).ok).toBe(false);
  });

  it('accepts the body hottok of a version 1.0.0 postback', () => {
    const v1 = {
      rawBody: Buffer.from(`hottok=${HOTTOK}&prod=3812457&status=approved&transaction=HP0001`),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      query: {},
    };
    expect(hotmart.verify(v1, HOTTOK, now)).toEqual({ ok: true });
    expect(hotmart.verify(v1, 'wrong', now).ok).toBe(false);
    expect(hotmart.parse(v1).kind).toBe('ignored');
  });

  it('has no body integrity: a static token cannot detect a tampered body', () => {
    // Documented limitation of Hotmart's scheme; the token still authenticates the sender.
    expect(hotmart.verify(tamperBody(signed), HOTTOK, now).ok).toBe(true);
  });

  it('rejects everything when no secret is configured', () => {
    expect(hotmart.verify(signed, '', now).ok).toBe(false);
  });
});

describe('hotmart parse', () => {
  it('maps an approved card purchase', () => {
    const c = parse('purchase-approved-card.json');
    expect(c).toMatchObject({
      eventType: 'PURCHASE_APPROVED',
      notificationId: '3b1f6a52-7c0e-4d8e-9f21-5a8c2e4d7b10',
      orderId: 'HP0718263549',
      status: 'approved',
      paymentMethod: 'card',
      amount: 297,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.isRenewal).toBeUndefined();
    expect(c.occurredAt.toISOString()).toBe('2025-01-02T13:02:00.000Z');
    expect(c.buyer).toEqual({
      email: 'marina.souza@exemplo.com.br',
      phone: '+5511987654321',
      first_name: 'Marina',
      last_name: 'Alves Souza',
      city: 'Campinas',
      state: 'SP',
      zip: '13025320',
      country: 'BR',
      document: '12345678909',
    });
    expect(c.products).toEqual([{ id: '3812457', name: 'Curso Horta em Casa', quantity: 1, price: 297 }]);
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JH2K7Q4M8N3P5R6S7T8V9W0X',
      client_ip: '177.34.120.8',
      raw: { src: 'meta_ads', sck: 'rst_01JH2K7Q4M8N3P5R6S7T8V9W0X', xcod: 'campanha-verao' },
    });
  });

  it('maps a printed boleto as pending, with xcod as the Rastro id when sck is absent', () => {
    const c = parse('purchase-billet-printed.json');
    expect(c).toMatchObject({ status: 'pending', paymentMethod: 'boleto', orderId: 'HP0718299012', amount: 297 });
    expect(c.buyer).toMatchObject({ first_name: 'João', last_name: 'Pereira', phone: '+5521998887766' });
    expect(c.tracking.rastro_id).toBe('rst_01JH2M0A1B2C3D4E5F6G7H8J9K');
    expect(c.occurredAt.toISOString()).toBe(new Date(1735909200000).toISOString());
  });

  it.each([
    ['purchase-refunded.json', 'refunded'],
    ['purchase-chargeback.json', 'chargeback'],
    ['purchase-expired-billet.json', 'canceled'],
  ] as const)('maps %s to %s', (name, status) => {
    const c = parse(name);
    expect(c.status).toBe(status);
    expect(c.amount).toBe(297);
    expect(c.currency).toBe('BRL');
  });

  it('maps a subscription renewal', () => {
    const c = parse('subscription-renewal.json');
    expect(c).toMatchObject({
      status: 'approved',
      amount: 49.9,
      isRenewal: true,
      subscriptionId: 'SUB7QX31Z',
      orderId: 'HP0721100333',
    });
  });

  it('flags Hotmart test sends', () => {
    const c = parse('test-send.json');
    expect(c.isTest).toBe(true);
    expect(c.amount).toBe(1500);
  });

  it('maps a cart abandonment', () => {
    const c = parse('cart-abandonment.json');
    expect(c).toMatchObject({ status: 'abandoned', orderId: 'cart:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d' });
    expect(c.buyer).toMatchObject({ email: 'paula.ribeiro@exemplo.com.br', phone: '31991234567', first_name: 'Paula' });
    expect(c.tracking.client_ip).toBe('189.40.77.12');
  });

  it('ignores members-area events', () => {
    expect(hotmart.parse(signHotmart(fixture('club-first-access.json'), HOTTOK))).toEqual({
      kind: 'ignored',
      eventType: 'CLUB_FIRST_ACCESS',
      reason: 'not a purchase event',
    });
  });

  it('rejects unreadable bodies and purchases without a price', () => {
    expect(() => hotmart.parse(signHotmart('{not json', HOTTOK))).toThrow(RastroError);
    const broken = fixture('purchase-approved-card.json');
    (broken.data as { purchase: { price?: unknown } }).purchase.price = undefined;
    expect(() => hotmart.parse(signHotmart(broken, HOTTOK))).toThrow(/data.purchase.price.value/);
  });
});
