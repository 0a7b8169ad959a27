import { describe, expect, it } from 'vitest';
import type { MetaCapiConfig } from './config.ts';
import { HASH, NOW, NOW_S, purchaseEvent } from './fixtures/events.ts';
import { mapMetaEvent, toMetaEventName } from './map.ts';

const config: MetaCapiConfig = { pixel_id: '123456789012345', access_token: 'EAAB-test-token-value' };

describe('mapMetaEvent — full purchase', () => {
  it('produces exactly this server event', () => {
    const result = mapMetaEvent(purchaseEvent(), config, NOW);
    expect(result).toEqual({ ok: true, payload: expect.anything() });
    if (!result.ok) return;
    // Exact JSON, key order included.
    expect(JSON.stringify(result.payload, null, 2)).toBe(
      JSON.stringify(
        {
          event_name: 'Purchase',
          event_time: NOW_S - 600,
          event_id: 'evt_01HZXK3M7Q',
          action_source: 'website',
          event_source_url: 'https://loja.example.com.br/obrigado?pedido=9876',
          referrer_url: 'https://pay.hotmart.com/checkout',
          user_data: {
            em: [HASH.em],
            ph: [HASH.ph],
            fn: [HASH.fn],
            ln: [HASH.ln],
            ct: [HASH.ct],
            st: [HASH.st],
            zp: [HASH.zp],
            country: [HASH.country],
            db: [HASH.db],
            ge: [HASH.ge],
            external_id: [HASH.external_id],
            client_ip_address: '203.0.113.7',
            client_user_agent:
              'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
            fbc: 'fb.1.1748700000000.IwAR2xYz',
            fbp: 'fb.1.1748600000000.1234567890',
          },
          custom_data: {
            payment_method: 'pix',
            value: 297.9,
            currency: 'BRL',
            contents: [
              { id: 'SKU-1', quantity: 1, item_price: 197.9 },
              { id: 'SKU-2', quantity: 2, item_price: 50 },
            ],
            content_ids: ['SKU-1', 'SKU-2'],
            content_name: 'Curso de Fotografia',
            content_type: 'product',
            order_id: 'HP-9876',
          },
          data_processing_options: [],
        },
        null,
        2,
      ),
    );
  });

  it('never sends Google/E.164 variants or the document hash', () => {
    const result = mapMetaEvent(purchaseEvent(), config, NOW);
    if (!result.ok) throw new Error(result.reason);
    const userData = result.payload.user_data as Record<string, unknown>;
    expect(userData).not.toHaveProperty('em_google');
    expect(userData).not.toHaveProperty('ph_e164');
    expect(userData).not.toHaveProperty('document');
    expect(JSON.stringify(result.payload)).not.toContain(HASH.ph_e164);
  });
});

describe('event names', () => {
  it.each([
    ['purchase', 'Purchase'],
    ['page_view', 'PageView'],
    ['initiate_checkout', 'InitiateCheckout'],
    ['Purchase', 'Purchase'],
    ['Schedule', 'Schedule'],
    ['webinar_signup', 'webinar_signup'],
    ['toString', 'toString'],
  ])('%s → %s', (name, expected) => {
    expect(toMetaEventName(name)).toBe(expected);
  });

  it('sends a custom event as given', () => {
    const result = mapMetaEvent(purchaseEvent({ event_name: 'WebinarSignup', custom_data: {} }), config, NOW);
    expect(result.ok && result.payload.event_name).toBe('WebinarSignup');
    expect(result.ok && result.payload).not.toHaveProperty('custom_data');
  });
});

describe('optional parts', () => {
  it('omits absent URLs and click ids, and drops an unusable IP address', () => {
    const event = purchaseEvent({
      action_source: 'system_generated',
      source_url: undefined,
      referrer: undefined,
      client_ip: 'not-an-ip',
      click_ids: {},
      custom_data: { value: 10, currency: 'USD' },
    });
    const result = mapMetaEvent(event, config, NOW);
    if (!result.ok) throw new Error(result.reason);
    expect(result.payload).not.toHaveProperty('event_source_url');
    expect(result.payload).not.toHaveProperty('referrer_url');
    const userData = result.payload.user_data as Record<string, unknown>;
    expect(userData).not.toHaveProperty('client_ip_address');
    expect(userData).not.toHaveProperty('fbc');
    expect(result.payload.custom_data).toEqual({ value: 10, currency: 'USD' });
  });

  it('accepts IPv6 addresses', () => {
    const result = mapMetaEvent(purchaseEvent({ client_ip: '2001:db8::1' }), config, NOW);
    expect(result.ok && (result.payload.user_data as Record<string, unknown>).client_ip_address).toBe('2001:db8::1');
  });

  it('dedupes content_ids and keeps an explicit content_type', () => {
    const event = purchaseEvent({
      custom_data: {
        value: 3,
        currency: 'EUR',
        content_type: 'product_group',
        contents: [{ id: 'A' }, { id: 'A', quantity: 2 }],
      },
    });
    const result = mapMetaEvent(event, config, NOW);
    expect(result.ok && result.payload.custom_data).toEqual({
      value: 3,
      currency: 'EUR',
      contents: [{ id: 'A' }, { id: 'A', quantity: 2 }],
      content_ids: ['A'],
      content_type: 'product_group',
    });
  });
});

describe('data processing options', () => {
  it('sends LDU with the given geography', () => {
    const result = mapMetaEvent(
      purchaseEvent({ consent: { ads: true, ldu: true, ldu_country: 1, ldu_state: 1000 } }),
      config,
      NOW,
    );
    expect(result.ok && result.payload).toMatchObject({
      data_processing_options: ['LDU'],
      data_processing_options_country: 1,
      data_processing_options_state: 1000,
    });
  });

  it('lets Meta geolocate LDU when no geography is given', () => {
    const result = mapMetaEvent(purchaseEvent({ consent: { ads: true, ldu: true } }), config, NOW);
    expect(result.ok && result.payload).toMatchObject({
      data_processing_options: ['LDU'],
      data_processing_options_country: 0,
      data_processing_options_state: 0,
    });
  });

  it('sends an empty list without LDU', () => {
    const result = mapMetaEvent(purchaseEvent({ consent: { ads: true, ldu: false } }), config, NOW);
    expect(result.ok && result.payload.data_processing_options).toEqual([]);
    expect(result.ok && result.payload).not.toHaveProperty('data_processing_options_country');
  });
});

describe('consent and test events', () => {
  it('refuses an event without ad-measurement consent', () => {
    const result = mapMetaEvent(purchaseEvent({ consent: { ads: false } }), config, NOW);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('consent.ads') });
  });

  it('refuses a test event when the destination has no test event code', () => {
    const result = mapMetaEvent(purchaseEvent({ test: true }), config, NOW);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('test_event_code') });
  });

  it('maps a test event when a test event code is configured (the code goes on the request)', () => {
    const result = mapMetaEvent(purchaseEvent({ test: true }), { ...config, test_event_code: 'TEST123' }, NOW);
    expect(result.ok).toBe(true);
    expect(result.ok && result.payload).not.toHaveProperty('test_event_code');
  });
});

describe('validation surfaces in map()', () => {
  it('names every problem with its field', () => {
    const result = mapMetaEvent(
      purchaseEvent({
        event_time: NOW_S - 8 * 24 * 3600,
        source_url: undefined,
        custom_data: { currency: 'REAL' },
      }),
      config,
      NOW,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('event_time: more than 7 days old');
    expect(result.reason).toContain('event_source_url: required for website events');
    expect(result.reason).toContain('custom_data.value: required for Purchase');
    expect(result.reason).toContain('custom_data.currency: "REAL" is not an ISO-4217 code');
  });
});
