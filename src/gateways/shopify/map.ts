/**
 * Shopify order webhooks → GatewayConversion.
 *
 * The topic arrives in `X-Shopify-Topic`. Order topics carry the Order resource (`total_price`
 * as a major-unit string in the shop `currency`, `financial_status`, `test`, `landing_site`,
 * `referring_site`, `note_attributes`, `browser_ip`, `client_details.user_agent`, `customer`,
 * `billing_address`, `line_items`). `refunds/create` carries the Refund resource (`order_id`,
 * `transactions[]`, `refund_line_items[]`).
 */
import type { ConversionStatus, GatewayConversion, ParseResult } from '../types.ts';
import {
  arr,
  buildTracking,
  buyer,
  countryValue,
  currencyCode,
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

export const SHOPIFY_TOPICS = [
  'orders/create',
  'orders/paid',
  'orders/updated',
  'orders/cancelled',
  'refunds/create',
  'disputes/create',
] as const;

const FINANCIAL_STATUS: Readonly<Record<string, ConversionStatus>> = {
  paid: 'approved',
  partially_refunded: 'approved',
  pending: 'pending',
  authorized: 'pending',
  partially_paid: 'pending',
  refunded: 'refunded',
  voided: 'canceled',
};

function orderStatus(topic: string, order: Obj): ConversionStatus | undefined {
  const financial = str(order.financial_status) ?? '';
  if (topic === 'orders/paid') return 'approved';
  if (topic === 'orders/cancelled' || str(order.cancelled_at)) {
    return financial === 'refunded' ? 'refunded' : 'canceled';
  }
  return FINANCIAL_STATUS[financial];
}

function noteAttributes(order: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of arr(order.note_attributes).map(obj)) {
    const name = str(item.name);
    const value = str(item.value);
    if (name && value) out[name] = value;
  }
  return out;
}

function shopifyTracking(order: Obj, shopDomain: string | undefined) {
  const notes = noteAttributes(order);
  const landingSite = str(order.landing_site);
  const landingQuery = queryOf(landingSite);
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(landingQuery)) raw[`landing_site.${key}`] = value;
  for (const [key, value] of Object.entries(notes)) raw[`note_attributes.${key}`] = value;
  if (landingSite) raw.landing_site = landingSite;
  const referringSite = str(order.referring_site);
  if (referringSite) raw.referring_site = referringSite;
  const landingUrl =
    landingSite && landingSite.startsWith('/') && shopDomain ? `https://${shopDomain}${landingSite}` : landingSite;
  // Note attributes (set by Rastro's snippet at checkout) win over the landing page query.
  const tracking = buildTracking({
    raw: { ...landingQuery, ...notes },
    rastroIdKeys: ['rastro_id', '_rastro_id'],
    known: {
      landing_url: landingUrl,
      referrer: referringSite,
      client_ip: firstStr(order.browser_ip, obj(order.client_details).browser_ip),
      user_agent: str(obj(order.client_details).user_agent),
    },
  });
  tracking.raw = raw;
  return tracking;
}

function mapOrder(topic: string, order: Obj, webhook: RawWebhook): ParseResult {
  const status = orderStatus(topic, order);
  if (!status) {
    return { kind: 'ignored', eventType: topic, reason: `financial_status ${str(order.financial_status)} not mapped` };
  }
  const customer = obj(order.customer);
  const billing = obj(order.billing_address);
  const shipping = obj(order.shipping_address);
  const address = Object.keys(billing).length > 0 ? billing : shipping;
  const occurredAt =
    status === 'approved' && topic === 'orders/paid'
      ? firstDate('Z', order.processed_at, order.updated_at, order.created_at)
      : status === 'canceled' || status === 'refunded'
        ? firstDate('Z', order.cancelled_at, order.updated_at, order.created_at)
        : topic === 'orders/create'
          ? firstDate('Z', order.created_at)
          : firstDate('Z', order.updated_at, order.created_at);
  const conversion: GatewayConversion = {
    eventType: topic,
    notificationId: header(webhook, 'x-shopify-webhook-id') ?? header(webhook, 'x-shopify-event-id'),
    orderId: required(str(order.id), 'id'),
    status,
    paymentMethod: paymentMethodFrom(arr(order.payment_gateway_names)[0] ?? order.gateway),
    amount: round(required(num(order.total_price ?? order.current_total_price), 'total_price')),
    currency: required(currencyCode(order.currency), 'currency'),
    buyer: buyer({
      email: firstStr(order.email, order.contact_email, customer.email),
      phone: firstStr(order.phone, customer.phone, address.phone),
      first_name: firstStr(customer.first_name, address.first_name),
      last_name: firstStr(customer.last_name, address.last_name),
      city: str(address.city),
      state: firstStr(address.province_code, address.province),
      zip: str(address.zip),
      country: countryValue(firstStr(address.country_code, address.country)),
    }),
    products: arr(order.line_items)
      .map(obj)
      .map((item) => ({
        id: firstStr(item.product_id, item.variant_id, item.sku, item.id) ?? 'unknown',
        name: str(item.title) ?? str(item.name),
        quantity: num(item.quantity) ?? 1,
        price: num(item.price),
      })),
    occurredAt,
    isTest: order.test === true,
    tracking: shopifyTracking(order, header(webhook, 'x-shopify-shop-domain')),
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  return { kind: 'conversion', conversion };
}

function mapRefund(refund: Obj, webhook: RawWebhook): ParseResult {
  const transactions = arr(refund.transactions)
    .map(obj)
    .filter((transaction) => str(transaction.kind) === 'refund' && str(transaction.status) !== 'failure');
  const amount = round(transactions.reduce((sum, transaction) => sum + (num(transaction.amount) ?? 0), 0));
  const firstLine = obj(arr(refund.refund_line_items)[0]);
  const currency =
    currencyCode(transactions[0]?.currency) ?? currencyCode(obj(obj(firstLine.subtotal_set).shop_money).currency_code);
  const conversion: GatewayConversion = {
    eventType: 'refunds/create',
    notificationId: header(webhook, 'x-shopify-webhook-id') ?? str(refund.id),
    orderId: required(str(refund.order_id), 'order_id'),
    status: 'refunded',
    paymentMethod: paymentMethodFrom(transactions[0]?.gateway),
    amount,
    currency: required(currency, 'transactions[].currency'),
    buyer: {},
    products: arr(refund.refund_line_items)
      .map(obj)
      .map((item) => {
        const line = obj(item.line_item);
        return {
          id: firstStr(line.product_id, line.variant_id, item.line_item_id) ?? 'unknown',
          name: str(line.title),
          quantity: num(item.quantity) ?? 1,
          price: num(line.price),
        };
      }),
    occurredAt: firstDate('Z', refund.processed_at, refund.created_at),
    isTest: transactions.some((transaction) => transaction.test === true),
    tracking: { raw: {} },
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  return { kind: 'conversion', conversion };
}

/** `disputes/create`: a chargeback or an inquiry opened against a Shopify Payments order. */
function mapDispute(dispute: Obj, webhook: RawWebhook): ParseResult {
  const conversion: GatewayConversion = {
    eventType: `disputes/create:${str(dispute.type) ?? 'chargeback'}`,
    notificationId: header(webhook, 'x-shopify-webhook-id') ?? str(dispute.id),
    orderId: required(str(dispute.order_id), 'order_id'),
    status: 'chargeback',
    amount: round(required(num(dispute.amount), 'amount')),
    currency: required(currencyCode(dispute.currency), 'currency'),
    buyer: {},
    products: [],
    occurredAt: firstDate('Z', dispute.initiated_at),
    isTest: false,
    tracking: { raw: {} },
  };
  return { kind: 'conversion', conversion };
}

export function mapShopify(webhook: RawWebhook): ParseResult {
  const topic = header(webhook, 'x-shopify-topic') ?? 'unknown';
  const body = parseJsonObject(webhook, 'shopify');
  if (topic === 'refunds/create') return mapRefund(body, webhook);
  if (topic === 'disputes/create') return mapDispute(body, webhook);
  if ((SHOPIFY_TOPICS as readonly string[]).includes(topic)) return mapOrder(topic, body, webhook);
  return { kind: 'ignored', eventType: topic, reason: 'not an order topic' };
}
