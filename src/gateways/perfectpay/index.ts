/**
 * PerfectPay: the postback carries the account's public token in the body (`token`); there is no
 * header signature. Compared in constant time.
 */
import { str, tryParseJsonOrForm } from '../common.ts';
import { verifyStaticToken } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { mapPerfectPay, PERFECTPAY_STATUS } from './map.ts';

export const perfectpay: GatewayDefinition = {
  id: 'perfectpay',
  label: 'PerfectPay',
  auth: 'static_token',
  eventTypes: Object.keys(PERFECTPAY_STATUS),
  verify(webhook, secret) {
    if (!secret) return { ok: false, reason: 'no token configured' };
    const token = str(tryParseJsonOrForm(webhook)?.token);
    if (!token) return { ok: false, reason: 'missing token in body' };
    return verifyStaticToken(secret, token) ? { ok: true } : { ok: false, reason: 'token mismatch' };
  },
  parse: mapPerfectPay,
};
