import { describe, expect, it } from 'vitest';
import { RastroError } from '../../core/errors.ts';
import { hmacHex } from '../signatures.ts';
import { signKiwify } from '../sign.ts';
import { conversionOf, loadFixture, tamperBody } from '../testing.ts';
import { kiwify } from './index.ts';

const TOKEN = 'k1wq8z3xv0r7';
const now = new Date('2025-02-10T17:30:00Z');
const fixture = (name: string) => loadFixture('kiwify', name);
const parse = (name: string) => conversionOf(kiwify.parse(signKiwify(fixture(name), TOKEN)));

describe('kiwify verify', () => {
  const signed = signKiwify(fixture('order-approved-card.json'), TOKEN);

  it('accepts ?signature= = hex HMAC-SHA1 of the raw body (round-trip)', () => {
    expect(signed.query.signature).toBe(hmacHex('sha1', TOKEN, signed.rawBody));
    expect(kiwify.verify(signed, TOKEN, now)).toEqual({ ok: true });
  });

  it('accepts an upper-case hex signature', () => {
    const upper = { ...signed, query: { signature: signed.query.signature?.toUpperCase() } };
    expect(kiwify.verify(upper, TOKEN, now).ok).toBe(true);
  });

  it('rejects a wrong token', () => {
    expect(kiwify.verify(signed, 'other-token', now)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a body with one byte changed', () => {
    expect(kiwify.verify(tamperBody(signed), TOKEN, now).ok).toBe(false);
  });

  it('rejects a missing or truncated signature', () => {
    expect(kiwify.verify({ ...signed, query: {} }, TOKEN, now)).toEqual({
      ok: false,
      reason: 'missing signature query parameter',
    });
    const truncated = { ...signed, query: { signature: signed.query.signature?.slice(0, 20) } };
    expect(kiwify.verify(truncated, TOKEN, now).ok).toBe(false);
  });

  it('rejects everything when no token is configured', () => {
    expect(kiwify.verify(signed, '', now).ok).toBe(false);
  });
});

describe('kiwify parse', () => {
  it('maps an approved card order (cents → major units, sck as Rastro id)', () => {
    const c = parse('order-approved-card.json');
    expect(c).toMatchObject({
      eventType: 'order_approved',
      orderId: '5d7e2a14-93b0-4c6f-a8e1-7f02b4c9d315',
      status: 'approved',
      paymentMethod: 'card',
      amount: 497,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.occurredAt.toISOString()).toBe('2025-02-10T17:22:00.000Z');
    expect(c.buyer).toEqual({
      email: 'rafael.lima@exemplo.com.br',
      phone: '+5548996541230',
      first_name: 'Rafael',
      last_name: 'Costa Lima',
      city: 'Florianópolis',
      state: 'SC',
      zip: '88015530',
      document: '98765432100',
    });
    expect(c.products).toEqual([
      { id: 'a9f3c2e1-7b64-4d58-9e0a-3c1f2b7d8e40', name: 'Mentoria Finanças Pessoais', quantity: 1, price: 497 },
    ]);
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JKZB6W3Y8C2D4F6H8J0K2M4N',
      utm_source: 'instagram',
      utm_medium: 'paid',
      utm_campaign: 'mentoria-fev',
      utm_content: 'video-03',
      client_ip: '200.18.44.91',
      raw: { src: 'ig_stories', sck: 'rst_01JKZB6W3Y8C2D4F6H8J0K2M4N', utm_source: 'instagram' },
    });
  });

  it('maps a PIX issued as pending and takes s1 when sck is empty', () => {
    const c = parse('pix-created.json');
    expect(c).toMatchObject({ status: 'pending', paymentMethod: 'pix', amount: 49.9, eventType: 'pix_created' });
    expect(c.tracking.rastro_id).toBe('rst_01JKZC1A2B3C4D5E6F7G8H9J0K');
  });

  it('maps a boleto issued as pending', () => {
    expect(parse('billet-created.json')).toMatchObject({ status: 'pending', paymentMethod: 'boleto', amount: 497 });
  });

  it('maps refund, chargeback and refused card', () => {
    const refund = parse('order-refunded.json');
    expect(refund).toMatchObject({ status: 'refunded', amount: 497 });
    expect(refund.occurredAt.toISOString()).toBe('2025-02-14T12:10:00.000Z');
    expect(parse('chargeback.json').status).toBe('chargeback');
    expect(parse('order-rejected.json').status).toBe('canceled');
  });

  it('maps a subscription renewal', () => {
    expect(parse('subscription-renewed.json')).toMatchObject({
      status: 'approved',
      amount: 97,
      isRenewal: true,
      subscriptionId: 'f0e9d8c7-b6a5-4493-8271-605f4e3d2c1b',
    });
  });

  it('ignores subscription notices that are not sales', () => {
    expect(kiwify.parse(signKiwify(fixture('subscription-canceled.json'), TOKEN))).toMatchObject({
      kind: 'ignored',
      eventType: 'subscription_canceled',
    });
  });

  it('maps an abandoned cart', () => {
    const c = parse('abandoned-cart.json');
    expect(c).toMatchObject({ status: 'abandoned', orderId: 'cart:k3m8q2w7e1r5t9', amount: 0, currency: 'BRL' });
    expect(c.buyer).toMatchObject({
      email: 'bianca.nunes@exemplo.com.br',
      first_name: 'Bianca',
      last_name: 'Nunes',
      country: 'BR',
      document: '11122233396',
    });
  });

  it('flags the dashboard test send', () => {
    const c = parse('test-send.json');
    expect(c.isTest).toBe(true);
    expect(c.amount).toBe(50.73);
  });

  it('rejects a body that is not JSON', () => {
    expect(() => kiwify.parse(signKiwify('order_id=1', TOKEN))).toThrow(RastroError);
  });
});
