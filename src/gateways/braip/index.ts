/**
 * Braip: the postback carries the account's static key in the body (`basic_authentication`);
 * there is no header signature. Compared in constant time.
 */
import { str, tryParseJsonOrForm } from '../common.ts';
import { verifyStaticToken } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { BRAIP_POSTBACK_TYPES, mapBraip } from './map.ts';

export const braip: GatewayDefinition = {
  id: 'braip',
  label: 'Braip',
  auth: 'static_token',
  eventTypes: BRAIP_POSTBACK_TYPES,
  verify(webhook, secret) {
    if (!secret) return { ok: false, reason: 'no basic_authentication key configured' };
    const token = str(tryParseJsonOrForm(webhook)?.basic_authentication);
    if (!token) return { ok: false, reason: 'missing basic_authentication in body' };
    return verifyStaticToken(secret, token) ? { ok: true } : { ok: false, reason: 'basic_authentication mismatch' };
  },
  parse: mapBraip,
};
