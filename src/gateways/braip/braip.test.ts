import { describe, expect, it } from 'vitest';
import { signBraip } from '../sign.ts';
import { conversionOf, loadFixture } from '../testing.ts';
import type { RawWebhook } from '../types.ts';
import { braip } from './index.ts';

const KEY = '9b4f2d8e1a6c03b7e5d9f1a2c4e6b8d0f3a5c7e9';
const now = new Date('2025-06-03T19:41:00Z');
const fixture = (name: string) => loadFixture('braip', name);
const parse = (name: string) => conversionOf(braip.parse(signBraip(fixture(name), KEY)));

const replaceInBody = (webhook: RawWebhook, from: string, to: string): RawWebhook => ({
  ...webhook,
  rawBody: Buffer.from(webhook.rawBody.toString('utf8').replace(from, to)),
});

describe('braip verify', () => {
  const signed = signBraip(fixture('sale-approved-card.json'), KEY);

  it('accepts basic_authentication carried in the body (round-trip)', () => {
    expect(braip.verify(signed, KEY, now)).toEqual({ ok: true });
  });

  it('rejects a wrong key', () => {
    expect(braip.verify(signed, '5e8d1c7a93f04b26e1d8c3a7b9f2e0d4c6a1b3e5', now)).toEqual({
      ok: false,
      reason: 'basic_authentication mismatch',
    });
  });

  it('rejects a body whose key has one byte changed', () => {
    expect(braip.verify(replaceInBody(signed, KEY, `0${KEY.slice(1)}`), KEY, now).ok).toBe(false);
  });

  it('rejects a body without basic_authentication', () => {
    const noKey = replaceInBody(signed, `"basic_authentication":"${KEY}"`, '"other":"x"');
    expect(braip.verify(noKey, KEY, now)).toEqual({ ok: false, reason: 'missing basic_authentication in body' });
  });

  it('accepts a form-encoded postback with meta[...] fields', () => {
    const form = signBraip(fixture('sale-approved-card.json'), KEY, { form: true });
    expect(form.rawBody.toString()).toContain('meta%5Butm_source%5D=instagram');
    expect(braip.verify(form, KEY, now)).toEqual({ ok: true });
    expect(conversionOf(braip.parse(form))).toMatchObject({
      amount: 197.9,
      status: 'approved',
      tracking: { utm_source: 'instagram', rastro_id: 'rst_01JR0J1K2L3M4N5P6Q7R8S9T0U' },
    });
  });

  it('has no body integrity: a static key cannot detect a tampered body', () => {
    expect(braip.verify(replaceInBody(signed, '"trans_value":19790', '"trans_value":19791'), KEY, now).ok).toBe(true);
  });
});

describe('braip parse', () => {
  it('maps an approved card sale (cents → major units)', () => {
    const c = parse('sale-approved-card.json');
    expect(c).toMatchObject({
      eventType: 'STATUS_ALTERADO:Pagamento Aprovado',
      orderId: 'ven8r4t2y6u0',
      status: 'approved',
      paymentMethod: 'card',
      amount: 197.9,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.occurredAt.toISOString()).toBe('2025-06-03T19:40:31.000Z');
    expect(c.buyer).toEqual({
      email: 'vanessa.duarte@exemplo.com.br',
      phone: '+55 (71) 98844-5566',
      first_name: 'Vanessa',
      last_name: 'Queiroz Duarte',
      city: 'Salvador',
      state: 'BA',
      zip: '40080002',
      country: 'BR',
      document: '71460213004',
    });
    expect(c.products).toEqual([{ id: 'pro4k8m1', name: 'Kit 3 Potes', quantity: 1, price: 197.9 }]);
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JR0J1K2L3M4N5P6Q7R8S9T0U',
      utm_source: 'instagram',
      utm_medium: 'stories',
      utm_campaign: 'colageno-junho',
      fbclid: 'PAZXh0bgNhZW0CMTEAAabc',
      raw: { src: 'ig', sck: 'rst_01JR0J1K2L3M4N5P6Q7R8S9T0U' },
    });
  });

  it('maps boleto and PIX awaiting payment as pending', () => {
    const boleto = parse('sale-pending-boleto.json');
    expect(boleto).toMatchObject({ status: 'pending', paymentMethod: 'boleto' });
    expect(boleto.tracking).toMatchObject({ rastro_id: 'rst_01JR0K2L3M4N5P6Q7R8S9T0U1V', gclid: 'CjwKCAjw1' });
    expect(parse('sale-pending-pix.json')).toMatchObject({ status: 'pending', paymentMethod: 'pix' });
  });

  it.each([
    ['sale-refunded.json', 'refunded'],
    ['sale-chargeback.json', 'chargeback'],
    ['sale-canceled-boleto.json', 'canceled'],
  ] as const)('maps %s to %s', (name, status) => {
    expect(parse(name).status).toBe(status);
  });

  it('maps a subscription renewal', () => {
    expect(parse('subscription-renewal.json')).toMatchObject({
      status: 'approved',
      amount: 89.9,
      subscriptionId: 'ass3m7p1q9',
      isRenewal: true,
    });
  });

  it('maps a checkout abandonment', () => {
    const c = parse('checkout-abandonment.json');
    expect(c).toMatchObject({ status: 'abandoned', orderId: 'cart:aba5n1c8d2', amount: 0 });
    expect(c.buyer).toMatchObject({ email: 'gustavo.henrique@exemplo.com.br', phone: '5511977665544' });
    expect(c.tracking.rastro_id).toBe('rst_01JR0L3M4N5P6Q7R8S9T0U1V2W');
  });

  it('falls back to trans_status_code when the label is unknown', () => {
    const sale = { ...fixture('sale-refunded.json'), trans_status: 'Devolução Concluída' };
    expect(conversionOf(braip.parse(signBraip(sale, KEY))).status).toBe('refunded');
  });

  it('ignores postbacks that are not transactions', () => {
    expect(braip.parse(signBraip(fixture('subscription-canceled-notice.json'), KEY))).toMatchObject({
      kind: 'ignored',
      eventType: 'ASSINATURA_CANCELADA',
    });
  });
});
