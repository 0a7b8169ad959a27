import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../events/canonical.ts';
import { cookieDomainFor, fbcFor, fbclidOf, FBP, newFbp, parseCookies, serializeCookie } from './cookies.ts';
import { CLICK_ID, idTime, newClickId, newSessionId, SESSION_ID } from './ids.ts';
import { sessionTouchOf } from './record.ts';

const HASH = 'a'.repeat(64);

const event = (over: Partial<CanonicalEvent> = {}): CanonicalEvent => ({
  event_id: 'e1',
  event_name: 'lead',
  event_time: 1_700_000_000,
  action_source: 'website',
  user: {},
  click_ids: {},
  utm: {},
  custom_data: {},
  consent: { ads: true },
  session_id: 'rs-1',
  ...over,
});

describe('first-party ids', () => {
  it('are 22 lower-case alphanumerics with a kind and a time prefix, and unique', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const click = newClickId(at);
    expect(click).toMatch(CLICK_ID);
    expect(click).toMatch(/^[0-9a-z]{22}$/);
    expect(idTime(click)).toBe(at);
    expect(newSessionId(at)).toMatch(SESSION_ID);
    expect(idTime('not-an-id')).toBeUndefined();
    const many = new Set(Array.from({ length: 10_000 }, () => newClickId(at)));
    expect(many.size).toBe(10_000);
    // Time-ordered: later ids sort after earlier ones.
    expect(newClickId(at + 1) > newClickId(at)).toBe(true);
  });
});

describe('cookies', () => {
  it('formats _fbc and _fbp as Meta does and reads the fbclid back', () => {
    expect(fbcFor('IwAR.x_y-z', 1_700_000_000_123)).toBe('fb.1.1700000000123.IwAR.x_y-z');
    expect(fbclidOf('fb.1.1700000000123.IwAR.x_y-z')).toBe('IwAR.x_y-z');
    expect(fbclidOf('garbage')).toBeUndefined();
    for (let i = 0; i < 100; i++) expect(newFbp(1_700_000_000_000)).toMatch(/^fb\.1\.1700000000000\.\d{10}$/);
    expect(FBP.test('fb.1.1700000000000.not-digits')).toBe(false);
  });

  it('parses a Cookie header and serializes Set-Cookie values', () => {
    expect(parseCookies('a=1; _rs_sid=rs123; b="q%20v"; a=2; broken; c=%E0%A4%A')).toEqual({
      a: '1',
      _rs_sid: 'rs123',
      b: 'q v',
      c: '%E0%A4%A',
    });
    expect(parseCookies(undefined)).toEqual({});
    expect(serializeCookie('_rs_ft', '{"a":1}', { maxAgeS: 60, domain: 'shop.com', secure: true })).toBe(
      '_rs_ft=%7B%22a%22%3A1%7D; Max-Age=60; Path=/; SameSite=Lax; Domain=shop.com; Secure',
    );
  });

  it('uses the configured cookie domain only for hosts inside it', () => {
    expect(cookieDomainFor('t.shop.com:8443', 'shop.com')).toBe('shop.com');
    expect(cookieDomainFor('shop.com', '.shop.com')).toBe('shop.com');
    expect(cookieDomainFor('evilshop.com', 'shop.com')).toBeUndefined();
    expect(cookieDomainFor('t.shop.com', null)).toBeUndefined();
  });
});

describe('session touches from events', () => {
  it('takes identifiers, hashed identities and the landing from an event', () => {
    const touch = sessionTouchOf(
      event({
        client_ip: '203.0.113.1',
        user_agent: 'UA',
        user: { em: [HASH], ph: [`${'b'.repeat(64)}.AQYBAQIA`], fn: ['c'.repeat(64)] },
        click_ids: { fbc: 'fb.1.1700000000000.FBCLID' },
        utm: { source: 'fb' },
        source_url: 'https://shop.example.com/',
      }),
      {},
      new Date(1_800_000_000_000),
    )!;
    expect(touch).toMatchObject({ sessionId: 'rs-1', ip: '203.0.113.1', fbclid: 'FBCLID' });
    expect(touch.at.getTime()).toBe(1_700_000_000_000);
    // Only em, ph and external_id enter the graph; the Parameter Builder appendix is dropped.
    expect(touch.identities).toEqual([
      { kind: 'em', hash: HASH },
      { kind: 'ph', hash: 'b'.repeat(64) },
    ]);
    expect(touch.lastTouch).toEqual({
      at: 1_700_000_000,
      utm_source: 'fb',
      landing_url: 'https://shop.example.com/',
    });
  });

  it('leaves no trace for events without a session or without ad consent, and clamps future times', () => {
    expect(sessionTouchOf(event({ session_id: undefined }))).toBeUndefined();
    expect(sessionTouchOf(event({ consent: { ads: false } }))).toBeUndefined();
    const now = new Date(1_600_000_000_000);
    expect(sessionTouchOf(event(), {}, now)!.at).toEqual(now);
  });
});
