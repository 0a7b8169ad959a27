import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SendOutcome } from '../types.ts';
import { classifyMetaResponse, retryAfterMs, type MetaResponse } from './classify.ts';

const fixturesDir = new URL('./fixtures/', import.meta.url);
const fixture = (name: string): MetaResponse =>
  JSON.parse(readFileSync(new URL(`${name}.json`, fixturesDir), 'utf8')) as MetaResponse;

const EXPECTED: Record<string, { outcome: SendOutcome; platformCode?: string; traceId?: string }> = {
  success: { outcome: 'delivered', traceId: 'A1b2C3d4E5f6G7h8' },
  'success-test-events': { outcome: 'delivered', traceId: 'Tst9x8y7z6' },
  'error-1-unknown': { outcome: 'retryable', platformCode: '1', traceId: 'Unk1' },
  'error-2-service': { outcome: 'retryable', platformCode: '2', traceId: 'Svc2' },
  'error-341-app-limit': { outcome: 'retryable', platformCode: '341' },
  'error-368-temporarily-blocked': { outcome: 'retryable', platformCode: '368' },
  'error-transient-unknown-code': { outcome: 'retryable', platformCode: '12345' },
  'http-502-html': { outcome: 'retryable' },
  'error-4-app-rate-limit': { outcome: 'rate_limited', platformCode: '4' },
  'error-17-user-rate-limit': { outcome: 'rate_limited', platformCode: '17/2446079' },
  'error-32-page-rate-limit': { outcome: 'rate_limited', platformCode: '32' },
  'error-613-calls-limit': { outcome: 'rate_limited', platformCode: '613' },
  'error-80003-bucl': { outcome: 'rate_limited', platformCode: '80003/2446079' },
  'http-429': { outcome: 'rate_limited', platformCode: '4', traceId: 'Rl429' },
  'error-190-expired-token': { outcome: 'auth_broken', platformCode: '190/463', traceId: 'Tok190' },
  'error-190-invalid-token': { outcome: 'auth_broken', platformCode: '190' },
  'error-10-permission': { outcome: 'auth_broken', platformCode: '10' },
  'error-200-permission': { outcome: 'auth_broken', platformCode: '200' },
  'error-100-invalid-parameter': { outcome: 'permanent', platformCode: '100' },
  'error-100-2804003-event-too-old': { outcome: 'permanent', platformCode: '100/2804003', traceId: 'Old2804003' },
  'error-100-2804050-user-data': { outcome: 'permanent', platformCode: '100/2804050' },
};

describe('classifyMetaResponse — recorded responses', () => {
  it('has an expectation for every fixture file', () => {
    const files = readdirSync(fixturesDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (name, expected) => {
    const response = fixture(name);
    const result = classifyMetaResponse(response, 12);
    expect(result.outcome).toBe(expected.outcome);
    expect(result.platformCode).toBe(expected.platformCode);
    if (expected.traceId) expect(result.traceId).toBe(expected.traceId);
    expect(result.httpStatus).toBe(response.status);
    expect(result.response).toEqual(response.body);
    expect(result.durationMs).toBe(12);
    expect(result.message).not.toBe('');
  });
});

describe('classifyMetaResponse — details', () => {
  it('reports events_received on success', () => {
    expect(classifyMetaResponse(fixture('success'), 5).message).toBe('events_received: 2');
  });

  it('builds a human message from the Graph error', () => {
    expect(classifyMetaResponse(fixture('error-100-2804003-event-too-old'), 1).message).toBe(
      'Meta error 100/2804003 (HTTP 400): Event Timestamp Too Old: The timestamp for this event is too far in the past. ' +
        'Events need to be sent from your server within 7 days of when they occurred.',
    );
    expect(classifyMetaResponse(fixture('error-190-invalid-token'), 1).message).toBe(
      'Meta error 190 (HTTP 400): Invalid OAuth access token - Cannot parse access token',
    );
  });

  it('takes the wait from Retry-After on HTTP 429', () => {
    expect(classifyMetaResponse(fixture('http-429'), 1).retryAfterMs).toBe(30_000);
  });

  it('takes the wait from the business use case usage header', () => {
    expect(classifyMetaResponse(fixture('error-17-user-rate-limit'), 1).retryAfterMs).toBe(5 * 60_000);
  });

  it('does not give a wait for permanent failures', () => {
    const response = { ...fixture('error-100-invalid-parameter'), headers: { 'retry-after': '10' } };
    expect(classifyMetaResponse(response, 1).retryAfterMs).toBeUndefined();
  });

  it('treats HTTP 429 without a body as rate limited', () => {
    expect(classifyMetaResponse({ status: 429, body: null }, 1).outcome).toBe('rate_limited');
  });

  it('treats a 2xx without events_received as retryable (Meta dedups on event_id)', () => {
    const result = classifyMetaResponse({ status: 200, body: { ok: true } }, 1);
    expect(result.outcome).toBe('retryable');
    expect(result.message).toBe('HTTP 200 without events_received');
  });

  it('treats other 4xx without a Graph error as permanent', () => {
    expect(classifyMetaResponse({ status: 404, body: 'Not Found' }, 1).outcome).toBe('permanent');
    expect(classifyMetaResponse({ status: 413, body: null }, 1).outcome).toBe('permanent');
  });

  it('treats 401 as a broken token and 408 as retryable', () => {
    expect(classifyMetaResponse({ status: 401, body: null }, 1).outcome).toBe('auth_broken');
    expect(classifyMetaResponse({ status: 408, body: null }, 1).outcome).toBe('retryable');
  });

  it('reads the trace id from the x-fb-trace-id header when the body has none', () => {
    expect(classifyMetaResponse({ status: 500, body: null, headers: { 'X-FB-Trace-ID': 'Hdr1' } }, 1).traceId).toBe(
      'Hdr1',
    );
  });

  it.each([
    [250, 'auth_broken'],
    [299, 'auth_broken'],
    [80000, 'rate_limited'],
    [80014, 'rate_limited'],
  ] as const)('classifies code %i as %s', (code, outcome) => {
    expect(classifyMetaResponse({ status: 400, body: { error: { code, message: 'x' } } }, 1).outcome).toBe(outcome);
  });

  it('classifies a 2804xxx subcode as permanent whatever the code', () => {
    const body = { error: { code: 3, error_subcode: 2804019, message: 'Invalid parameter' } };
    expect(classifyMetaResponse({ status: 400, body }, 1).outcome).toBe('permanent');
  });
});

describe('retryAfterMs', () => {
  it('reads an HTTP date', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 12:00:45 GMT' }, now)).toBe(45_000);
  });
  it('ignores malformed usage headers', () => {
    expect(retryAfterMs({ 'x-app-usage': '{not json' })).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
