/**
 * The contract every gateway folder implements (src/gateways/<id>/index.ts), registered in
 * src/gateways/registry.ts. A gateway authenticates its sender on the raw bytes and maps its
 * payload to one canonical conversion; the webhook route, life-cycle and delivery are shared.
 */
import type { RawUser } from '../identity/types.ts';

export interface RawWebhook {
  /** The exact bytes received: signatures are computed over these, never over re-serialized JSON. */
  rawBody: Buffer;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export type ConversionStatus =
  | 'pending' // boleto/PIX issued, awaiting payment
  | 'approved' // paid
  | 'refunded'
  | 'chargeback'
  | 'canceled' // expired boleto, canceled before payment
  | 'abandoned'; // checkout abandoned

export type PaymentMethod = 'card' | 'boleto' | 'pix' | 'paypal' | 'wallet' | 'bank_transfer' | 'other';

export interface ConversionProduct {
  id: string;
  name?: string;
  quantity: number;
  /** Unit price in major units. */
  price?: number;
}

/** Every tracking field the gateway carried through checkout, kept for matching. */
export interface GatewayTracking {
  /** Rastro click or session id carried in the gateway's pass-through parameter. */
  rastro_id?: string;
  utm_source?: string;
  utm_medium?: string;
  utm_campaign?: string;
  utm_content?: string;
  utm_term?: string;
  fbclid?: string;
  fbc?: string;
  fbp?: string;
  gclid?: string;
  ttclid?: string;
  landing_url?: string;
  referrer?: string;
  client_ip?: string;
  user_agent?: string;
  /** The gateway's own tracking fields as received (src, sck, xcod, s1…s3, metadata…). */
  raw: Record<string, string>;
}

export interface GatewayConversion {
  /** The gateway's own event type as received (e.g. `PURCHASE_APPROVED`, `order_approved`). */
  eventType: string;
  /** Unique id of this notification when the gateway gives one (idempotency of retries). */
  notificationId?: string;
  orderId: string;
  status: ConversionStatus;
  paymentMethod?: PaymentMethod;
  /** Total in major units (e.g. 197.00), never cents. */
  amount: number;
  /** ISO-4217 upper case. */
  currency: string;
  /** Buyer identifiers in clear: the webhook route hashes them before anything is stored. */
  buyer: RawUser;
  products: ConversionProduct[];
  /** When the gateway says the status change happened. */
  occurredAt: Date;
  /** Test send (Hotmart test, Stripe livemode=false, Shopify test=true). */
  isTest: boolean;
  /** A subscription renewal: a new purchase of its own. */
  isRenewal?: boolean;
  subscriptionId?: string;
  tracking: GatewayTracking;
}

export type ParseResult =
  | { kind: 'conversion'; conversion: GatewayConversion }
  /** Valid and authenticated, but not a sale event Rastro maps (stored and acknowledged). */
  | { kind: 'ignored'; eventType: string; reason: string }
  /** Sender's connectivity check (WooCommerce ping): answer 200, store nothing more. */
  | { kind: 'ping' };

export interface GatewayDefinition {
  /** Stable id used in webhook URLs: `/api/v1/webhooks/{id}/{connection_id}`. */
  id: string;
  label: string;
  /** How the sender proves itself; `url_secret` means only Rastro's secret in the URL. */
  auth: 'hmac' | 'static_token' | 'url_secret';
  /** The event types this gateway sends that Rastro maps. */
  eventTypes: readonly string[];
  /** Checks the sender's proof on the raw bytes, in constant time. `secret` is the connection's. */
  verify(webhook: RawWebhook, secret: string, now: Date): VerifyResult;
  /** Maps an authenticated webhook. Throws RastroError (`bad_json` or `validation_failed`) for a body it cannot read. */
  parse(webhook: RawWebhook): ParseResult;
}
