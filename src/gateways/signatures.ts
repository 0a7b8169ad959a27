/**
 * Constant-time helpers shared by every gateway's `verify()`. Secrets and signatures are compared
 * with `crypto.timingSafeEqual`; inputs of different lengths are rejected without an early exit
 * that would reveal how many leading bytes matched.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyResult } from './types.ts';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

const toBuffer = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);

/** Constant-time equality of two byte strings; `false` (after a dummy comparison) when lengths differ. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const left = toBuffer(a);
  const right = toBuffer(b);
  if (left.length !== right.length) {
    // Spend the same kind of work as a real comparison, then fail.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export const hmacHex = (algorithm: HmacAlgorithm, secret: string, data: string | Buffer): string =>
  createHmac(algorithm, secret).update(data).digest('hex');

export const hmacBase64 = (algorithm: HmacAlgorithm, secret: string, data: string | Buffer): string =>
  createHmac(algorithm, secret).update(data).digest('base64');

/** Compares a received hex digest (case-insensitive) with the HMAC of `data`, in constant time. */
export function verifyHmacHex(
  algorithm: HmacAlgorithm,
  secret: string,
  data: string | Buffer,
  received: string | undefined,
): boolean {
  if (!received || !secret) return false;
  const expected = Buffer.from(hmacHex(algorithm, secret, data), 'utf8');
  return safeEqual(expected, Buffer.from(received.trim().toLowerCase(), 'utf8'));
}

/** Compares a received base64 digest with the HMAC of `data`, in constant time. */
export function verifyHmacBase64(
  algorithm: HmacAlgorithm,
  secret: string,
  data: string | Buffer,
  received: string | undefined,
): boolean {
  if (!received || !secret) return false;
  const expected = Buffer.from(hmacBase64(algorithm, secret, data), 'utf8');
  return safeEqual(expected, Buffer.from(received.trim(), 'utf8'));
}

/** A static shared token (Hotmart hottok, PerfectPay token, Braip basic_authentication). */
export function verifyStaticToken(secret: string, received: string | undefined): boolean {
  if (!received || !secret) return false;
  return safeEqual(secret, received.trim());
}

export interface TimestampedSignature {
  timestamp: number;
  /** Every signature of the requested scheme (`v1`); senders may send several during secret rotation. */
  signatures: string[];
}

/** Parses `t=<unix>,v1=<hex>,v1=<hex>,v0=…` (Stripe-Signature, X-Rastro-Signature). */
export function parseTimestampedSignature(header: string | undefined, scheme = 'v1'): TimestampedSignature | undefined {
  if (!header) return undefined;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const key = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === scheme && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

export interface TimestampedHmacOptions {
  header: string | undefined;
  secret: string;
  rawBody: Buffer;
  now: Date;
  /** Maximum distance between the signed timestamp and `now`, in seconds. */
  toleranceSeconds: number;
  headerName: string;
}

/**
 * Verifies a `t=…,v1=…` header whose v1 is the hex HMAC-SHA256 of `${t}.${rawBody}`. Accepts when
 * any v1 matches and the timestamp is within the tolerance of `now` (either direction).
 */
export function verifyTimestampedHmac(options: TimestampedHmacOptions): VerifyResult {
  const { header, secret, rawBody, now, toleranceSeconds, headerName } = options;
  if (!secret) return { ok: false, reason: 'no signing secret configured' };
  if (!header) return { ok: false, reason: `missing ${headerName} header` };
  const parsed = parseTimestampedSignature(header);
  if (!parsed) return { ok: false, reason: `malformed ${headerName} header` };
  const signedPayload = Buffer.concat([Buffer.from(`${parsed.timestamp}.`, 'utf8'), rawBody]);
  const expected = hmacHex('sha256', secret, signedPayload);
  // Compare against every candidate (no early exit) so timing does not reveal which one matched.
  let matched = false;
  for (const candidate of parsed.signatures) {
    if (safeEqual(expected, candidate.toLowerCase())) matched = true;
  }
  if (!matched) return { ok: false, reason: 'signature mismatch' };
  const age = Math.abs(Math.floor(now.getTime() / 1000) - parsed.timestamp);
  if (age > toleranceSeconds) return { ok: false, reason: `timestamp outside the ${toleranceSeconds} s tolerance` };
  return { ok: true };
}
