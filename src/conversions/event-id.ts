import { sha256Hex } from '../core/hash.ts';

/**
 * The event_id of an event a conversion emits: stable across webhook retries and replays, and
 * computable by a thank-you page that knows the order id, so its browser pixel sends the same
 * `eventID` and the platform deduplicates browser and server:
 *
 *   event_id = first 32 hex chars of SHA-256("<tenant_id>:<order_id>:<event_name>")
 *
 * e.g. tenant `0195…`, Hotmart transaction `HP1234`, event `purchase`.
 */
export function conversionEventId(tenantId: string, orderId: string, eventName: string): string {
  return sha256Hex(`${tenantId}:${orderId}:${eventName}`).slice(0, 32);
}
