/**
 * Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed with the
 * app's client secret (or the store's webhook signing secret).
 */
import { header } from '../common.ts';
import { verifyHmacBase64 } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { mapShopify, SHOPIFY_TOPICS } from './map.ts';

export const shopify: GatewayDefinition = {
  id: 'shopify',
  label: 'Shopify',
  auth: 'hmac',
  eventTypes: SHOPIFY_TOPICS,
  verify(webhook, secret) {
    if (!secret) return { ok: false, reason: 'no signing secret configured' };
    const signature = header(webhook, 'x-shopify-hmac-sha256');
    if (!signature) return { ok: false, reason: 'missing X-Shopify-Hmac-Sha256 header' };
    return verifyHmacBase64('sha256', secret, webhook.rawBody, signature)
      ? { ok: true }
      : { ok: false, reason: 'signature mismatch' };
  },
  parse: mapShopify,
};
