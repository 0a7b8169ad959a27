import { describe, expect, it } from 'vitest';
import { RastroError } from '../../core/errors.ts';
import { hmacHex } from '../signatures.ts';
import { signGeneric, timestampedSignatureHeader } from '../sign.ts';
import { conversionOf, loadFixture, tamperBody, withoutHeader } from '../testing.ts';
import { generic } from './index.ts';

const SECRET = 'rst_whk_5mQ9vX2cL7pT0aZ4';
const now = new Date('2025-08-12T17:06:00Z');
const fixture = (name: string) => loadFixture('generic', name);
const parse = (name: string) => conversionOf(generic.parse(signGeneric(fixture(name), SECRET, { timestamp: now })));

describe('generic verify', () => {
  const signed = signGeneric(fixture('order-approved-card.json'), SECRET, { timestamp: now });

  it('accepts X-Rastro-Signature t=…,v1=hex(HMAC-SHA256(`${t}.${body}`)) (round-trip)', () => {
    const t = Math.floor(now.getTime() / 1000);
    expect(signed.headers['x-rastro-signature']).toBe(
      `t=${t},v1=${hmacHex('sha256', SECRET, `${t}.${signed.rawBody.toString()}`)}`,
    );
    expect(generic.verify(signed, SECRET, now)).toEqual({ ok: true });
  });

  it('accepts several v1 values when one matches', () => {
    const rotated = signGeneric(fixture('order-approved-card.json'), SECRET, {
      timestamp: now,
      extraSignatures: ['a'.repeat(64)],
    });
    expect(generic.verify(rotated, SECRET, now)).toEqual({ ok: true });
  });

  it('rejects a wrong secret, a tampered body and a missing header', () => {
    expect(generic.verify(signed, 'rst_whk_other', now).ok).toBe(false);
    expect(generic.verify(tamperBody(signed), SECRET, now).ok).toBe(false);
    expect(generic.verify(withoutHeader(signed, 'x-rastro-signature'), SECRET, now)).toEqual({
      ok: false,
      reason: 'missing X-Rastro-Signature header',
    });
  });

  it('rejects a stale timestamp (> 300 s)', () => {
    const stale = {
      ...signed,
      headers: { 'x-rastro-signature': timestampedSignatureHeader(signed.rawBody, SECRET, now.getTime() / 1000 - 301) },
    };
    expect(generic.verify(stale, SECRET, now).ok).toBe(false);
  });
});

describe('generic parse', () => {
  it('maps an approved order', () => {
    const c = parse('order-approved-card.json');
    expect(c).toEqual({
      eventType: 'order.paid',
      notificationId: 'ntf_01JT2N5P6Q7R8S9T0U1V2W3X4Y',
      orderId: 'PED-2025-000913',
      status: 'approved',
      paymentMethod: 'card',
      amount: 349.9,
      currency: 'BRL',
      occurredAt: new Date('2025-08-12T17:05:33.000Z'),
      isTest: false,
      buyer: {
        email: 'helena.castro@exemplo.com.br',
        phone: '+5511976543210',
        first_name: 'Helena',
        last_name: 'Castro',
        city: 'São Paulo',
        state: 'SP',
        zip: '04538-133',
        country: 'BR',
        document: '41128843806',
      },
      products: [
        { id: 'SKU-LUM-01', name: 'Luminária de Mesa Articulada', quantity: 1, price: 299.9 },
        { id: 'SKU-LAMP-LED', name: 'Lâmpada LED 9W', quantity: 2, price: 25 },
      ],
      tracking: expect.objectContaining({
        rastro_id: 'rst_01JT2N4M5P6Q7R8S9T0U1V2W3X',
        fbc: 'fb.1.1754990000000.IwAR1gEnErIc',
        client_ip: '201.17.42.9',
        raw: expect.objectContaining({ utm_campaign: 'luminarias-agosto' }),
      }),
    });
  });

  it.each([
    ['order-pending-pix.json', 'pending'],
    ['order-refunded.json', 'refunded'],
    ['order-chargeback.json', 'chargeback'],
    ['order-canceled.json', 'canceled'],
    ['checkout-abandoned.json', 'abandoned'],
  ] as const)('maps %s to %s', (name, status) => {
    expect(parse(name).status).toBe(status);
  });

  it('upper-cases the currency', () => {
    expect(parse('checkout-abandoned.json').currency).toBe('BRL');
  });

  it('maps a renewal and a test send', () => {
    expect(parse('subscription-renewal.json')).toMatchObject({
      isRenewal: true,
      subscriptionId: 'ASS-4471',
      amount: 59.9,
    });
    expect(parse('test-send.json')).toMatchObject({ isTest: true, tracking: { raw: {} } });
  });

  it('rejects bodies that do not follow the schema, naming the field', () => {
    const bad = { ...fixture('order-approved-card.json'), status: 'paid', amount: '349.90' };
    let error: unknown;
    try {
      generic.parse(signGeneric(bad, SECRET));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RastroError);
    expect((error as RastroError).code).toBe('validation_failed');
    expect((error as RastroError).message).toMatch(/status/);
    expect((error as RastroError).message).toMatch(/amount/);
  });

  it('rejects an occurred_at that is not ISO-8601', () => {
    const bad = { ...fixture('order-approved-card.json'), occurred_at: '12/08/2025 14:05' };
    expect(() => generic.parse(signGeneric(bad, SECRET))).toThrow(/occurred_at/);
  });

  it('rejects a body that is not JSON', () => {
    expect(() => generic.parse(signGeneric('nope', SECRET))).toThrow(RastroError);
  });
});
