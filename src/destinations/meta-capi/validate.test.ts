import { describe, expect, it } from 'vitest';
import { ISO_4217_CURRENCIES } from './currencies.ts';
import { HASH, NOW, NOW_S } from './fixtures/events.ts';
import type { MetaServerEvent, MetaUserData } from './types.ts';
import { MAX_CUSTOM_EVENT_NAME_LENGTH, userDataProblems, validateServerEvent } from './validate.ts';

const DAY = 24 * 3600;
const UA = 'Mozilla/5.0';

const event = (overrides: Partial<MetaServerEvent> = {}): MetaServerEvent => ({
  event_name: 'Lead',
  event_time: NOW_S - 60,
  event_id: 'e1',
  action_source: 'website',
  event_source_url: 'https://example.com/',
  user_data: { em: [HASH.em], client_user_agent: UA },
  data_processing_options: [],
  ...overrides,
});

const problems = (overrides: Partial<MetaServerEvent> = {}): string[] => validateServerEvent(event(overrides), NOW);

describe('a valid event', () => {
  it('has no problems', () => {
    expect(problems()).toEqual([]);
  });
});

describe('event_time', () => {
  it('accepts exactly 7 days old', () => {
    expect(problems({ event_time: NOW_S - 7 * DAY })).toEqual([]);
  });
  it('rejects more than 7 days old', () => {
    expect(problems({ event_time: NOW_S - 7 * DAY - 1 })).toEqual([
      "event_time: more than 7 days old, Meta's limit for website events",
    ]);
  });
  it('accepts physical_store events up to 62 days old', () => {
    const store = { action_source: 'physical_store', event_source_url: undefined } as const;
    expect(problems({ ...store, event_time: NOW_S - 62 * DAY })).toEqual([]);
    expect(problems({ ...store, event_time: NOW_S - 62 * DAY - 1 })).toEqual([
      "event_time: more than 62 days old, Meta's limit for physical_store events",
    ]);
  });
  it('accepts up to one minute in the future', () => {
    expect(problems({ event_time: NOW_S + 60 })).toEqual([]);
  });
  it('rejects more than one minute in the future', () => {
    expect(problems({ event_time: NOW_S + 61 })).toEqual(['event_time: 61 s in the future']);
  });
  it.each([0, -5, 1.5, Number.NaN])('rejects %s', (time) => {
    expect(problems({ event_time: time })).toEqual(['event_time: must be a positive integer (unix seconds)']);
  });
});

describe('website requirements', () => {
  it('requires event_source_url', () => {
    expect(problems({ event_source_url: undefined })).toEqual(['event_source_url: required for website events']);
  });
  it('requires client_user_agent', () => {
    expect(problems({ user_data: { em: [HASH.em] } })).toEqual([
      'user_data.client_user_agent: required for website events',
    ]);
  });
  it('does not require them for other action sources', () => {
    expect(
      problems({ action_source: 'system_generated', event_source_url: undefined, user_data: { em: [HASH.em] } }),
    ).toEqual([]);
  });
});

describe('Purchase', () => {
  const purchase = { event_name: 'Purchase' };
  it('passes with value and currency', () => {
    expect(problems({ ...purchase, custom_data: { value: 0, currency: 'BRL' } })).toEqual([]);
  });
  it('requires value', () => {
    expect(problems({ ...purchase, custom_data: { currency: 'BRL' } })).toEqual([
      'custom_data.value: required for Purchase',
    ]);
  });
  it('requires currency', () => {
    expect(problems({ ...purchase, custom_data: { value: 10 } })).toEqual([
      'custom_data.currency: required for Purchase',
    ]);
  });
  it('requires both when custom_data is missing', () => {
    expect(problems(purchase)).toEqual([
      'custom_data.value: required for Purchase',
      'custom_data.currency: required for Purchase',
    ]);
  });
  it.each(['XYZ', 'brl', 'R$', 'REAL', 'XAU'])('rejects currency %j', (currency) => {
    expect(problems({ ...purchase, custom_data: { value: 1, currency } })).toEqual([
      `custom_data.currency: "${currency}" is not an ISO-4217 code`,
    ]);
  });
  it('rejects a non-finite value', () => {
    expect(problems({ ...purchase, custom_data: { value: Number.POSITIVE_INFINITY, currency: 'USD' } })).toEqual([
      'custom_data.value: must be a finite number',
    ]);
  });
  it('checks currency on other events too', () => {
    expect(problems({ custom_data: { value: 1, currency: 'ABC' } })).toEqual([
      'custom_data.currency: "ABC" is not an ISO-4217 code',
    ]);
    expect(problems({ custom_data: { value: 1 } })).toEqual([]);
  });
  it('knows the currencies Rastro sells in', () => {
    for (const code of ['BRL', 'USD', 'EUR', 'MXN', 'ARS', 'COP', 'CLP', 'PEN', 'GBP', 'JPY', 'XOF']) {
      expect(ISO_4217_CURRENCIES.has(code)).toBe(true);
    }
  });
});

describe('event_name', () => {
  it(`accepts a custom name of ${MAX_CUSTOM_EVENT_NAME_LENGTH} characters`, () => {
    expect(problems({ event_name: 'x'.repeat(MAX_CUSTOM_EVENT_NAME_LENGTH) })).toEqual([]);
  });
  it('rejects a longer custom name', () => {
    expect(problems({ event_name: 'x'.repeat(MAX_CUSTOM_EVENT_NAME_LENGTH + 1) })).toEqual([
      `event_name: custom event name is ${MAX_CUSTOM_EVENT_NAME_LENGTH + 1} characters; Meta allows ${MAX_CUSTOM_EVENT_NAME_LENGTH}`,
    ]);
  });
  it('rejects an empty name', () => {
    expect(problems({ event_name: ' ' })).toEqual(['event_name: is empty']);
  });
});

describe('user_data', () => {
  const ok = (userData: MetaUserData): void => {
    expect(userDataProblems(userData)).toEqual([]);
  };
  const weak = (userData: MetaUserData): void => {
    expect(userDataProblems(userData)).toEqual([expect.stringMatching(/^user_data: only weak identifiers \(/)]);
  };

  it('rejects empty user_data', () => {
    expect(userDataProblems({})).toEqual([
      'user_data: is empty; Meta needs at least one customer information parameter',
    ]);
    expect(userDataProblems({ em: [], client_user_agent: '' })).toHaveLength(1);
  });

  it.each<[string, MetaUserData]>([
    ['em', { em: [HASH.em] }],
    ['ph', { ph: [HASH.ph] }],
    ['external_id', { external_id: [HASH.external_id] }],
    ['fbc', { fbc: 'fb.1.1.abc' }],
    ['fbp', { fbp: 'fb.1.1.123' }],
    ['ip + ua', { client_ip_address: '203.0.113.7', client_user_agent: UA }],
    ['ip + ua + demographics', { client_ip_address: '203.0.113.7', client_user_agent: UA, ct: [HASH.ct] }],
    ['fn + ln + em', { fn: [HASH.fn], ln: [HASH.ln], em: [HASH.em] }],
  ])('accepts %s', (_, userData) => {
    ok(userData);
  });

  it.each<[string, MetaUserData]>([
    ['ge', { ge: [HASH.ge] }],
    ['db', { db: [HASH.db] }],
    ['ge + db', { ge: [HASH.ge], db: [HASH.db] }],
    ['ct + st + zp + country', { ct: [HASH.ct], st: [HASH.st], zp: [HASH.zp], country: [HASH.country] }],
    ['fn + ln', { fn: [HASH.fn], ln: [HASH.ln] }],
    [
      'every demographic',
      {
        fn: [HASH.fn],
        ln: [HASH.ln],
        ge: [HASH.ge],
        db: [HASH.db],
        ct: [HASH.ct],
        st: [HASH.st],
        zp: [HASH.zp],
        country: [HASH.country],
      },
    ],
    ['ip alone', { client_ip_address: '203.0.113.7' }],
    ['ua alone', { client_user_agent: UA }],
    ['ua + location', { client_user_agent: UA, ct: [HASH.ct], country: [HASH.country] }],
  ])('rejects weak-only %s', (_, userData) => {
    weak(userData);
  });

  it('rejects clear values where hashes belong', () => {
    expect(userDataProblems({ em: ['john@example.com'], ph: [HASH.ph] })).toEqual([
      'user_data.em: holds a value that is not a SHA-256 hash',
    ]);
  });

  it('accepts hashes with a Parameter Builder appendix', () => {
    ok({ em: [`${HASH.em}.AQYBAQIA`] });
  });
});
