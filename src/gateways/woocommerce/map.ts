/**
 * WooCommerce order webhooks → GatewayConversion.
 *
 * The topic arrives in `X-WC-Webhook-Topic` (`order.created`, `order.updated`…); the body is the
 * REST API order (`id`, `status`, `currency`, `total` as a major-unit string, `billing`,
 * `line_items`, `meta_data[{key, value}]`, `customer_ip_address`, `customer_user_agent`,
 * `date_*_gmt`). Order attribution (WooCommerce ≥ 8.5) is kept in `_wc_order_attribution_*` meta.
 * When a webhook is saved, WooCommerce posts an unsigned form body `webhook_id=<id>` as a ping.
 */
import type { ConversionStatus, GatewayConversion, ParseResult } from '../types.ts';
import {
  arr,
  bodyText,
  buildTracking,
  buyer,
  countryValue,
  currencyCode,
  digits,
  firstDate,
  firstStr,
  header,
  num,
  obj,
  parseJsonObject,
  paymentMethodFrom,
  queryOf,
  required,
  round,
  str,
  type Obj,
} from '../common.ts';
import type { RawWebhook } from '../types.ts';

export const WOOCOMMERCE_TOPICS = ['order.created', 'order.updated', 'order.restored'] as const;

const ORDER_STATUS: Readonly<Record<string, ConversionStatus>> = {
  processing: 'approved',
  completed: 'approved',
  'on-hold': 'pending',
  pending: 'pending',
  refunded: 'refunded',
  cancelled: 'canceled',
  failed: 'canceled',
};

const ATTRIBUTION_PREFIX = '_wc_order_attribution_';

/** The unsigned ping WooCommerce sends when a webhook is created: `webhook_id=<digits>`. */
export const isWooPing = (webhook: RawWebhook): boolean => /^webhook_id=\d+$/.test(bodyText(webhook).trim());

/** WooCommerce GMT dates have no zone designator (`2024-05-02T13:45:10`). */
const gmt = (value: unknown): string | undefined => {
  const text = str(value);
  if (!text) return undefined;
  return /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`;
};

function metaMap(order: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of arr(order.meta_data).map(obj)) {
    const key = str(item.key);
    const value = str(item.value);
    if (key && value && out[key] === undefined) out[key] = value;
  }
  return out;
}

function wooTracking(order: Obj, meta: Record<string, string>) {
  const raw: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (key.startsWith(ATTRIBUTION_PREFIX)) {
      raw[key] = value;
      fields[key.slice(ATTRIBUTION_PREFIX.length)] = value;
    } else if (/^_?(rastro_id|fbc|fbp|fbclid|gclid|ttclid|utm_[a-z]+|sck|src)$/.test(key)) {
      raw[key] = value;
      fields[key.replace(/^_/, '')] = value;
    }
  }
  const entry = fields.session_entry;
  const entryQuery = queryOf(entry);
  const tracking = buildTracking({
    // Explicit attribution meta wins over the landing page's query string.
    raw: { ...entryQuery, ...fields },
    rastroIdKeys: ['rastro_id'],
    known: {
      landing_url: entry,
      referrer: fields.referrer,
      client_ip: str(order.customer_ip_address),
      user_agent: firstStr(order.customer_user_agent, fields.user_agent),
    },
  });
  // Keep the meta keys exactly as WooCommerce stored them.
  tracking.raw = raw;
  return tracking;
}

/** The gateway id (`stripe`, `bacs`, `pix_gateway`…), falling back to its title (`Cartão de crédito`). */
function wooPaymentMethod(order: Obj) {
  const byId = paymentMethodFrom(order.payment_method);
  if (byId && byId !== 'other') return byId;
  return paymentMethodFrom(order.payment_method_title) ?? byId;
}

export function mapWooCommerce(webhook: RawWebhook): ParseResult {
  if (isWooPing(webhook)) return { kind: 'ping' };
  const topic = header(webhook, 'x-wc-webhook-topic') ?? 'unknown';
  const body = parseJsonObject(webhook, 'woocommerce');
  if (!(WOOCOMMERCE_TOPICS as readonly string[]).includes(topic)) {
    return { kind: 'ignored', eventType: topic, reason: 'not an order topic Rastro maps' };
  }
  const wooStatus = str(body.status) ?? 'unknown';
  const status = ORDER_STATUS[wooStatus];
  if (!status) return { kind: 'ignored', eventType: `${topic}:${wooStatus}`, reason: `order status ${wooStatus}` };

  const meta = metaMap(body);
  const billing = obj(body.billing);
  const occurredAt =
    status === 'approved'
      ? firstDate('Z', gmt(body.date_paid_gmt), gmt(body.date_modified_gmt), gmt(body.date_created_gmt))
      : firstDate('Z', gmt(body.date_modified_gmt), gmt(body.date_created_gmt));
  const conversion: GatewayConversion = {
    eventType: `${topic}:${wooStatus}`,
    notificationId: header(webhook, 'x-wc-webhook-delivery-id'),
    orderId: required(str(body.id), 'id'),
    status,
    paymentMethod: wooPaymentMethod(body),
    amount: round(required(num(body.total), 'total')),
    currency: required(currencyCode(body.currency), 'currency'),
    buyer: buyer({
      email: str(billing.email),
      phone: str(billing.phone),
      first_name: str(billing.first_name),
      last_name: str(billing.last_name),
      city: str(billing.city),
      state: str(billing.state),
      zip: str(billing.postcode),
      country: countryValue(billing.country),
      document: digits(billing.cpf) ?? digits(billing.cnpj) ?? digits(meta._billing_cpf) ?? digits(meta._billing_cnpj),
    }),
    products: arr(body.line_items)
      .map(obj)
      .map((item) => ({
        id: firstStr(item.product_id, item.sku, item.id) ?? 'unknown',
        name: str(item.name),
        quantity: num(item.quantity) ?? 1,
        price: num(item.price),
      })),
    occurredAt,
    isTest: false,
    tracking: wooTracking(body, meta),
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  if (!conversion.notificationId) delete conversion.notificationId;
  return { kind: 'conversion', conversion };
}
