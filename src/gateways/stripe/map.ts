/**
 * Stripe event → GatewayConversion.
 *
 * Event envelope `{id, object: 'event', type, created, livemode, data: {object}}`. Amounts are in
 * the currency's minor unit (zero-decimal currencies such as JPY are already whole units).
 *
 * Order id: one purchase must keep one id across its events (session, payment intent, charge,
 * refund), so it is the subscription invoice for subscription checkouts and the PaymentIntent
 * otherwise, falling back to the object's own id.
 */
import type { RawUser } from '../../identity/types.ts';
import type { ConversionProduct, ConversionStatus, GatewayConversion, ParseResult, PaymentMethod } from '../types.ts';
import {
  arr,
  buildTracking,
  buyer,
  countryValue,
  currencyCode,
  firstNum,
  firstStr,
  flatStrings,
  minorToMajor,
  num,
  obj,
  parseDate,
  parseJsonObject,
  required,
  splitName,
  str,
  type Obj,
} from '../common.ts';
import type { RawWebhook } from '../types.ts';

export const STRIPE_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'payment_intent.succeeded',
  'charge.refunded',
  'charge.dispute.created',
  'invoice.paid',
] as const;

const STRIPE_METHODS: Readonly<Record<string, PaymentMethod>> = {
  card: 'card',
  boleto: 'boleto',
  pix: 'pix',
  paypal: 'paypal',
  link: 'wallet',
  apple_pay: 'wallet',
  google_pay: 'wallet',
  cashapp: 'wallet',
  us_bank_account: 'bank_transfer',
  sepa_debit: 'bank_transfer',
  bacs_debit: 'bank_transfer',
  au_becs_debit: 'bank_transfer',
  acss_debit: 'bank_transfer',
  customer_balance: 'bank_transfer',
};
/** Methods whose checkout completes unpaid and settles later (the boleto/PIX "pending" case). */
const ASYNC_METHODS = new Set([
  'boleto',
  'pix',
  'oxxo',
  'konbini',
  'customer_balance',
  'us_bank_account',
  'sepa_debit',
]);

const idOf = (value: unknown): string | undefined => (typeof value === 'string' ? str(value) : str(obj(value).id));

function methodFromTypes(types: unknown, preferAsync: boolean): PaymentMethod | undefined {
  const list = arr(types)
    .map((type) => str(type))
    .filter((type): type is string => Boolean(type));
  if (list.length === 0) return undefined;
  const pick = list.length === 1 ? list[0] : preferAsync ? list.find((type) => ASYNC_METHODS.has(type)) : undefined;
  return pick ? (STRIPE_METHODS[pick] ?? 'other') : undefined;
}

function addressBuyer(source: { email?: unknown; name?: unknown; phone?: unknown; address?: unknown }): RawUser {
  const address = obj(source.address);
  const names = splitName(str(source.name));
  return buyer({
    email: str(source.email),
    phone: str(source.phone),
    first_name: names.first_name,
    last_name: names.last_name,
    city: str(address.city),
    state: str(address.state),
    zip: str(address.postal_code),
    country: countryValue(address.country),
  });
}

function stripeTracking(object: Obj) {
  const metadata = flatStrings(object.metadata);
  const raw: Record<string, string> = { ...metadata };
  const clientReference = str(object.client_reference_id);
  if (clientReference) raw.client_reference_id = clientReference;
  return buildTracking({ raw, rastroIdKeys: ['client_reference_id', 'rastro_id'] });
}

interface Base {
  event: Obj;
  eventType: string;
  object: Obj;
}

function conversionOf(
  base: Base,
  fields: Omit<GatewayConversion, 'eventType' | 'notificationId' | 'isTest'>,
): ParseResult {
  const conversion: GatewayConversion = {
    eventType: base.eventType,
    notificationId: str(base.event.id),
    ...fields,
    isTest: base.event.livemode === false || base.object.livemode === false,
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  if (!conversion.subscriptionId) delete conversion.subscriptionId;
  return { kind: 'conversion', conversion };
}

function occurred(event: Obj, ...candidates: unknown[]): Date {
  for (const candidate of candidates) {
    const date = parseDate(candidate);
    if (date) return date;
  }
  return parseDate(event.created) ?? new Date();
}

function amountOf(minor: number | undefined, currency: string, field: string): number {
  return minorToMajor(required(minor, field), currency);
}

function mapCheckoutSession(base: Base): ParseResult {
  const { object: session, eventType, event } = base;
  const paymentStatus = str(session.payment_status);
  let status: ConversionStatus;
  if (eventType === 'checkout.session.expired') status = 'abandoned';
  else if (eventType === 'checkout.session.async_payment_failed') status = 'canceled';
  else if (eventType === 'checkout.session.async_payment_succeeded') status = 'approved';
  else status = paymentStatus === 'unpaid' ? 'pending' : 'approved';

  const currency = required(currencyCode(session.currency), 'data.object.currency');
  const mode = str(session.mode);
  const orderId =
    (mode === 'subscription' ? idOf(session.invoice) : undefined) ?? idOf(session.payment_intent) ?? str(session.id);
  const details = obj(session.customer_details);
  return conversionOf(base, {
    orderId: required(orderId, 'data.object.id'),
    status,
    paymentMethod: methodFromTypes(session.payment_method_types, status !== 'approved' || paymentStatus === 'unpaid'),
    amount: amountOf(firstNum(session.amount_total), currency, 'data.object.amount_total'),
    currency,
    buyer: addressBuyer({
      email: details.email ?? session.customer_email,
      name: details.name,
      phone: details.phone,
      address: details.address,
    }),
    products: [],
    occurredAt: occurred(event),
    subscriptionId: idOf(session.subscription),
    tracking: stripeTracking(session),
  });
}

function mapPaymentIntent(base: Base): ParseResult {
  const { object: intent, event } = base;
  const currency = required(currencyCode(intent.currency), 'data.object.currency');
  const shipping = obj(intent.shipping);
  const charge = obj(intent.latest_charge);
  const billing = obj(charge.billing_details);
  const method = str(obj(charge.payment_method_details).type);
  return conversionOf(base, {
    orderId: required(idOf(intent.invoice) ?? str(intent.id), 'data.object.id'),
    status: 'approved',
    paymentMethod: method ? (STRIPE_METHODS[method] ?? 'other') : methodFromTypes(intent.payment_method_types, false),
    amount: amountOf(firstNum(intent.amount_received, intent.amount), currency, 'data.object.amount'),
    currency,
    buyer: addressBuyer({
      email: intent.receipt_email ?? billing.email,
      name: shipping.name ?? billing.name,
      phone: shipping.phone ?? billing.phone,
      address: shipping.address ?? billing.address,
    }),
    products: [],
    occurredAt: occurred(event),
    tracking: stripeTracking(intent),
  });
}

function mapChargeRefunded(base: Base): ParseResult {
  const { object: charge, event } = base;
  const currency = required(currencyCode(charge.currency), 'data.object.currency');
  const refunds = arr(obj(charge.refunds).data).map(obj);
  const lastRefund = refunds.reduce<Obj | undefined>(
    (latest, refund) => (!latest || (num(refund.created) ?? 0) > (num(latest.created) ?? 0) ? refund : latest),
    undefined,
  );
  const method = str(obj(charge.payment_method_details).type);
  return conversionOf(base, {
    orderId: required(idOf(charge.invoice) ?? idOf(charge.payment_intent) ?? str(charge.id), 'data.object.id'),
    status: 'refunded',
    paymentMethod: method ? (STRIPE_METHODS[method] ?? 'other') : undefined,
    // The amount refunded so far (a partial refund is still a refund of that amount).
    amount: amountOf(firstNum(charge.amount_refunded, charge.amount), currency, 'data.object.amount_refunded'),
    currency,
    buyer: addressBuyer({
      ...obj(charge.billing_details),
      email: obj(charge.billing_details).email ?? charge.receipt_email,
    }),
    products: [],
    occurredAt: occurred(event, lastRefund?.created),
    tracking: stripeTracking(charge),
  });
}

function mapDispute(base: Base): ParseResult {
  const { object: dispute, event } = base;
  const currency = required(currencyCode(dispute.currency), 'data.object.currency');
  const evidence = obj(dispute.evidence);
  return conversionOf(base, {
    orderId: required(idOf(dispute.payment_intent) ?? idOf(dispute.charge) ?? str(dispute.id), 'data.object.charge'),
    status: 'chargeback',
    amount: amountOf(firstNum(dispute.amount), currency, 'data.object.amount'),
    currency,
    buyer: addressBuyer({ email: evidence.customer_email_address, name: evidence.customer_name }),
    products: [],
    occurredAt: occurred(event, dispute.created),
    tracking: stripeTracking(dispute),
  });
}

function mapInvoicePaid(base: Base): ParseResult {
  const { object: invoice, event } = base;
  const currency = required(currencyCode(invoice.currency), 'data.object.currency');
  const billingReason = str(invoice.billing_reason);
  const lines = arr(obj(invoice.lines).data).map(obj);
  const products: ConversionProduct[] = lines.map((line) => {
    const price = obj(line.price);
    const quantity = num(line.quantity) ?? 1;
    const lineAmount = num(line.amount);
    return {
      id:
        firstStr(
          idOf(price.product),
          str(obj(obj(line.pricing).price_details).product),
          idOf(price.id),
          str(line.id),
        ) ?? 'unknown',
      name: str(line.description),
      quantity,
      price: lineAmount !== undefined ? minorToMajor(lineAmount / Math.max(quantity, 1), currency) : undefined,
    };
  });
  const subscriptionId = firstStr(
    idOf(invoice.subscription),
    str(obj(obj(invoice.parent).subscription_details).subscription),
    str(obj(lines[0]?.parent).subscription),
  );
  const result = conversionOf(base, {
    orderId: required(str(invoice.id), 'data.object.id'),
    status: 'approved',
    amount: amountOf(firstNum(invoice.amount_paid, invoice.total), currency, 'data.object.amount_paid'),
    currency,
    buyer: addressBuyer({
      email: invoice.customer_email,
      name: invoice.customer_name,
      phone: invoice.customer_phone,
      address: invoice.customer_address,
    }),
    products,
    occurredAt: occurred(event, obj(invoice.status_transitions).paid_at),
    subscriptionId,
    tracking: stripeTracking({
      ...invoice,
      metadata: { ...obj(obj(invoice.subscription_details).metadata), ...obj(invoice.metadata) },
    }),
  });
  if (result.kind === 'conversion') result.conversion.isRenewal = billingReason === 'subscription_cycle';
  return result;
}

export function mapStripe(webhook: RawWebhook): ParseResult {
  const event = parseJsonObject(webhook, 'stripe');
  const eventType = required(str(event.type), 'type');
  const object = obj(obj(event.data).object);
  const base: Base = { event, eventType, object };
  switch (eventType) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired':
      return mapCheckoutSession(base);
    case 'payment_intent.succeeded':
      return mapPaymentIntent(base);
    case 'charge.refunded':
      return mapChargeRefunded(base);
    case 'charge.dispute.created':
      return mapDispute(base);
    case 'invoice.paid':
      return mapInvoicePaid(base);
    default:
      return { kind: 'ignored', eventType, reason: 'not a sale event' };
  }
}
