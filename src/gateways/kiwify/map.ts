/**
 * Kiwify sales webhook → GatewayConversion.
 *
 * Order events are flat: `{order_id, order_status, webhook_event_type, payment_method, Product,
 * Customer, Commissions{charge_amount (cents), currency}, TrackingParameters{src, sck, utm_*, s1–s3},
 * Subscription, subscription_id, created_at, approved_date, updated_at, refunded_at}` with local
 * (America/Sao_Paulo) timestamps. Abandoned carts have no `webhook_event_type`: `{id, status:
 * 'abandoned', email, name, phone, cpf, product_id, product_name, created_at…}`.
 */
import type { ConversionStatus, GatewayConversion, ParseResult } from '../types.ts';
import {
  BRT,
  buildTracking,
  buyer,
  centsToMajor,
  countryValue,
  currencyCode,
  digits,
  firstDate,
  firstNum,
  firstStr,
  flatStrings,
  obj,
  parseJsonObject,
  paymentMethodFrom,
  required,
  splitName,
  str,
  type Obj,
} from '../common.ts';
import type { RawWebhook } from '../types.ts';

/** `webhook_event_type` values Rastro maps, with the status each one means. */
export const KIWIFY_EVENT_STATUS: Readonly<Record<string, ConversionStatus>> = {
  order_approved: 'approved',
  subscription_renewed: 'approved',
  billet_created: 'pending',
  pix_created: 'pending',
  order_rejected: 'canceled',
  order_refunded: 'refunded',
  chargeback: 'chargeback',
  abandoned_cart: 'abandoned',
};

/** `order_status` values, used when the event type is missing or unknown. */
const ORDER_STATUS: Readonly<Record<string, ConversionStatus>> = {
  paid: 'approved',
  approved: 'approved',
  waiting_payment: 'pending',
  pending: 'pending',
  refunded: 'refunded',
  chargedback: 'chargeback',
  refused: 'canceled',
  canceled: 'canceled',
  cancelled: 'canceled',
  abandoned: 'abandoned',
};

/** Non-sale notifications Kiwify sends to the same URL. */
const NON_SALE = new Set(['subscription_canceled', 'subscription_late']);

/** Kiwify's "test webhook" posts a sample order for a John Doe at example.com. */
export const isKiwifyTest = (customer: Obj): boolean => str(customer.email)?.toLowerCase() === 'johndoe@example.com';

function mapAbandonedCart(body: Obj): ParseResult {
  const names = splitName(str(body.name));
  const conversion: GatewayConversion = {
    eventType: 'abandoned_cart',
    notificationId: str(body.id),
    orderId: `cart:${required(str(body.id), 'id')}`,
    status: 'abandoned',
    amount: 0,
    currency: 'BRL',
    buyer: buyer({
      email: str(body.email),
      phone: str(body.phone),
      first_name: names.first_name,
      last_name: names.last_name,
      country: countryValue(body.country),
      document: digits(body.cpf) ?? digits(body.cnpj),
    }),
    products: str(body.product_id)
      ? [{ id: str(body.product_id) as string, name: str(body.product_name), quantity: 1 }]
      : [],
    occurredAt: firstDate(BRT, body.created_at),
    isTest: str(body.email)?.toLowerCase() === 'johndoe@example.com',
    tracking: buildTracking({ raw: flatStrings(body.TrackingParameters), rastroIdKeys: ['sck', 's1'] }),
  };
  return { kind: 'conversion', conversion };
}

export function mapKiwify(webhook: RawWebhook): ParseResult {
  let body = parseJsonObject(webhook, 'kiwify');
  // Some Kiwify integrations wrap the order as `{order: {...}}`.
  if (!body.order_id && !body.webhook_event_type && typeof body.order === 'object' && body.order !== null) {
    body = obj(body.order);
  }
  const eventType = str(body.webhook_event_type);
  if (!eventType && (str(body.status) === 'abandoned' || body.checkout_link !== undefined))
    return mapAbandonedCart(body);
  if (eventType && NON_SALE.has(eventType)) {
    return { kind: 'ignored', eventType, reason: 'subscription notice, not a sale' };
  }
  const orderStatus = str(body.order_status);
  const status =
    (eventType ? KIWIFY_EVENT_STATUS[eventType] : undefined) ?? (orderStatus ? ORDER_STATUS[orderStatus] : undefined);
  if (!status) {
    return { kind: 'ignored', eventType: eventType ?? orderStatus ?? 'unknown', reason: 'not a sale event' };
  }

  const customer = obj(body.Customer);
  const product = obj(body.Product);
  const commissions = obj(body.Commissions);
  const subscription = obj(body.Subscription);
  const cents = required(
    firstNum(commissions.charge_amount, commissions.product_base_price),
    'Commissions.charge_amount',
  );
  const names =
    str(customer.full_name) !== undefined
      ? splitName(str(customer.full_name))
      : { first_name: str(customer.first_name), last_name: undefined };
  const basePrice = firstNum(commissions.product_base_price);
  const occurredAt =
    status === 'approved'
      ? firstDate(BRT, body.approved_date, body.updated_at, body.created_at)
      : status === 'refunded'
        ? firstDate(BRT, body.refunded_at, body.updated_at, body.created_at)
        : firstDate(BRT, body.updated_at, body.created_at);
  const subscriptionId = firstStr(body.subscription_id, subscription.id);
  const chargesCompleted = Array.isArray(obj(subscription.charges).completed)
    ? (obj(subscription.charges).completed as unknown[]).length
    : undefined;

  const conversion: GatewayConversion = {
    eventType: eventType ?? `order_status:${orderStatus}`,
    orderId: required(str(body.order_id), 'order_id'),
    status,
    paymentMethod: paymentMethodFrom(body.payment_method),
    amount: centsToMajor(cents),
    currency: currencyCode(commissions.currency ?? commissions.product_base_price_currency, 'BRL') as string,
    buyer: buyer({
      email: str(customer.email),
      phone: str(customer.mobile) ?? str(customer.phone),
      first_name: names.first_name ?? str(customer.first_name),
      last_name: names.last_name,
      city: str(customer.city),
      state: str(customer.state),
      zip: digits(customer.zipcode),
      country: countryValue(customer.country),
      document: digits(customer.CPF) ?? digits(customer.cnpj) ?? digits(customer.CNPJ),
    }),
    products: str(product.product_id)
      ? [
          {
            id: str(product.product_id) as string,
            name: str(product.product_name),
            quantity: 1,
            price: centsToMajor(basePrice ?? cents),
          },
        ]
      : [],
    occurredAt,
    isTest: isKiwifyTest(customer),
    tracking: buildTracking({
      raw: flatStrings(body.TrackingParameters),
      rastroIdKeys: ['sck', 's1'],
      known: { client_ip: str(customer.ip) },
    }),
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  if (eventType === 'subscription_renewed') conversion.isRenewal = true;
  else if (subscriptionId && chargesCompleted !== undefined) conversion.isRenewal = chargesCompleted > 1;
  if (subscriptionId) conversion.subscriptionId = subscriptionId;
  return { kind: 'conversion', conversion };
}
