/**
 * Small, defensive readers shared by the gateway mappers. Payloads are untrusted JSON (or form
 * bodies), so every field is read through these helpers instead of being cast.
 */
import { RastroError } from '../core/errors.ts';
import type { RawUser } from '../identity/types.ts';
import type { GatewayTracking, PaymentMethod, RawWebhook } from './types.ts';

export type Obj = Record<string, unknown>;

export const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value as an object, or an empty one. */
export const obj = (value: unknown): Obj => (isObj(value) ? value : {});

export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A non-empty trimmed string; numbers and booleans are stringified; anything else is undefined. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/**
 * A finite number from a number or a numeric string. Accepts `197`, `"197.00"`, `"1.234,56"` and
 * `"197,90"` (Brazilian decimal comma).
 */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  let text = value.trim().replace(/\s/g, '');
  if (text === '') return undefined;
  if (/^-?\d{1,3}(\.\d{3})+,\d+$/.test(text)) text = text.replace(/\./g, '').replace(',', '.');
  else if (/^-?\d+,\d+$/.test(text)) text = text.replace(',', '.');
  else if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) text = text.replace(/,/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  const parsed = Number(text);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export const bool = (value: unknown): boolean =>
  value === true || value === 1 || value === 'true' || value === '1' || value === 'yes';

/** Reads a dotted path (`data.purchase.price.value`) from an object. */
export function at(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const key of path.split('.')) {
    if (!isObj(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** The first defined string among the candidates. */
export const firstStr = (...values: unknown[]): string | undefined => {
  for (const value of values) {
    const text = str(value);
    if (text !== undefined) return text;
  }
  return undefined;
};

/** The first defined number among the candidates. */
export const firstNum = (...values: unknown[]): number | undefined => {
  for (const value of values) {
    const parsed = num(value);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
};

export function required<T>(value: T | undefined, field: string, problem = 'is required'): T {
  if (value === undefined || value === null) throw new RastroError('validation_failed', `${field}: ${problem}`);
  return value;
}

/** Rounds to 2 decimals (or to `decimals`) without floating noise (19700/100 → 197, 0.1+0.2 → 0.3). */
export const round = (value: number, decimals = 2): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

/** Cents (or any 1/100 unit) to major units. */
export const centsToMajor = (cents: number): number => round(cents / 100);

/** Currencies whose minor unit is the major unit (Stripe's zero-decimal list). */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
/** Currencies with three decimals. */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Minor units (Stripe `amount`) to major units, honouring zero- and three-decimal currencies. */
export function minorToMajor(amount: number, currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return amount;
  if (THREE_DECIMAL.has(code)) return round(amount / 1000, 3);
  return centsToMajor(amount);
}

/** ISO-4217 upper case, or `fallback` when the value is missing or not a 3-letter code. */
export function currencyCode(value: unknown, fallback?: string): string | undefined {
  const text = str(value)?.toUpperCase();
  if (text && /^[A-Z]{3}$/.test(text)) return text;
  return fallback;
}

/** Splits a full name into first name and the rest. */
export function splitName(fullName: string | undefined): { first_name?: string; last_name?: string } {
  const parts = (fullName ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return {};
  const [first, ...rest] = parts;
  return rest.length > 0 ? { first_name: first, last_name: rest.join(' ') } : { first_name: first };
}

/** Only the digits of a value (documents, zips). */
export function digits(value: unknown): string | undefined {
  const text = str(value)?.replace(/\D/g, '');
  return text ? text : undefined;
}

/**
 * A phone from separate parts: `+<country><area><number>` when the country code is known, else
 * `<area><number>`. A number that already carries the country code is not prefixed twice.
 */
export function joinPhone(countryCode: unknown, areaCode: unknown, number: unknown): string | undefined {
  const local = digits(number);
  if (!local) return undefined;
  const area = digits(areaCode) ?? '';
  const country = digits(countryCode);
  const national = local.startsWith(area) && local.length >= 10 ? local : `${area}${local}`;
  if (!country) return national;
  if (national.startsWith(country) && national.length >= 12) return `+${national}`;
  return `+${country}${national}`;
}

/** Drops undefined values and empty strings from a RawUser. */
export function buyer(fields: Partial<Record<keyof RawUser, string | undefined>>): RawUser {
  const out: RawUser = {};
  for (const [key, value] of Object.entries(fields) as [keyof RawUser, string | undefined][]) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Two-letter country code when the value looks like one; else the value as given (a name to map). */
export function countryValue(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  return /^[a-z]{2}$/i.test(text) ? text.toUpperCase() : text;
}

/**
 * A date from epoch milliseconds, epoch seconds, ISO-8601, or a naive `YYYY-MM-DD HH:mm[:ss]`
 * (read at `naiveOffset`, e.g. `-03:00` for the Brazilian gateways that send local time).
 */
export function parseDate(value: unknown, naiveOffset = 'Z'): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return new Date(value < 1e11 ? value * 1000 : value);
  }
  const text = str(value);
  if (!text) return undefined;
  if (/^\d{9,13}$/.test(text)) return parseDate(Number(text), naiveOffset);
  const naive = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(text);
  if (naive) {
    const date = new Date(`${naive[1]}T${naive[2]}${naive[3] ?? ':00'}${naiveOffset}`);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  const brazilian = /^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}:\d{2})(:\d{2})?)?$/.exec(text);
  if (brazilian) {
    const date = new Date(
      `${brazilian[3]}-${brazilian[2]}-${brazilian[1]}T${brazilian[4] ?? '00:00'}${brazilian[5] ?? ':00'}${naiveOffset}`,
    );
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseDate(`${text} 00:00:00`, naiveOffset);
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The first parseable date among the candidates, or now. */
export function firstDate(naiveOffset: string, ...values: unknown[]): Date {
  for (const value of values) {
    const date = parseDate(value, naiveOffset);
    if (date) return date;
  }
  return new Date();
}

/** Brazilian gateways send local times without an offset; they are read as America/Sao_Paulo (UTC−3). */
export const BRT = '-03:00';

/** The body as text. */
export const bodyText = (webhook: RawWebhook): string => webhook.rawBody.toString('utf8');

/** Parses a JSON object body or throws `bad_json`. */
export function parseJsonObject(webhook: RawWebhook, gateway: string): Obj {
  const text = bodyText(webhook).trim();
  if (text === '') throw new RastroError('bad_json', `${gateway}: empty body`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RastroError('bad_json', `${gateway}: body is not valid JSON (${(error as Error).message})`);
  }
  if (!isObj(parsed)) throw new RastroError('bad_json', `${gateway}: body is not a JSON object`);
  return parsed;
}

/**
 * Parses an `application/x-www-form-urlencoded` body, expanding one level of bracket keys
 * (`meta[utm_source]=x` → `{meta: {utm_source: 'x'}}`).
 */
export function parseForm(text: string): Obj {
  const out: Obj = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const nested = /^([^[\]]+)\[([^[\]]*)\]$/.exec(key);
    if (nested) {
      const parent = nested[1] as string;
      const child = nested[2] as string;
      const holder = isObj(out[parent]) ? (out[parent] as Obj) : {};
      holder[child] = value;
      out[parent] = holder;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** A JSON object body, or a form body when it does not look like JSON. */
export function parseJsonOrForm(webhook: RawWebhook, gateway: string): Obj {
  const text = bodyText(webhook).trim();
  if (text.startsWith('{') || text.startsWith('[')) return parseJsonObject(webhook, gateway);
  if (text === '') throw new RastroError('bad_json', `${gateway}: empty body`);
  const form = parseForm(text);
  if (Object.keys(form).length === 0) throw new RastroError('bad_json', `${gateway}: body is neither JSON nor a form`);
  return form;
}

/** Same as parseJsonOrForm but never throws (used by verify, which must not fail on a bad body). */
export function tryParseJsonOrForm(webhook: RawWebhook): Obj | undefined {
  try {
    return parseJsonOrForm(webhook, 'body');
  } catch {
    return undefined;
  }
}

/** Query parameters of a URL or of a relative path (`/p?utm_source=x`). */
export function queryOf(url: string | undefined): Record<string, string> {
  if (!url) return {};
  const index = url.indexOf('?');
  if (index < 0) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(url.slice(index + 1).split('#')[0])) {
    if (value !== '' && out[key] === undefined) out[key] = value;
  }
  return out;
}

/** Every non-empty scalar of an object as strings (one level), for `tracking.raw`. */
export function flatStrings(source: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj(source))) {
    const text = typeof value === 'boolean' ? String(value) : str(value);
    if (text !== undefined) out[`${prefix}${key}`] = text;
  }
  return out;
}

/** Aliases under which the standard tracking fields arrive across gateways. */
const TRACKING_ALIASES: Record<Exclude<keyof GatewayTracking, 'raw' | 'rastro_id'>, string[]> = {
  utm_source: ['utm_source'],
  utm_medium: ['utm_medium'],
  utm_campaign: ['utm_campaign'],
  utm_content: ['utm_content'],
  utm_term: ['utm_term'],
  fbclid: ['fbclid'],
  fbc: ['fbc', '_fbc'],
  fbp: ['fbp', '_fbp', 'meta_fbp'],
  gclid: ['gclid', '_gclid', 'google_gclid'],
  ttclid: ['ttclid', 'tiktok_ttclid'],
  landing_url: ['landing_url', 'landing_page'],
  referrer: ['referrer', 'referer', 'referring_site'],
  client_ip: ['client_ip', 'ip', 'buyer_ip'],
  user_agent: ['user_agent', 'client_user_agent'],
};

export interface TrackingInput {
  /** The gateway's tracking fields as received (kept verbatim in `raw`). */
  raw: Record<string, string>;
  /** Keys of `raw` that may carry Rastro's id, in priority order. */
  rastroIdKeys: string[];
  /** Values known from elsewhere in the payload (buyer IP, user agent, landing page…); they win. */
  known?: Partial<Omit<GatewayTracking, 'raw'>>;
}

/** Builds GatewayTracking: Rastro's id, the standard fields by alias, and the raw fields. */
export function buildTracking(input: TrackingInput): GatewayTracking {
  const { raw, rastroIdKeys, known = {} } = input;
  const lowered: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const bare = key.toLowerCase().replace(/^.*\./, '');
    if (lowered[bare] === undefined) lowered[bare] = value;
  }
  const tracking: GatewayTracking = { raw: { ...raw } };
  for (const key of rastroIdKeys) {
    const value = raw[key] ?? lowered[key.toLowerCase()];
    if (value) {
      tracking.rastro_id = value;
      break;
    }
  }
  for (const [field, aliases] of Object.entries(TRACKING_ALIASES) as [
    Exclude<keyof GatewayTracking, 'raw' | 'rastro_id'>,
    string[],
  ][]) {
    for (const alias of aliases) {
      const value = lowered[alias];
      if (value) {
        tracking[field] = value;
        break;
      }
    }
  }
  for (const [field, value] of Object.entries(known) as [keyof Omit<GatewayTracking, 'raw'>, string | undefined][]) {
    if (value) tracking[field] = value;
  }
  return tracking;
}

/** Maps a free-form payment method label to Rastro's PaymentMethod. */
export function paymentMethodFrom(label: unknown): PaymentMethod | undefined {
  const text = str(label)?.toLowerCase();
  if (!text) return undefined;
  if (text.includes('pix')) return 'pix';
  if (/(boleto|billet|bank_slip|bankslip|ticket)/.test(text)) return 'boleto';
  if (text.includes('paypal')) return 'paypal';
  if (/(bank|transfer|bacs|direct_debit|sepa|^ach|customer_balance)/.test(text)) return 'bank_transfer';
  if (/(wallet|google_?pay|apple_?pay|samsung_?pay|picpay|^link$|mercado_?pago)/.test(text)) return 'wallet';
  if (
    /(card|cartao|cartão|credit|debit|stripe|shopify_payments|woocommerce_payments|bogus|visa|master|amex)/.test(text)
  )
    return 'card';
  return 'other';
}

/** Removes diacritics and lower-cases (`Cancelada` → `cancelada`, `Em Análise` → `em analise`). */
export const fold = (value: string): string =>
  value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();

/** Header value (headers are lower-cased by the route). */
export const header = (webhook: RawWebhook, name: string): string | undefined => {
  const value = webhook.headers[name.toLowerCase()];
  return value === undefined || value === '' ? undefined : value;
};
