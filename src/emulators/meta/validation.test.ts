import { describe, expect, it } from 'vitest';
import { nowSeconds, sha256, validEvent, withUserData } from './fixtures.ts';
import { GraphSubcode } from './graph-errors.ts';
import { isMatchable, validateRequestData, type ValidationResult } from './validation.ts';

const DAY = 86_400;
const run = (data: unknown, weakUserData: 'reject' | 'warn' = 'reject'): ValidationResult =>
  validateRequestData(data, { nowSec: nowSeconds(), weakUserData });

/** Expects a code-100 refusal with this subcode that names `data[index].field`. */
function expectRefusal(result: ValidationResult, subcode: number | undefined, index: number, field: string) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.status).toBe(400);
  expect(result.error.code).toBe(100);
  expect(result.error.subcode).toBe(subcode);
  expect(result.error.userMsg).toContain(`data[${index}].${field}`);
  expect(result.error.errorData).toMatchObject({ event_index: index, field });
}

describe('Meta CAPI validation: batch', () => {
  it('accepts a valid batch, as an array or as a JSON string', () => {
    const batch = [validEvent(), validEvent({ event_name: 'Lead', custom_data: undefined })];
    expect(run(batch)).toMatchObject({ ok: true, warnings: [] });
    expect(run(JSON.stringify(batch))).toMatchObject({ ok: true });
  });

  it('requires data and rejects non-arrays', () => {
    for (const data of [undefined, '', '{not json', { event_name: 'x' }]) {
      const result = run(data);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/^\(#100\)/);
    }
  });

  it('rejects an empty batch and one over 1000 events', () => {
    expect(run([])).toMatchObject({ ok: false, error: { code: 100 } });
    expect(run(Array.from({ length: 1000 }, () => validEvent()))).toMatchObject({ ok: true });
    const over = run(Array.from({ length: 1001 }, () => validEvent()));
    expect(over).toMatchObject({ ok: false, error: { code: 100, errorData: { count: 1001, max: 1000 } } });
  });

  it('rejects the whole batch for one bad event and names its index', () => {
    const batch = [validEvent(), validEvent(), validEvent({ event_name: undefined })];
    expectRefusal(run(batch), GraphSubcode.MISSING_PARAMETER, 2, 'event_name');
  });
});

describe('Meta CAPI validation: server event parameters', () => {
  it('requires event_name', () => {
    expectRefusal(run([validEvent({ event_name: '' })]), GraphSubcode.MISSING_PARAMETER, 0, 'event_name');
    expectRefusal(run([validEvent({ event_name: 42 })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'event_name');
  });

  it('requires event_time as integer seconds', () => {
    expectRefusal(run([validEvent({ event_time: undefined })]), GraphSubcode.MISSING_PARAMETER, 0, 'event_time');
    for (const t of ['1700000000', 1700000000.5, new Date().toISOString()]) {
      expectRefusal(run([validEvent({ event_time: t })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'event_time');
    }
  });

  it('rejects event_time older than 7 days, except 62 days for physical_store', () => {
    const old = nowSeconds() - 8 * DAY;
    const result = run([validEvent({ event_time: old })]);
    expectRefusal(result, GraphSubcode.EVENT_TIME_TOO_OLD, 0, 'event_time');
    if (!result.ok) expect(result.error.userTitle).toBe('Event Timestamp Too Old');
    expect(run([validEvent({ event_time: nowSeconds() - 7 * DAY + 60 })])).toMatchObject({ ok: true });

    const store = { action_source: 'physical_store', event_source_url: undefined };
    expect(run([validEvent({ ...store, event_time: nowSeconds() - 61 * DAY })])).toMatchObject({ ok: true });
    expectRefusal(
      run([validEvent({ ...store, event_time: nowSeconds() - 63 * DAY })]),
      GraphSubcode.EVENT_TIME_TOO_OLD,
      0,
      'event_time',
    );
  });

  it('rejects event_time more than a minute in the future, including milliseconds', () => {
    expect(run([validEvent({ event_time: nowSeconds() + 50 })])).toMatchObject({ ok: true });
    expectRefusal(
      run([validEvent({ event_time: nowSeconds() + 120 })]),
      GraphSubcode.EVENT_TIME_IN_FUTURE,
      0,
      'event_time',
    );
    const ms = run([validEvent({ event_time: Date.now() })]);
    expectRefusal(ms, GraphSubcode.EVENT_TIME_IN_FUTURE, 0, 'event_time');
    if (!ms.ok) expect(ms.error.userMsg).toContain('milliseconds');
  });

  it('requires action_source from the documented list', () => {
    expectRefusal(run([validEvent({ action_source: undefined })]), GraphSubcode.MISSING_PARAMETER, 0, 'action_source');
    expectRefusal(
      run([validEvent({ action_source: 'web' })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'action_source',
    );
    for (const source of ['email', 'app', 'phone_call', 'chat', 'system_generated', 'business_messaging', 'other']) {
      expect(run([validEvent({ action_source: source })])).toMatchObject({ ok: true });
    }
  });

  it('requires event_source_url and client_user_agent for website events', () => {
    expectRefusal(
      run([validEvent({ event_source_url: undefined })]),
      GraphSubcode.MISSING_PARAMETER,
      0,
      'event_source_url',
    );
    expectRefusal(
      run([validEvent({ event_source_url: 'shop.example.com/x' })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'event_source_url',
    );
    expectRefusal(
      run([withUserData({ client_user_agent: undefined })]),
      GraphSubcode.MISSING_PARAMETER,
      0,
      'user_data.client_user_agent',
    );
    // Not required off the web.
    const chat = withUserData({ client_user_agent: undefined }, { action_source: 'chat', event_source_url: undefined });
    expect(run([chat])).toMatchObject({ ok: true });
  });

  it('checks event_id and opt_out types', () => {
    expectRefusal(run([validEvent({ event_id: { id: 1 } })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'event_id');
    expectRefusal(run([validEvent({ opt_out: 'yes' })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'opt_out');
  });
});

describe('Meta CAPI validation: customer information', () => {
  it('requires user_data with at least one customer information parameter', () => {
    expectRefusal(run([validEvent({ user_data: undefined })]), GraphSubcode.MISSING_PARAMETER, 0, 'user_data');
    expectRefusal(run([validEvent({ user_data: 'x' })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'user_data');
    const empty = validEvent({ action_source: 'chat', event_source_url: undefined, user_data: {} });
    expectRefusal(run([empty]), GraphSubcode.INSUFFICIENT_CUSTOMER_INFO, 0, 'user_data');
  });

  it('rejects unhashed contact information in every hashed field', () => {
    const unhashed = run([withUserData({ em: ['a@b.com'] })]);
    expectRefusal(unhashed, GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'user_data.em[0]');
    if (!unhashed.ok) expect(unhashed.error.userMsg).toContain('unhashed email');
    for (const field of ['ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country']) {
      expectRefusal(
        run([withUserData({ [field]: 'plain' })]),
        GraphSubcode.INVALID_PARAMETER_VALUE,
        0,
        `user_data.${field}`,
      );
    }
    const upper = run([withUserData({ em: sha256('x@y.z').toUpperCase() })]);
    expectRefusal(upper, GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'user_data.em');
    if (!upper.ok) expect(upper.error.userMsg).toContain('uppercase');
    expectRefusal(run([withUserData({ em: [42] })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'user_data.em[0]');
  });

  it('accepts hashed values as a string or a list, with a Parameter Builder appendix', () => {
    const h = sha256('x@y.z');
    expect(run([withUserData({ em: h, ph: [sha256('1'), sha256('2')], fn: `${h}.AQEBAQAB` })])).toMatchObject({
      ok: true,
    });
  });

  it('accepts external_id hashed or in clear', () => {
    expect(run([withUserData({ external_id: 'user-77' })])).toMatchObject({ ok: true });
    expect(run([withUserData({ external_id: [sha256('user-77'), 12345] })])).toMatchObject({ ok: true });
    expectRefusal(
      run([withUserData({ external_id: '' })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'user_data.external_id',
    );
  });

  it('requires client_ip_address to be an IPv4 or IPv6 address', () => {
    expect(run([withUserData({ client_ip_address: '2001:db8::1' })])).toMatchObject({ ok: true });
    for (const ip of ['999.1.1.1', sha256('203.0.113.7'), '203.0.113.7, 10.0.0.1']) {
      expectRefusal(
        run([withUserData({ client_ip_address: ip })]),
        GraphSubcode.INVALID_PARAMETER_VALUE,
        0,
        'user_data.client_ip_address',
      );
    }
  });

  it('checks the fbc and fbp formats', () => {
    for (const fbc of ['IwAR2F4-dbP0l7Mn1', 'fb.1.IwAR2F4', 'fb.1.1700000000.', sha256('x')]) {
      expectRefusal(run([withUserData({ fbc })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'user_data.fbc');
    }
    for (const fbp of ['1098115397', 'fb.1.1700000000000', 'fb.1.1700000000000.abc']) {
      expectRefusal(run([withUserData({ fbp })]), GraphSubcode.INVALID_PARAMETER_VALUE, 0, 'user_data.fbp');
    }
    expect(
      run([withUserData({ fbc: 'fb.2.1700000000000.AbC_d-9.AQEBAQAB', fbp: 'fb.0.1700000000.42' })]),
    ).toMatchObject({
      ok: true,
    });
  });

  it('rejects customer information too broad to match, or warns when configured to', () => {
    const weak = validEvent({
      action_source: 'physical_store',
      event_source_url: undefined,
      user_data: {
        ge: sha256('f'),
        ct: sha256('saopaulo'),
        st: sha256('sp'),
        country: sha256('br'),
        zp: sha256('01000'),
      },
    });
    expectRefusal(run([weak]), GraphSubcode.INSUFFICIENT_CUSTOMER_INFO, 0, 'user_data');
    const warned = run([weak], 'warn');
    expect(warned.ok).toBe(true);
    if (warned.ok) expect(warned.warnings[0]).toContain('data[0].user_data');
    // A website event with only a user agent is too broad as well.
    const uaOnly = validEvent({ user_data: { client_user_agent: 'Mozilla/5.0' } });
    expectRefusal(run([uaOnly]), GraphSubcode.INSUFFICIENT_CUSTOMER_INFO, 0, 'user_data');
  });

  it('classifies matchable combinations', () => {
    const ok = (...keys: string[]) => isMatchable(new Set(keys));
    expect(ok('em')).toBe(true);
    expect(ok('fbp')).toBe(true);
    expect(ok('client_ip_address', 'client_user_agent')).toBe(true);
    expect(ok('fn', 'ln', 'zp')).toBe(true);
    expect(ok('client_ip_address')).toBe(false);
    expect(ok('fn', 'ln')).toBe(false);
    expect(ok('ge', 'db', 'ct', 'st', 'zp', 'country')).toBe(false);
  });
});

describe('Meta CAPI validation: custom data and data processing options', () => {
  it('requires value and currency for Purchase', () => {
    expectRefusal(run([validEvent({ custom_data: undefined })]), GraphSubcode.MISSING_PARAMETER, 0, 'custom_data');
    expectRefusal(
      run([validEvent({ custom_data: { currency: 'BRL' } })]),
      GraphSubcode.MISSING_PARAMETER,
      0,
      'custom_data.value',
    );
    expectRefusal(
      run([validEvent({ custom_data: { value: 10 } })]),
      GraphSubcode.MISSING_PARAMETER,
      0,
      'custom_data.currency',
    );
    expectRefusal(
      run([validEvent({ custom_data: { value: '10.00', currency: 'BRL' } })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'custom_data.value',
    );
    for (const currency of ['R$', 'REAL', 'ZZZ']) {
      expectRefusal(
        run([validEvent({ custom_data: { value: 10, currency } })]),
        GraphSubcode.INVALID_PARAMETER_VALUE,
        0,
        'custom_data.currency',
      );
    }
    expect(run([validEvent({ custom_data: { value: 0, currency: 'usd' } })])).toMatchObject({ ok: true });
    expect(run([validEvent({ event_name: 'ViewContent', custom_data: undefined })])).toMatchObject({ ok: true });
  });

  it('accepts only LDU with the documented country and state codes', () => {
    expect(run([validEvent({ data_processing_options: [] })])).toMatchObject({ ok: true });
    const ldu = {
      data_processing_options: ['LDU'],
      data_processing_options_country: 1,
      data_processing_options_state: 1000,
    };
    expect(run([validEvent(ldu)])).toMatchObject({ ok: true });
    expect(
      run([validEvent({ ...ldu, data_processing_options_country: 0, data_processing_options_state: 0 })]),
    ).toMatchObject({
      ok: true,
    });
    expectRefusal(
      run([validEvent({ data_processing_options: 'LDU' })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'data_processing_options',
    );
    expectRefusal(
      run([validEvent({ data_processing_options: ['GDPR'] })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'data_processing_options',
    );
    expectRefusal(
      run([validEvent({ ...ldu, data_processing_options_country: 55 })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'data_processing_options_country',
    );
    expectRefusal(
      run([validEvent({ ...ldu, data_processing_options_state: 1001 })]),
      GraphSubcode.INVALID_PARAMETER_VALUE,
      0,
      'data_processing_options_state',
    );
  });
});
