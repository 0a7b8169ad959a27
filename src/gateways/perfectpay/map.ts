/**
 * PerfectPay postback → GatewayConversion.
 *
 * Flat JSON: `{token, code, sale_amount (major units), currency_enum(_key), payment_type_enum(_key),
 * sale_status_enum(_key), sale_status_detail, date_created, date_approved, product, plan,
 * customer{full_name, email, identification_number, phone_extension, phone_area_code,
 * phone_number, city, state, zip_code, country, ip, user_agent, birthday}, metadata{src, sck,
 * utm_*, ttclid…}, subscription{code, charges_made}}` with local (America/Sao_Paulo) timestamps.
 */
import type { ConversionStatus, GatewayConversion, ParseResult, PaymentMethod } from '../types.ts';
import {
  BRT,
  buildTracking,
  buyer,
  countryValue,
  currencyCode,
  digits,
  firstDate,
  firstStr,
  flatStrings,
  joinPhone,
  num,
  obj,
  parseJsonOrForm,
  paymentMethodFrom,
  required,
  round,
  splitName,
  str,
} from '../common.ts';
import type { RawWebhook } from '../types.ts';

/** `sale_status_enum_key` values. */
export const PERFECTPAY_STATUS: Readonly<Record<string, ConversionStatus>> = {
  pending: 'pending',
  approved: 'approved',
  completed: 'approved',
  in_process: 'pending',
  authorized: 'pending',
  in_review: 'pending',
  in_mediation: 'chargeback',
  charged_back: 'chargeback',
  refunded: 'refunded',
  rejected: 'canceled',
  cancelled: 'canceled',
  canceled: 'canceled',
  expired: 'canceled',
  checkout_error: 'canceled',
  precheckout: 'abandoned',
  abandoned_checkout: 'abandoned',
};

/** Numeric `sale_status_enum` codes, used only when the `_key` is absent. */
const STATUS_CODES: Readonly<Record<number, string>> = {
  1: 'pending',
  2: 'approved',
  3: 'in_process',
  4: 'in_mediation',
  5: 'rejected',
  6: 'cancelled',
  7: 'refunded',
  8: 'authorized',
  9: 'charged_back',
  10: 'completed',
  11: 'checkout_error',
  12: 'precheckout',
  13: 'expired',
  16: 'in_review',
};

const PAYMENT_TYPES: Readonly<Record<string, PaymentMethod>> = {
  credit_card: 'card',
  billet: 'boleto',
  ticket: 'boleto',
  boleto: 'boleto',
  pix: 'pix',
  paypal: 'paypal',
};

const CURRENCY_CODES: Readonly<Record<number, string>> = { 1: 'BRL' };

export function mapPerfectPay(webhook: RawWebhook): ParseResult {
  const body = parseJsonOrForm(webhook, 'perfectpay');
  const statusCode = num(body.sale_status_enum);
  const statusKey = str(body.sale_status_enum_key) ?? (statusCode !== undefined ? STATUS_CODES[statusCode] : undefined);
  const eventType = statusKey ?? str(body.sale_status_detail) ?? 'unknown';
  const status = statusKey ? PERFECTPAY_STATUS[statusKey] : undefined;
  if (!status) return { kind: 'ignored', eventType, reason: 'sale status not mapped' };

  const customer = obj(body.customer);
  const product = obj(body.product);
  const plan = obj(body.plan);
  const subscription = obj(body.subscription);
  const metadata = obj(body.metadata);
  const amount = round(required(num(body.sale_amount), 'sale_amount'));
  const quantity = num(plan.quantity) ?? num(body.quantity) ?? 1;
  const paymentKey = str(body.payment_type_enum_key);
  const names = splitName(str(customer.full_name));
  const chargesMade = num(subscription.charges_made);
  const currencyNumber = num(body.currency_enum);

  const raw = flatStrings(metadata);
  const urlTracking = str(body.url_tracking);
  if (urlTracking) raw.url_tracking = urlTracking;

  const conversion: GatewayConversion = {
    eventType:
      str(body.sale_status_detail) && str(body.sale_status_detail) !== eventType
        ? `${eventType}:${str(body.sale_status_detail)}`
        : eventType,
    orderId: required(str(body.code), 'code'),
    status,
    paymentMethod: paymentKey ? (PAYMENT_TYPES[paymentKey] ?? paymentMethodFrom(paymentKey)) : undefined,
    amount,
    currency: currencyCode(
      body.currency_enum_key,
      currencyNumber !== undefined ? (CURRENCY_CODES[currencyNumber] ?? 'BRL') : 'BRL',
    ) as string,
    buyer: buyer({
      email: str(customer.email),
      phone: joinPhone(customer.phone_extension, customer.phone_area_code, customer.phone_number),
      first_name: names.first_name,
      last_name: names.last_name,
      city: str(customer.city),
      state: str(customer.state),
      zip: digits(customer.zip_code),
      country: countryValue(customer.country),
      date_of_birth: firstStr(customer.birthday, customer.date_birth),
      document: digits(customer.identification_number),
    }),
    products: str(product.code)
      ? [
          {
            id: str(product.code) as string,
            name: firstStr(plan.name, product.name),
            quantity,
            price: round(amount / Math.max(quantity, 1)),
          },
        ]
      : [],
    occurredAt:
      status === 'approved'
        ? firstDate(BRT, body.date_approved, body.date_created)
        : firstDate(BRT, body.date_updated, body.date_created),
    isTest: false,
    tracking: buildTracking({
      raw,
      rastroIdKeys: ['rastro_id', 'sck'],
      known: { client_ip: str(customer.ip), user_agent: str(customer.user_agent) },
    }),
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  const subscriptionCode = str(subscription.code);
  if (subscriptionCode) {
    conversion.subscriptionId = subscriptionCode;
    if (chargesMade !== undefined) conversion.isRenewal = chargesMade > 1;
  }
  return { kind: 'conversion', conversion };
}
