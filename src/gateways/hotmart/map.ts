/**
 * Hotmart webhook 2.0.0 → GatewayConversion.
 *
 * Envelope `{id, creation_date (ms), event, version, hottok?, data}`; purchase events carry
 * `data.{product, buyer, purchase, subscription}`; prices are in major units with their currency
 * in `price.currency_value`; the checkout's pass-through parameters arrive in
 * `purchase.origin.{src, sck, xcod}`.
 */
import type { ConversionStatus, GatewayConversion, ParseResult, PaymentMethod } from '../types.ts';
import {
  buildTracking,
  buyer,
  countryValue,
  currencyCode,
  digits,
  firstDate,
  firstNum,
  firstStr,
  flatStrings,
  num,
  obj,
  parseJsonOrForm,
  required,
  splitName,
  str,
  type Obj,
} from '../common.ts';
import type { RawWebhook } from '../types.ts';

export const HOTMART_EVENT_STATUS: Readonly<Record<string, ConversionStatus>> = {
  PURCHASE_APPROVED: 'approved',
  PURCHASE_COMPLETE: 'approved',
  PURCHASE_BILLET_PRINTED: 'pending',
  PURCHASE_DELAYED: 'pending',
  PURCHASE_REFUNDED: 'refunded',
  PURCHASE_CHARGEBACK: 'chargeback',
  // A buyer's dispute/refund request; Rastro treats every dispute as a chargeback.
  PURCHASE_PROTEST: 'chargeback',
  PURCHASE_CANCELED: 'canceled',
  PURCHASE_EXPIRED: 'canceled',
  PURCHASE_OUT_OF_SHOPPING_CART: 'abandoned',
};

const PAYMENT_TYPES: Readonly<Record<string, PaymentMethod>> = {
  CREDIT_CARD: 'card',
  HOTCARD: 'card',
  FINANCED_INSTALLMENT: 'card',
  BILLET: 'boleto',
  FINANCED_BILLET: 'boleto',
  PIX: 'pix',
  PAYPAL: 'paypal',
  PAYPAL_INTERNACIONAL: 'paypal',
  GOOGLE_PAY: 'wallet',
  SAMSUNG_PAY: 'wallet',
  WALLET: 'wallet',
  PICPAY: 'wallet',
  DIRECT_BANK_TRANSFER: 'bank_transfer',
  MANUAL_TRANSFER: 'bank_transfer',
  DIRECT_DEBIT: 'bank_transfer',
};

/**
 * Hotmart's "send test" button posts sample purchases for product id 0 with a made-up buyer at
 * example.com; real products never have id 0.
 */
export function isHotmartTest(data: Obj): boolean {
  const productId = num(obj(data.product).id);
  const email = str(obj(data.buyer).email)?.toLowerCase() ?? '';
  return productId === 0 || /^testecomprador.*@example\.com$/.test(email);
}

/**
 * Hotmart sends `checkout_phone` (national number with area code) and, separately,
 * `checkout_phone_code`. A 1–3 digit code in front of a full national number is read as the
 * country calling code; a 2-digit code in front of an 8–9 digit number as the area code.
 */
function hotmartPhone(buyerObj: Obj): string | undefined {
  const phone = digits(buyerObj.checkout_phone) ?? digits(buyerObj.phone);
  if (!phone) return undefined;
  const code = digits(buyerObj.checkout_phone_code);
  if (!code || code.length > 3 || phone.startsWith(code)) return phone;
  if (phone.length >= 10) return `+${code}${phone}`;
  return `${code}${phone}`;
}

export function mapHotmart(webhook: RawWebhook): ParseResult {
  const body = parseJsonOrForm(webhook, 'hotmart');
  const eventType = str(body.event);
  const version = str(body.version);
  if (!eventType) {
    return {
      kind: 'ignored',
      eventType: 'unknown',
      reason: 'Hotmart webhook without event: only version 2.0.0 is mapped',
    };
  }
  if (version && !version.startsWith('2')) {
    return { kind: 'ignored', eventType, reason: `Hotmart webhook version ${version} is not mapped; configure 2.0.0` };
  }
  const status = HOTMART_EVENT_STATUS[eventType];
  if (!status) return { kind: 'ignored', eventType, reason: 'not a purchase event' };

  const data = obj(body.data);
  const purchase = obj(data.purchase);
  const product = obj(data.product);
  const buyerObj = obj(data.buyer);
  const address = obj(buyerObj.address);
  const subscription = obj(data.subscription);
  const price = obj(purchase.price);
  const origin = obj(purchase.origin);

  const transaction = str(purchase.transaction);
  const orderId =
    transaction ?? (status === 'abandoned' ? `cart:${str(body.id) ?? str(buyerObj.email) ?? 'unknown'}` : undefined);
  const amount =
    status === 'abandoned'
      ? (firstNum(price.value, obj(data.offer).price) ?? 0)
      : required(num(price.value), 'data.purchase.price.value');

  const fullName = str(buyerObj.name);
  const names =
    str(buyerObj.first_name) || str(buyerObj.last_name)
      ? { first_name: str(buyerObj.first_name), last_name: str(buyerObj.last_name) }
      : splitName(fullName);

  const recurrence = num(purchase.recurrence_number);
  const subscriptionId = firstStr(obj(subscription.subscriber).code, subscription.id);
  const occurredAt =
    status === 'approved'
      ? firstDate('Z', purchase.approved_date, body.creation_date, body.creationDate, purchase.order_date)
      : firstDate('Z', body.creation_date, body.creationDate, purchase.order_date);

  const paymentType = str(obj(purchase.payment).type)?.toUpperCase();
  const raw: Record<string, string> = flatStrings(origin);
  const paymentLink = str(purchase.sckPaymentLink);
  if (paymentLink) raw.sckPaymentLink = paymentLink;

  const conversion: GatewayConversion = {
    eventType,
    notificationId: str(body.id),
    orderId: required(orderId, 'data.purchase.transaction'),
    status,
    paymentMethod: paymentType ? (PAYMENT_TYPES[paymentType] ?? 'other') : undefined,
    amount,
    currency: currencyCode(price.currency_value, 'BRL') as string,
    buyer: buyer({
      email: str(buyerObj.email),
      phone: hotmartPhone(buyerObj),
      first_name: names.first_name,
      last_name: names.last_name,
      city: str(address.city),
      state: str(address.state),
      zip: digits(address.zipcode),
      country: countryValue(address.country_iso) ?? countryValue(obj(purchase.checkout_country).iso),
      document: digits(buyerObj.document),
    }),
    products: str(product.id)
      ? [{ id: str(product.id) as string, name: str(product.name), quantity: 1, price: num(price.value) }]
      : [],
    occurredAt,
    isTest: isHotmartTest(data),
    tracking: buildTracking({
      raw,
      rastroIdKeys: ['sck', 'xcod'],
      known: { client_ip: firstStr(purchase.buyer_ip, data.buyer_ip) },
    }),
  };
  if (recurrence !== undefined) conversion.isRenewal = recurrence > 1;
  if (subscriptionId) conversion.subscriptionId = subscriptionId;
  return { kind: 'conversion', conversion };
}
