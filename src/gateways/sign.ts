/**
 * Test and demo helpers: build a RawWebhook exactly as each gateway would send it, correctly
 * signed with `secret`. Tests use them for sign → verify round-trips; the demo and the setup
 * assistant use them to send realistic signed webhooks to a running Rastro.
 */
import { RastroError } from '../core/errors.ts';
import { hmacBase64, hmacHex } from './signatures.ts';
import type { RawWebhook } from './types.ts';

/** A payload object (serialized as compact JSON), or the exact body bytes. */
export type WebhookPayload = object | string | Buffer;

export interface SignOptions {
  /** Signing time for timestamped schemes (Stripe, generic); defaults to now. */
  timestamp?: Date | number;
  /** Stripe/generic: extra `v1=` values sent alongside the valid one (secret rotation). */
  extraSignatures?: string[];
  /** Shopify `X-Shopify-Topic` / WooCommerce `X-WC-Webhook-Topic`. */
  topic?: string;
  /** Shopify `X-Shopify-Shop-Domain`. */
  shopDomain?: string;
  /** Shopify `X-Shopify-Webhook-Id` / WooCommerce `X-WC-Webhook-Delivery-ID`. */
  deliveryId?: string;
  /** Hotmart: also put `hottok` in the body (version 1.0.0 style). */
  tokenInBody?: boolean;
  /** Braip/PerfectPay: send an `application/x-www-form-urlencoded` body instead of JSON. */
  form?: boolean;
}

const toBody = (payload: WebhookPayload): Buffer => {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.from(JSON.stringify(payload), 'utf8');
};

const asObject = (payload: WebhookPayload, gateway: string): Record<string, unknown> => {
  if (Buffer.isBuffer(payload) || typeof payload === 'string') {
    try {
      return JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      throw new RastroError('bad_json', `${gateway}: payload must be an object or JSON text`);
    }
  }
  return { ...(payload as Record<string, unknown>) };
};

const unix = (timestamp: Date | number | undefined): number => {
  if (timestamp === undefined) return Math.floor(Date.now() / 1000);
  if (timestamp instanceof Date) return Math.floor(timestamp.getTime() / 1000);
  return Math.floor(timestamp);
};

function build(
  rawBody: Buffer,
  headers: Record<string, string | undefined>,
  query: Record<string, string | undefined> = {},
  contentType = 'application/json',
): RawWebhook {
  return { rawBody, headers: { 'content-type': contentType, ...headers }, query };
}

/** Form-encodes one level of nesting as `parent[child]=value`. */
function toForm(payload: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [child, childValue] of Object.entries(value as Record<string, unknown>)) {
        if (childValue !== undefined && childValue !== null) params.append(`${key}[${child}]`, String(childValue));
      }
    } else {
      params.append(key, String(value));
    }
  }
  return params.toString();
}

/** `t=<unix>,v1=<hex>` over `${t}.${body}` (Stripe-Signature and X-Rastro-Signature). */
export function timestampedSignatureHeader(
  rawBody: Buffer,
  secret: string,
  timestamp: Date | number | undefined,
  extraSignatures: string[] = [],
): string {
  const t = unix(timestamp);
  const v1 = hmacHex('sha256', secret, Buffer.concat([Buffer.from(`${t}.`, 'utf8'), rawBody]));
  return [`t=${t}`, ...extraSignatures.map((signature) => `v1=${signature}`), `v1=${v1}`].join(',');
}

export function signHotmart(payload: WebhookPayload, hottok: string, options: SignOptions = {}): RawWebhook {
  const body = options.tokenInBody ? toBody({ ...asObject(payload, 'hotmart'), hottok }) : toBody(payload);
  return build(body, { 'x-hotmart-hottok': hottok });
}

export function signKiwify(payload: WebhookPayload, token: string): RawWebhook {
  const body = toBody(payload);
  return build(body, {}, { signature: hmacHex('sha1', token, body) });
}

export function signStripe(payload: WebhookPayload, secret: string, options: SignOptions = {}): RawWebhook {
  const body = toBody(payload);
  return build(body, {
    'stripe-signature': timestampedSignatureHeader(body, secret, options.timestamp, options.extraSignatures),
  });
}

export function signShopify(payload: WebhookPayload, secret: string, options: SignOptions = {}): RawWebhook {
  const body = toBody(payload);
  return build(body, {
    'x-shopify-hmac-sha256': hmacBase64('sha256', secret, body),
    'x-shopify-topic': options.topic ?? 'orders/paid',
    'x-shopify-shop-domain': options.shopDomain ?? 'loja-exemplo.myshopify.com',
    'x-shopify-webhook-id': options.deliveryId ?? 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    'x-shopify-api-version': '2025-01',
  });
}

export function signWooCommerce(payload: WebhookPayload, secret: string, options: SignOptions = {}): RawWebhook {
  const body = toBody(payload);
  const topic = options.topic ?? 'order.updated';
  const [resource, event] = topic.split('.');
  return build(body, {
    'x-wc-webhook-signature': hmacBase64('sha256', secret, body),
    'x-wc-webhook-topic': topic,
    'x-wc-webhook-resource': resource,
    'x-wc-webhook-event': event,
    'x-wc-webhook-id': '12',
    'x-wc-webhook-delivery-id': options.deliveryId ?? '9f3a1c77d0c2f3e5a8b6c4d2e1f0a9b8',
    'x-wc-webhook-source': 'https://loja-exemplo.com.br/',
  });
}

/** The unsigned ping WooCommerce posts when a webhook is saved. */
export function wooCommercePing(webhookId = 12): RawWebhook {
  return build(Buffer.from(`webhook_id=${webhookId}`, 'utf8'), {}, {}, 'application/x-www-form-urlencoded');
}

export function signPerfectPay(payload: WebhookPayload, token: string, options: SignOptions = {}): RawWebhook {
  const object = { ...asObject(payload, 'perfectpay'), token };
  return options.form
    ? build(Buffer.from(toForm(object), 'utf8'), {}, {}, 'application/x-www-form-urlencoded')
    : build(toBody(object), {});
}

export function signBraip(payload: WebhookPayload, key: string, options: SignOptions = {}): RawWebhook {
  const object = { ...asObject(payload, 'braip'), basic_authentication: key };
  return options.form
    ? build(Buffer.from(toForm(object), 'utf8'), {}, {}, 'application/x-www-form-urlencoded')
    : build(toBody(object), {});
}

/** Appmax sends no proof (Rastro's secret is in the URL); the secret is accepted for symmetry. */
export function signAppmax(payload: WebhookPayload, _secret?: string): RawWebhook {
  return build(toBody(payload), {});
}

export function signGeneric(payload: WebhookPayload, secret: string, options: SignOptions = {}): RawWebhook {
  const body = toBody(payload);
  return build(body, {
    'x-rastro-signature': timestampedSignatureHeader(body, secret, options.timestamp, options.extraSignatures),
  });
}

const SIGNERS: Record<string, (payload: WebhookPayload, secret: string, options: SignOptions) => RawWebhook> = {
  hotmart: signHotmart,
  kiwify: signKiwify,
  stripe: signStripe,
  perfectpay: signPerfectPay,
  appmax: signAppmax,
  braip: signBraip,
  shopify: signShopify,
  woocommerce: signWooCommerce,
  generic: signGeneric,
};

/** Signs `payload` the way gateway `gatewayId` would, with the connection's `secret`. */
export function signWebhook(
  gatewayId: string,
  payload: WebhookPayload,
  secret: string,
  options: SignOptions = {},
): RawWebhook {
  const signer = Object.hasOwn(SIGNERS, gatewayId) ? SIGNERS[gatewayId] : undefined;
  if (!signer) throw new RastroError('not_found', `gateway ${gatewayId} not found`);
  return signer(payload, secret, options);
}
