import { describe, expect, it } from 'vitest';
import { signPerfectPay } from '../sign.ts';
import { conversionOf, loadFixture } from '../testing.ts';
import type { RawWebhook } from '../types.ts';
import { perfectpay } from './index.ts';

const TOKEN = '7c2e9a41b0d84f65a3e1c9b7d2f0e586';
const now = new Date('2025-05-06T23:15:00Z');
const fixture = (name: string) => loadFixture('perfectpay', name);
const parse = (name: string) => conversionOf(perfectpay.parse(signPerfectPay(fixture(name), TOKEN)));

const replaceInBody = (webhook: RawWebhook, from: string, to: string): RawWebhook => ({
  ...webhook,
  rawBody: Buffer.from(webhook.rawBody.toString('utf8').replace(from, to)),
});

describe('perfectpay verify', () => {
  const signed = signPerfectPay(fixture('sale-approved-card.json'), TOKEN);

  it('accepts the token carried in the body (round-trip)', () => {
    expect(JSON.parse(signed.rawBody.toString()).token).toBe(TOKEN);
    expect(perfectpay.verify(signed, TOKEN, now)).toEqual({ ok: true });
  });

  it('rejects a wrong token', () => {
    expect(perfectpay.verify(signed, 'f3a9c1e07b5d42869e1a0c3b7d5f2e48', now)).toEqual({
      ok: false,
      reason: 'token mismatch',
    });
  });

  it('rejects a body whose token has one byte changed', () => {
    expect(perfectpay.verify(replaceInBody(signed, TOKEN, `${TOKEN.slice(0, -1)}7`), TOKEN, now).ok).toBe(false);
  });

  it('rejects a body without token, and a body that is not readable', () => {
    const { token: _token, ...rest } = JSON.parse(signed.rawBody.toString()) as Record<string, unknown>;
    expect(perfectpay.verify({ ...signed, rawBody: Buffer.from(JSON.stringify(rest)) }, TOKEN, now)).toEqual({
      ok: false,
      reason: 'missing token in body',
    });
    expect(perfectpay.verify({ ...signed, rawBody: Buffer.from('{oops') }, TOKEN, now).ok).toBe(false);
  });

  it('accepts a form-encoded postback too', () => {
    const form = signPerfectPay(fixture('sale-approved-card.json'), TOKEN, { form: true });
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(perfectpay.verify(form, TOKEN, now)).toEqual({ ok: true });
    expect(conversionOf(perfectpay.parse(form))).toMatchObject({ amount: 147, status: 'approved' });
  });

  it('has no body integrity: a static token cannot detect a tampered amount', () => {
    // Documented limitation of PerfectPay's scheme (no signature over the body).
    expect(perfectpay.verify(replaceInBody(signed, '"sale_amount":147', '"sale_amount":148'), TOKEN, now).ok).toBe(
      true,
    );
  });
});

describe('perfectpay parse', () => {
  it('maps an approved card sale', () => {
    const c = parse('sale-approved-card.json');
    expect(c).toMatchObject({
      eventType: 'approved',
      orderId: 'PPCPMTB7K2Q9X4',
      status: 'approved',
      paymentMethod: 'card',
      amount: 147,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.occurredAt.toISOString()).toBe('2025-05-06T23:14:09.000Z');
    expect(c.buyer).toEqual({
      email: 'eduardo.prado@exemplo.com.br',
      phone: '+5562991237788',
      first_name: 'Eduardo',
      last_name: 'Siqueira Prado',
      city: 'Goiânia',
      state: 'GO',
      zip: '74110060',
      country: 'BR',
      date_of_birth: '1987-08-21',
      document: '39053344705',
    });
    expect(c.products).toEqual([{ id: 'PPPB7Y3K', name: 'Guia de Marcenaria - Completo', quantity: 1, price: 147 }]);
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JQ9G0H1J2K3L4M5N6P7Q8R9S',
      utm_source: 'facebook',
      utm_campaign: 'marcenaria-maio',
      fbclid: 'IwAR2pP7mQ0xYz',
      client_ip: '45.230.18.77',
      raw: { src: 'fb_feed', sck: 'rst_01JQ9G0H1J2K3L4M5N6P7Q8R9S', ref: 'PPA7Q2WE' },
    });
    expect(c.tracking.user_agent).toContain('Android');
  });

  it('maps pending boleto and PIX, taking metadata.rastro_id first', () => {
    const boleto = parse('sale-pending-billet.json');
    expect(boleto).toMatchObject({ status: 'pending', paymentMethod: 'boleto', eventType: 'pending:waiting_payment' });
    expect(boleto.tracking.rastro_id).toBe('rst_01JQ9H1J2K3L4M5N6P7Q8R9S0T');
    expect(parse('sale-pending-pix.json')).toMatchObject({ status: 'pending', paymentMethod: 'pix' });
  });

  it.each([
    ['sale-refunded.json', 'refunded'],
    ['sale-chargeback.json', 'chargeback'],
    ['sale-expired-billet.json', 'canceled'],
    ['sale-rejected-card.json', 'canceled'],
    ['precheckout-abandoned.json', 'abandoned'],
  ] as const)('maps %s to %s', (name, status) => {
    expect(parse(name).status).toBe(status);
  });

  it('maps a subscription renewal', () => {
    expect(parse('subscription-renewal.json')).toMatchObject({
      status: 'approved',
      amount: 39.9,
      isRenewal: true,
      subscriptionId: 'PPSUB7W2X9Y4',
    });
  });

  it('falls back to the numeric status code', () => {
    const sale = { ...fixture('sale-refunded.json'), sale_status_enum_key: undefined };
    expect(conversionOf(perfectpay.parse(signPerfectPay(sale, TOKEN))).status).toBe('refunded');
  });

  it('ignores statuses it does not map', () => {
    const sale = { ...fixture('sale-approved-card.json'), sale_status_enum: 99, sale_status_enum_key: 'mystery' };
    expect(perfectpay.parse(signPerfectPay(sale, TOKEN)).kind).toBe('ignored');
  });
});
