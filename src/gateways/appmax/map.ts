/**
 * Appmax webhook → GatewayConversion.
 *
 * `{event: 'OrderApproved'…, event_type, data}`. The shape of `data` depends on the template chosen
 * in Appmax: the default nests the order (`data.id`, `data.total`, `data.status`,
 * `data.payment_type`, `data.customer{firstname, lastname, email, telephone…}`); the two-level
 * template flattens it (`data.order_id`, `data.order_total`, `data.customer_email`…). Both are read.
 * Amounts are in major units (BRL); timestamps are local (America/Sao_Paulo).
 */
import type { ConversionStatus, GatewayConversion, ParseResult } from '../types.ts';
import {
  arr,
  BRT,
  buildTracking,
  buyer,
  countryValue,
  currencyCode,
  digits,
  firstDate,
  firstNum,
  firstStr,
  flatStrings,
  fold,
  isObj,
  num,
  obj,
  parseJsonObject,
  paymentMethodFrom,
  required,
  round,
  splitName,
  str,
  type Obj,
} from '../common.ts';
import type { RawWebhook } from '../types.ts';

export const APPMAX_EVENT_STATUS: Readonly<Record<string, ConversionStatus>> = {
  OrderApproved: 'approved',
  OrderPaid: 'approved',
  OrderPaidByPix: 'approved',
  OrderIntegrated: 'approved',
  OrderUpSold: 'approved',
  // Paid, waiting to be pushed to the merchant's store integration.
  OrderPendingIntegration: 'approved',
  OrderAuthorized: 'pending',
  OrderBilletCreated: 'pending',
  OrderPixCreated: 'pending',
  PixCreated: 'pending',
  PixGenerated: 'pending',
  OrderRefund: 'refunded',
  OrderChargeBackInTreatment: 'chargeback',
  ChargebackDispute: 'chargeback',
  OrderBilletOverdue: 'canceled',
  OrderPixExpired: 'canceled',
  PixExpired: 'canceled',
  BoletoExpired: 'canceled',
  PaymentNotAuthorized: 'canceled',
  CustomerInterested: 'abandoned',
};

/** `status` labels of the order, used for events not listed above. */
const ORDER_STATUS: Readonly<Record<string, ConversionStatus>> = {
  aprovado: 'approved',
  integrado: 'approved',
  pendente_integracao: 'approved',
  autorizado: 'pending',
  pendente: 'pending',
  estornado: 'refunded',
  cancelado: 'canceled',
  chargeback_em_tratativa: 'chargeback',
};

const TRACKING_KEY = /^(utm_[a-z]+|fbclid|fbc|_fbc|fbp|_fbp|gclid|ttclid|rastro_id|sck|src|session_id|ip|user_agent)$/;

function trackingFields(...sources: Obj[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(flatStrings(source))) {
      if (TRACKING_KEY.test(key) && out[key] === undefined) out[key] = value;
    }
  }
  return out;
}

function products(data: Obj) {
  const direct = arr(data.products);
  const bundled = arr(data.bundles).flatMap((bundle) => arr(obj(bundle).products));
  return [...direct, ...bundled].map(obj).map((item) => ({
    id: firstStr(item.sku, item.id, item.product_id) ?? 'unknown',
    name: str(item.name),
    quantity: num(item.quantity) ?? num(item.qty) ?? 1,
    price: num(item.price),
  }));
}

export function mapAppmax(webhook: RawWebhook): ParseResult {
  const body = parseJsonObject(webhook, 'appmax');
  const eventType = str(body.event) ?? 'unknown';
  const data = obj(body.data);
  const flat = data.order_id !== undefined;
  const customer = isObj(data.customer) ? data.customer : {};
  const c = (field: string): unknown => (flat ? data[`customer_${field}`] : customer[field]);
  const statusLabel = str(flat ? data.order_status : data.status);
  const status = APPMAX_EVENT_STATUS[eventType] ?? (statusLabel ? ORDER_STATUS[fold(statusLabel)] : undefined);
  if (!status) return { kind: 'ignored', eventType, reason: 'not an order event Rastro maps' };

  const isCartEvent = eventType === 'CustomerInterested';
  const orderId = isCartEvent
    ? `cart:${required(firstStr(data.id, data.customer_id), 'data.id')}`
    : required(flat ? str(data.order_id) : firstStr(data.id, data.order_id), 'data.id');
  const total = flat ? firstNum(data.order_total) : firstNum(data.total, data.order_total);
  const amount = isCartEvent ? round(total ?? 0) : round(required(total, 'data.total'));
  const paymentType = flat ? data.order_payment_type : data.payment_type;
  const cartCustomer = isCartEvent ? data : undefined;
  const field = (name: string): unknown => (cartCustomer ? cartCustomer[name] : c(name));
  const fullName = firstStr(field('fullname'), field('name'));
  const names =
    str(field('firstname')) !== undefined
      ? { first_name: str(field('firstname')), last_name: str(field('lastname')) }
      : splitName(fullName);

  const conversion: GatewayConversion = {
    eventType,
    orderId,
    status,
    paymentMethod: paymentMethodFrom(paymentType),
    amount,
    currency: currencyCode(data.currency, 'BRL') as string,
    buyer: buyer({
      email: str(field('email')),
      phone: firstStr(field('telephone'), field('phone')),
      first_name: names.first_name,
      last_name: names.last_name,
      city: str(field('city')),
      state: firstStr(field('uf'), field('state')),
      zip: digits(firstStr(field('postcode'), field('zipcode'))),
      country: countryValue(field('country')),
      document: digits(firstStr(field('document_number'), field('cpf'), field('document'))),
    }),
    products: products(data),
    occurredAt: firstDate(
      BRT,
      status === 'approved' ? firstStr(data.paid_at, data.order_paid_at) : undefined,
      data.updated_at,
      data.order_updated_at,
      data.created_at,
      data.order_created_at,
    ),
    isTest: false,
    tracking: buildTracking({
      raw: trackingFields(body, data, obj(data.meta), obj(data.tracking), customer),
      rastroIdKeys: ['rastro_id', 'sck'],
    }),
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  return { kind: 'conversion', conversion };
}
