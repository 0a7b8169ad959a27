import { describe, expect, it } from 'vitest';
import { RastroError } from '../core/errors.ts';
import { GATEWAY_IDS, gateways, getGateway } from './registry.ts';
import { signWebhook } from './sign.ts';
import { loadFixture } from './testing.ts';

/** One representative fixture per gateway, with the options its signer needs. */
const SAMPLES: Record<string, { fixture: string; topic?: string }> = {
  hotmart: { fixture: 'purchase-approved-card.json' },
  kiwify: { fixture: 'order-approved-card.json' },
  stripe: { fixture: 'checkout-session-completed-card.json' },
  perfectpay: { fixture: 'sale-approved-card.json' },
  appmax: { fixture: 'order-approved-card.json' },
  braip: { fixture: 'sale-approved-card.json' },
  shopify: { fixture: 'orders-paid-card.json', topic: 'orders/paid' },
  woocommerce: { fixture: 'order-processing-card.json', topic: 'order.created' },
  generic: { fixture: 'order-approved-card.json' },
};

describe('gateway registry', () => {
  it('registers the nine gateways under their own ids', () => {
    expect([...GATEWAY_IDS].sort()).toEqual(
      ['appmax', 'braip', 'generic', 'hotmart', 'kiwify', 'perfectpay', 'shopify', 'stripe', 'woocommerce'].sort(),
    );
    for (const [id, gateway] of Object.entries(gateways)) {
      expect(gateway.id).toBe(id);
      expect(gateway.label.length).toBeGreaterThan(0);
      expect(gateway.eventTypes.length).toBeGreaterThan(0);
    }
  });

  it('finds gateways by id and nothing else', () => {
    expect(getGateway('stripe')).toBe(gateways.stripe);
    expect(getGateway('paypal')).toBeUndefined();
    expect(getGateway('constructor')).toBeUndefined();
    expect(getGateway('__proto__')).toBeUndefined();
  });

  it.each(Object.entries(SAMPLES))('%s: signWebhook → verify → parse round-trip', (id, sample) => {
    const secret = `secret-for-${id}`;
    const gateway = getGateway(id);
    expect(gateway).toBeDefined();
    const webhook = signWebhook(id, loadFixture(id, sample.fixture), secret, { topic: sample.topic });
    const now = new Date();
    expect(gateway?.verify(webhook, secret, now)).toEqual({ ok: true });
    if (gateway?.auth !== 'url_secret') expect(gateway?.verify(webhook, `${secret}-wrong`, now).ok).toBe(false);
    const result = gateway?.parse(webhook);
    expect(result?.kind).toBe('conversion');
    if (result?.kind === 'conversion') {
      expect(result.conversion.amount).toBeGreaterThan(0);
      expect(result.conversion.currency).toMatch(/^[A-Z]{3}$/);
      expect(result.conversion.occurredAt.getTime()).not.toBeNaN();
    }
  });

  it('refuses to sign for an unknown gateway', () => {
    expect(() => signWebhook('nope', {}, 's')).toThrow(RastroError);
  });
});
