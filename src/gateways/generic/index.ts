/**
 * Rastro generic format: `X-Rastro-Signature: t=<unix>,v1=<hex>` where v1 is the hex HMAC-SHA256
 * of `${t}.${rawBody}` keyed with the connection secret; 300 s tolerance. See ./README.md.
 */
import { header } from '../common.ts';
import { verifyTimestampedHmac } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { mapGeneric } from './map.ts';
import { GENERIC_STATUSES } from './schema.ts';

export const GENERIC_TOLERANCE_SECONDS = 300;

export const generic: GatewayDefinition = {
  id: 'generic',
  label: 'Generic (Rastro format)',
  auth: 'hmac',
  eventTypes: GENERIC_STATUSES,
  verify(webhook, secret, now) {
    return verifyTimestampedHmac({
      header: header(webhook, 'x-rastro-signature'),
      secret,
      rawBody: webhook.rawBody,
      now,
      toleranceSeconds: GENERIC_TOLERANCE_SECONDS,
      headerName: 'X-Rastro-Signature',
    });
  },
  parse: mapGeneric,
};
