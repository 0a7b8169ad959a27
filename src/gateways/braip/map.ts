/**
 * Braip postback → GatewayConversion.
 *
 * JSON or form body: `{basic_authentication, type ('STATUS_ALTERADO', 'ABANDONO'…), trans_key,
 * trans_status, trans_status_code, trans_value / trans_total_value (cents), trans_payment
 * (1 boleto, 2 card, 3 installment boleto, 4 free, 5 pix), trans_createdate, trans_updatedate,
 * product_key, product_name, plan_key, plan_name, plan_amount, client_name, client_email,
 * client_cel, client_documment, client_address_*, client_zip_code, subs_key, meta{utm_*, src,
 * sck…}}` with local (America/Sao_Paulo) timestamps.
 */
import type { ConversionStatus, GatewayConversion, ParseResult, PaymentMethod } from '../types.ts';
import {
  BRT,
  buildTracking,
  buyer,
  centsToMajor,
  countryValue,
  digits,
  firstDate,
  firstNum,
  firstStr,
  flatStrings,
  fold,
  num,
  parseJsonOrForm,
  required,
  splitName,
  str,
} from '../common.ts';
import type { RawWebhook } from '../types.ts';

/** Postback `type`s Rastro maps: a transaction status change, and a checkout abandonment. */
export const BRAIP_POSTBACK_TYPES = ['STATUS_ALTERADO', 'ABANDONO'] as const;

/** `trans_status` labels (accents removed, lower case). */
export const BRAIP_STATUS: Readonly<Record<string, ConversionStatus>> = {
  'aguardando pagamento': 'pending',
  'pagamento aprovado': 'approved',
  aprovado: 'approved',
  cancelada: 'canceled',
  cancelado: 'canceled',
  chargeback: 'chargeback',
  devolvida: 'refunded',
  reembolsada: 'refunded',
  estornada: 'refunded',
  'em analise': 'pending',
  processando: 'pending',
  'parcialmente pago': 'pending',
  agendado: 'pending',
  recusada: 'canceled',
  recusado: 'canceled',
  expirada: 'canceled',
  vencida: 'canceled',
};

/** `trans_status_code` values, used when the label is missing or unknown. */
const STATUS_CODES: Readonly<Record<number, ConversionStatus>> = {
  1: 'pending',
  2: 'approved',
  3: 'canceled',
  4: 'chargeback',
  5: 'refunded',
  6: 'pending',
  8: 'pending',
  9: 'pending',
};

const PAYMENT_CODES: Readonly<Record<number, PaymentMethod>> = {
  1: 'boleto',
  2: 'card',
  3: 'boleto',
  4: 'other',
  5: 'pix',
};

function mapAbandonment(body: Record<string, unknown>, type: string): ParseResult {
  const names = splitName(str(body.client_name));
  const cents = firstNum(body.trans_total_value, body.trans_value, body.plan_value);
  const conversion: GatewayConversion = {
    eventType: type,
    orderId: `cart:${required(firstStr(body.abandonment_key, body.trans_key), 'abandonment_key')}`,
    status: 'abandoned',
    amount: cents !== undefined ? centsToMajor(cents) : 0,
    currency: 'BRL',
    buyer: braipBuyer(body, names),
    products: braipProducts(body, cents),
    occurredAt: firstDate(BRT, body.trans_updatedate, body.trans_createdate),
    isTest: false,
    tracking: braipTracking(body),
  };
  return { kind: 'conversion', conversion };
}

function braipBuyer(body: Record<string, unknown>, names: { first_name?: string; last_name?: string }) {
  return buyer({
    email: str(body.client_email),
    phone: str(body.client_cel) ?? str(body.client_phone),
    first_name: names.first_name,
    last_name: names.last_name,
    city: str(body.client_address_city),
    state: str(body.client_address_state),
    zip: digits(body.client_zip_code),
    country: countryValue(body.client_address_country),
    document: digits(body.client_documment) ?? digits(body.client_document),
  });
}

function braipProducts(body: Record<string, unknown>, cents: number | undefined) {
  const id = firstStr(body.product_key, body.prod_key);
  if (!id) return [];
  const quantity = num(body.plan_amount) ?? 1;
  return [
    {
      id,
      name: firstStr(body.plan_name, body.product_name, body.prod_name),
      quantity,
      price: cents !== undefined ? centsToMajor(cents / Math.max(quantity, 1)) : undefined,
    },
  ];
}

function braipTracking(body: Record<string, unknown>) {
  return buildTracking({ raw: flatStrings(body.meta), rastroIdKeys: ['rastro_id', 'sck'] });
}

export function mapBraip(webhook: RawWebhook): ParseResult {
  const body = parseJsonOrForm(webhook, 'braip');
  const type = str(body.type) ?? 'unknown';
  if (fold(type).startsWith('abandono')) return mapAbandonment(body, type);

  const label = str(body.trans_status);
  const code = num(body.trans_status_code);
  const status =
    (label ? BRAIP_STATUS[fold(label)] : undefined) ?? (code !== undefined ? STATUS_CODES[code] : undefined);
  const eventType = label ? `${type}:${label}` : type;
  if (!str(body.trans_key)) return { kind: 'ignored', eventType, reason: 'not a transaction postback' };
  if (!status) return { kind: 'ignored', eventType, reason: 'transaction status not mapped' };

  const cents = required(firstNum(body.trans_total_value, body.trans_value), 'trans_value');
  const names = splitName(str(body.client_name));
  const payment = num(body.trans_payment);
  const conversion: GatewayConversion = {
    eventType,
    orderId: required(str(body.trans_key), 'trans_key'),
    status,
    paymentMethod: payment !== undefined ? (PAYMENT_CODES[payment] ?? 'other') : undefined,
    amount: centsToMajor(cents),
    currency: 'BRL',
    buyer: braipBuyer(body, names),
    products: braipProducts(body, cents),
    occurredAt: firstDate(BRT, body.trans_updatedate, body.trans_createdate),
    isTest: false,
    tracking: braipTracking(body),
  };
  if (!conversion.paymentMethod) delete conversion.paymentMethod;
  const subscriptionId = str(body.subs_key);
  if (subscriptionId) {
    conversion.subscriptionId = subscriptionId;
    const charges = firstNum(body.subs_charges, body.subs_charged_times);
    if (charges !== undefined) conversion.isRenewal = charges > 1;
  }
  return { kind: 'conversion', conversion };
}
