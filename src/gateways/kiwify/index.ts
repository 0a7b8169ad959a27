/**
 * Kiwify: `?signature=` on the webhook URL is the hex HMAC-SHA1 of the raw body, keyed with the
 * webhook's token.
 */
import { verifyHmacHex } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { KIWIFY_EVENT_STATUS, mapKiwify } from './map.ts';

export const kiwify: GatewayDefinition = {
  id: 'kiwify',
  label: 'Kiwify',
  auth: 'hmac',
  eventTypes: Object.keys(KIWIFY_EVENT_STATUS),
  verify(webhook, secret) {
    if (!secret) return { ok: false, reason: 'no webhook token configured' };
    const signature = webhook.query.signature;
    if (!signature) return { ok: false, reason: 'missing signature query parameter' };
    return verifyHmacHex('sha1', secret, webhook.rawBody, signature)
      ? { ok: true }
      : { ok: false, reason: 'signature mismatch' };
  },
  parse: mapKiwify,
};
