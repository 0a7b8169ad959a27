/**
 * WooCommerce: `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body keyed with the
 * webhook's secret. The creation ping (`webhook_id=<id>`, unsigned) is accepted so that saving the
 * webhook in WooCommerce succeeds; parse() answers it with `{kind: 'ping'}` and nothing is mapped.
 */
import { header } from '../common.ts';
import { verifyHmacBase64 } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { isWooPing, mapWooCommerce, WOOCOMMERCE_TOPICS } from './map.ts';

export const woocommerce: GatewayDefinition = {
  id: 'woocommerce',
  label: 'WooCommerce',
  auth: 'hmac',
  eventTypes: WOOCOMMERCE_TOPICS,
  verify(webhook, secret) {
    const signature = header(webhook, 'x-wc-webhook-signature');
    if (!signature && isWooPing(webhook)) return { ok: true };
    if (!secret) return { ok: false, reason: 'no webhook secret configured' };
    if (!signature) return { ok: false, reason: 'missing X-WC-Webhook-Signature header' };
    return verifyHmacBase64('sha256', secret, webhook.rawBody, signature)
      ? { ok: true }
      : { ok: false, reason: 'signature mismatch' };
  },
  parse: mapWooCommerce,
};
