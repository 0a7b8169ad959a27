import { describe, expect, it } from 'vitest';
import { hmacHex } from '../signatures.ts';
import { signStripe, timestampedSignatureHeader } from '../sign.ts';
import { conversionOf, loadFixture, tamperBody, withoutHeader } from '../testing.ts';
import { stripe } from './index.ts';

const SECRET = 'whsec_4fQ8mZ2nR7tY1vB6cX3kL9pD0sH5jG2w';
const now = new Date('2025-02-17T13:50:00Z');
const fixture = (name: string) => loadFixture('stripe', name);
const parse = (name: string) => conversionOf(stripe.parse(signStripe(fixture(name), SECRET, { timestamp: now })));

describe('stripe verify', () => {
  const signed = signStripe(fixture('checkout-session-completed-card.json'), SECRET, { timestamp: now });

  it('accepts t=…,v1=hex(HMAC-SHA256(`${t}.${body}`)) (round-trip)', () => {
    const t = Math.floor(now.getTime() / 1000);
    const expected = hmacHex('sha256', SECRET, `${t}.${signed.rawBody.toString('utf8')}`);
    expect(signed.headers['stripe-signature']).toBe(`t=${t},v1=${expected}`);
    expect(stripe.verify(signed, SECRET, now)).toEqual({ ok: true });
  });

  it('accepts any of several v1 signatures (secret rotation) and ignores v0', () => {
    const rotated = signStripe(fixture('checkout-session-completed-card.json'), SECRET, {
      timestamp: now,
      extraSignatures: ['0'.repeat(64), hmacHex('sha256', 'whsec_old', 'x')],
    });
    const header = `${rotated.headers['stripe-signature']},v0=${'f'.repeat(64)}`;
    expect(header.match(/v1=/g)).toHaveLength(3);
    expect(stripe.verify({ ...rotated, headers: { 'stripe-signature': header } }, SECRET, now)).toEqual({ ok: true });
  });

  it('rejects a wrong secret', () => {
    expect(stripe.verify(signed, 'whsec_other', now)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a body with one byte changed', () => {
    expect(stripe.verify(tamperBody(signed), SECRET, now).ok).toBe(false);
  });

  it('rejects a missing or malformed header', () => {
    expect(stripe.verify(withoutHeader(signed, 'stripe-signature'), SECRET, now)).toEqual({
      ok: false,
      reason: 'missing Stripe-Signature header',
    });
    const malformed = { ...signed, headers: { 'stripe-signature': 'v1=abc' } };
    expect(stripe.verify(malformed, SECRET, now).ok).toBe(false);
  });

  it('rejects a timestamp older (or newer) than 300 s, accepts 300 s exactly', () => {
    const body = signed.rawBody;
    const at = (offsetSeconds: number) => ({
      ...signed,
      headers: {
        'stripe-signature': timestampedSignatureHeader(body, SECRET, new Date(now.getTime() + offsetSeconds * 1000)),
      },
    });
    expect(stripe.verify(at(-301), SECRET, now)).toEqual({
      ok: false,
      reason: 'timestamp outside the 300 s tolerance',
    });
    expect(stripe.verify(at(-3600), SECRET, now).ok).toBe(false);
    expect(stripe.verify(at(+301), SECRET, now).ok).toBe(false);
    expect(stripe.verify(at(-300), SECRET, now).ok).toBe(true);
  });

  it('rejects a replayed signature moved to a new timestamp', () => {
    const header = signed.headers['stripe-signature'] as string;
    const t = Math.floor(now.getTime() / 1000);
    const moved = header.replace(`t=${t}`, `t=${t + 10}`);
    expect(stripe.verify({ ...signed, headers: { 'stripe-signature': moved } }, SECRET, now).ok).toBe(false);
  });
});

describe('stripe parse', () => {
  it('maps a paid card checkout session', () => {
    const c = parse('checkout-session-completed-card.json');
    expect(c).toMatchObject({
      eventType: 'checkout.session.completed',
      notificationId: 'evt_1QuX1b2C3d4E5f6G7h8I9j0K',
      orderId: 'pi_3QuX1a2B3c4D5e6F0abc1234',
      status: 'approved',
      paymentMethod: 'card',
      amount: 197,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.buyer).toEqual({
      email: 'ana.martins@exemplo.com.br',
      phone: '+5531988776655',
      first_name: 'Ana',
      last_name: 'Beatriz Martins',
      city: 'Belo Horizonte',
      state: 'MG',
      zip: '30130-005',
      country: 'BR',
    });
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JM4Q9T2V6X8Z0B3D5F7H9K1M',
      utm_source: 'facebook',
      utm_campaign: 'lancamento-marco',
      fbc: 'fb.1.1739799000000.IwAR3xYzAbCdEf',
      fbp: 'fb.1.1739700000000.1122334455',
      raw: { client_reference_id: 'rst_01JM4Q9T2V6X8Z0B3D5F7H9K1M', utm_medium: 'cpc' },
    });
    expect(c.occurredAt.toISOString()).toBe(new Date(1739800123 * 1000).toISOString());
  });

  it('maps an unpaid boleto checkout as pending, then its async outcome', () => {
    const pending = parse('checkout-session-completed-boleto-unpaid.json');
    expect(pending).toMatchObject({ status: 'pending', paymentMethod: 'boleto', amount: 397 });
    expect(pending.tracking).toMatchObject({
      rastro_id: 'rst_01JM4R2S3T4U5V6W7X8Y9Z0A1B',
      gclid: 'Cj0KCQiA2ZCOBhDiARIsAMRfv9JxYz',
    });
    const paid = parse('checkout-session-async-payment-succeeded.json');
    expect(paid).toMatchObject({ status: 'approved', orderId: pending.orderId });
    const failed = parse('checkout-session-async-payment-failed.json');
    expect(failed).toMatchObject({ status: 'canceled', orderId: pending.orderId });
  });

  it('keeps zero-decimal currencies whole (JPY)', () => {
    const c = parse('payment-intent-succeeded-jpy.json');
    expect(c).toMatchObject({
      amount: 4500,
      currency: 'JPY',
      status: 'approved',
      orderId: 'pi_3QvA1b2C3d4E5f6G0jpy5678',
    });
    expect(c.buyer).toMatchObject({ email: 'kenji.sato@example.jp', first_name: 'Kenji', country: 'JP' });
    expect(c.tracking).toMatchObject({ rastro_id: 'rst_01JM5A6B7C8D9E0F1G2H3J4K5L', ttclid: 'E.C.P.abc123xyz' });
  });

  it('maps a refund and a dispute onto the same order as the sale', () => {
    const refund = parse('charge-refunded.json');
    expect(refund).toMatchObject({ status: 'refunded', amount: 197, orderId: 'pi_3QuX1a2B3c4D5e6F0abc1234' });
    expect(refund.occurredAt.toISOString()).toBe(new Date(1740300000 * 1000).toISOString());
    const dispute = parse('charge-dispute-created.json');
    expect(dispute).toMatchObject({ status: 'chargeback', amount: 197, orderId: 'pi_3QuX1a2B3c4D5e6F0abc1234' });
    expect(dispute.buyer.email).toBe('ana.martins@exemplo.com.br');
  });

  it('maps a subscription renewal invoice', () => {
    const c = parse('invoice-paid-renewal.json');
    expect(c).toMatchObject({
      status: 'approved',
      amount: 59.9,
      currency: 'USD',
      isRenewal: true,
      subscriptionId: 'sub_1PzE5f6G7h8I9j0K1l2M3n4O',
      orderId: 'in_1QyD4e5F6g7H8i9J0k1L2m3N',
    });
    expect(c.products).toEqual([
      { id: 'prod_QqR7s8T9u0V1w2', name: '1 × Pro plan (at $59.90 / month)', quantity: 1, price: 59.9 },
    ]);
    expect(c.tracking.rastro_id).toBe('rst_01JM6B7C8D9E0F1G2H3J4K5L6M');
    expect(c.occurredAt.toISOString()).toBe(new Date(1741503600 * 1000).toISOString());
  });

  it('flags test-mode events (livemode: false)', () => {
    const c = parse('checkout-session-completed-test-mode.json');
    expect(c).toMatchObject({ isTest: true, amount: 20, currency: 'USD' });
  });

  it('ignores events that are not sales', () => {
    expect(stripe.parse(signStripe(fixture('customer-created.json'), SECRET))).toEqual({
      kind: 'ignored',
      eventType: 'customer.created',
      reason: 'not a sale event',
    });
  });

  it('converts three-decimal currencies', () => {
    const event = fixture('payment-intent-succeeded-jpy.json');
    const object = (event.data as { object: Record<string, unknown> }).object;
    object.currency = 'kwd';
    object.amount_received = 12345;
    expect(conversionOf(stripe.parse(signStripe(event, SECRET))).amount).toBe(12.345);
  });
});
