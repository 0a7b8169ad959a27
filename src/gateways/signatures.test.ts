import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hmacBase64,
  hmacHex,
  parseTimestampedSignature,
  safeEqual,
  verifyHmacBase64,
  verifyHmacHex,
  verifyStaticToken,
  verifyTimestampedHmac,
} from './signatures.ts';

describe('safeEqual', () => {
  it('compares strings and buffers in constant time, false on different lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual(Buffer.from('abc'), 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('hmac helpers', () => {
  const body = Buffer.from('{"order":1}');
  it('produce the standard digests', () => {
    expect(hmacHex('sha256', 'k', body)).toBe(createHmac('sha256', 'k').update(body).digest('hex'));
    expect(hmacBase64('sha256', 'k', body)).toBe(createHmac('sha256', 'k').update(body).digest('base64'));
    expect(hmacHex('sha1', 'k', body)).toHaveLength(40);
  });

  it('verify hex (case-insensitive) and base64, rejecting empty secrets and signatures', () => {
    expect(verifyHmacHex('sha256', 'k', body, hmacHex('sha256', 'k', body).toUpperCase())).toBe(true);
    expect(verifyHmacHex('sha256', 'k', body, hmacHex('sha256', 'j', body))).toBe(false);
    expect(verifyHmacHex('sha256', '', body, hmacHex('sha256', '', body))).toBe(false);
    expect(verifyHmacHex('sha256', 'k', body, undefined)).toBe(false);
    expect(verifyHmacBase64('sha256', 'k', body, hmacBase64('sha256', 'k', body))).toBe(true);
    expect(verifyHmacBase64('sha256', 'k', body, ` ${hmacBase64('sha256', 'k', body)} `)).toBe(true);
    expect(verifyHmacBase64('sha256', 'k', body, hmacBase64('sha256', 'k', 'other'))).toBe(false);
  });

  it('verify static tokens', () => {
    expect(verifyStaticToken('tok', 'tok')).toBe(true);
    expect(verifyStaticToken('tok', 'tok2')).toBe(false);
    expect(verifyStaticToken('', '')).toBe(false);
  });
});

describe('timestamped signatures', () => {
  it('parses t and every v1, ignoring other schemes and junk', () => {
    expect(parseTimestampedSignature('t=1700000000,v1=aa,v0=zz,v1=bb, junk')).toEqual({
      timestamp: 1700000000,
      signatures: ['aa', 'bb'],
    });
    expect(parseTimestampedSignature('v1=aa')).toBeUndefined();
    expect(parseTimestampedSignature('t=1700000000')).toBeUndefined();
    expect(parseTimestampedSignature('t=abc,v1=aa')).toBeUndefined();
    expect(parseTimestampedSignature(undefined)).toBeUndefined();
  });

  it('verifies within the tolerance only', () => {
    const rawBody = Buffer.from('{}');
    const t = 1_700_000_000;
    const header = `t=${t},v1=${hmacHex('sha256', 's', `${t}.{}`)}`;
    const check = (nowSeconds: number, secret = 's') =>
      verifyTimestampedHmac({
        header,
        secret,
        rawBody,
        now: new Date(nowSeconds * 1000),
        toleranceSeconds: 300,
        headerName: 'X-Test',
      });
    expect(check(t + 10)).toEqual({ ok: true });
    expect(check(t + 300)).toEqual({ ok: true });
    expect(check(t + 301).ok).toBe(false);
    expect(check(t - 301).ok).toBe(false);
    expect(check(t, 'other')).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(check(t, '')).toEqual({ ok: false, reason: 'no signing secret configured' });
  });
});
