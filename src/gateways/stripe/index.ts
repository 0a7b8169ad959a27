/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]` where each v1 is the hex HMAC-SHA256 of
 * `${t}.${rawBody}` keyed with the endpoint's `whsec_…` secret; 300 s tolerance against `now`.
 */
import { header } from '../common.ts';
import { verifyTimestampedHmac } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { mapStripe, STRIPE_EVENT_TYPES } from './map.ts';

export const STRIPE_TOLERANCE_SECONDS = 300;

export const stripe: GatewayDefinition = {
  id: 'stripe',
  label: 'Stripe',
  auth: 'hmac',
  eventTypes: STRIPE_EVENT_TYPES,
  verify(webhook, secret, now) {
    return verifyTimestampedHmac({
      header: header(webhook, 'stripe-signature'),
      secret,
      rawBody: webhook.rawBody,
      now,
      toleranceSeconds: STRIPE_TOLERANCE_SECONDS,
      headerName: 'Stripe-Signature',
    });
  },
  parse: mapStripe,
};
