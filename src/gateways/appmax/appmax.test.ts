import { describe, expect, it } from 'vitest';
import { RastroError } from '../../core/errors.ts';
import { signAppmax } from '../sign.ts';
import { conversionOf, loadFixture, tamperBody } from '../testing.ts';
import { appmax } from './index.ts';

const now = new Date('2025-07-08T16:10:00Z');
const fixture = (name: string) => loadFixture('appmax', name);
const parse = (name: string) => conversionOf(appmax.parse(signAppmax(fixture(name))));

describe('appmax verify', () => {
  it('always accepts: the proof is Rastro’s secret in the URL, checked by the route', () => {
    const signed = signAppmax(fixture('order-approved-card.json'));
    expect(appmax.auth).toBe('url_secret');
    expect(appmax.verify(signed, 'connection-secret', now)).toEqual({ ok: true });
    expect(appmax.verify(tamperBody(signed), '', now)).toEqual({ ok: true });
  });
});

describe('appmax parse', () => {
  it('maps an approved card order (default template)', () => {
    const c = parse('order-approved-card.json');
    expect(c).toMatchObject({
      eventType: 'OrderApproved',
      orderId: '73190544',
      status: 'approved',
      paymentMethod: 'card',
      amount: 204.8,
      currency: 'BRL',
      isTest: false,
    });
    expect(c.occurredAt.toISOString()).toBe('2025-07-08T16:02:19.000Z');
    expect(c.buyer).toEqual({
      email: 'beatriz.nogueira@exemplo.com.br',
      phone: '81997776655',
      first_name: 'Beatriz',
      last_name: 'Carvalho Nogueira',
      city: 'Recife',
      state: 'PE',
      zip: '50030230',
      document: '86288366757',
    });
    expect(c.products).toEqual([{ id: 'TAP-ANT-120', name: 'Tapete Antiderrapante 120cm', quantity: 1, price: 189.9 }]);
    expect(c.tracking).toMatchObject({
      rastro_id: 'rst_01JS1M4N5P6Q7R8S9T0U1V2W3X',
      utm_source: 'facebook',
      utm_medium: 'cpc',
      utm_campaign: 'tapete-julho',
      utm_content: 'video-curto',
      fbp: 'fb.1.1751990000000.4455667788',
      client_ip: '177.74.9.201',
    });
  });

  it('maps a PIX issued as pending', () => {
    expect(parse('order-pix-created.json')).toMatchObject({
      status: 'pending',
      paymentMethod: 'pix',
      orderId: '73190611',
    });
  });

  it('reads the two-level (flat) template', () => {
    const c = parse('order-billet-created-two-level.json');
    expect(c).toMatchObject({ status: 'pending', paymentMethod: 'boleto', orderId: '73190702', amount: 204.8 });
    expect(c.buyer).toEqual({
      email: 'otavio.mendes@exemplo.com.br',
      phone: '27996543210',
      first_name: 'Otávio',
      last_name: 'Mendes',
      city: 'Vitória',
      state: 'ES',
      zip: '29010002',
      document: '15350946056',
    });
    expect(c.tracking).toMatchObject({ utm_source: 'google', utm_campaign: 'tapete-busca' });
    expect(c.occurredAt.toISOString()).toBe('2025-07-08T20:05:00.000Z');
  });

  it.each([
    ['order-refund.json', 'refunded'],
    ['order-chargeback.json', 'chargeback'],
    ['order-billet-overdue.json', 'canceled'],
    ['order-pending-integration.json', 'approved'],
  ] as const)('maps %s to %s', (name, status) => {
    expect(parse(name).status).toBe(status);
  });

  it('maps an interested customer (cart abandonment)', () => {
    const c = parse('customer-interested.json');
    expect(c).toMatchObject({ status: 'abandoned', orderId: 'cart:2282050', amount: 0 });
    expect(c.buyer).toMatchObject({
      email: 'larissa.pinheiro@exemplo.com.br',
      first_name: 'Larissa',
      phone: '92991110022',
    });
    expect(c.tracking).toMatchObject({ ttclid: 'E.C.P.tk9Qw2', utm_source: 'tiktok' });
  });

  it('ignores customer events that are not sales', () => {
    expect(appmax.parse(signAppmax(fixture('customer-created.json')))).toMatchObject({
      kind: 'ignored',
      eventType: 'CustomerCreated',
    });
  });

  it('rejects a body that is not JSON', () => {
    expect(() => appmax.parse(signAppmax('event=OrderPaid'))).toThrow(RastroError);
  });
});
