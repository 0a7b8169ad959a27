/**
 * Validation of a Conversions API request body, written from Meta's documentation and independent
 * of Rastro's own Meta mapper (it must not import from src/destinations): its job is to catch the
 * mapper's mistakes. The rules, and the documentation facts behind them, are listed in ./README.md.
 *
 * One invalid event rejects the whole batch, as Meta does; the refusal names the event index and
 * the field in `error_user_msg` and in `error_data`.
 */
import { isIP } from 'node:net';
import { type GraphErrorSpec, GraphSubcode, invalidParameter, topLevelParameter } from './graph-errors.ts';

export const MAX_EVENTS_PER_REQUEST = 1000;
export const SECONDS_PER_DAY = 86_400;
/** event_time may be at most this old (7 days)… */
export const MAX_AGE_SECONDS = 7 * SECONDS_PER_DAY;
/** …or this old when action_source is physical_store (62 days). */
export const MAX_AGE_PHYSICAL_STORE_SECONDS = 62 * SECONDS_PER_DAY;
/** event_time may be at most this far ahead of the server clock. */
export const MAX_FUTURE_SECONDS = 60;

export const ACTION_SOURCES: ReadonlySet<string> = new Set([
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
]);

/** Customer information parameters that must be SHA-256 hashed. */
export const HASHED_FIELDS: ReadonlySet<string> = new Set([
  'em',
  'ph',
  'fn',
  'ln',
  'ge',
  'db',
  'ct',
  'st',
  'zp',
  'country',
]);

/** Customer information parameters sent in clear (besides ip, ua, fbc, fbp, external_id, checked apart). */
const PLAIN_ID_FIELDS: ReadonlySet<string> = new Set([
  'subscription_id',
  'fb_login_id',
  'lead_id',
  'anon_id',
  'madid',
  'page_id',
  'page_scoped_user_id',
  'ctwa_clid',
  'ig_account_id',
  'ig_sid',
  'whatsapp_business_account_id',
]);

/** Identifiers that on their own are specific enough to match a person. */
const STRONG_FIELDS: ReadonlySet<string> = new Set([
  'em',
  'ph',
  'external_id',
  'fbc',
  'fbp',
  'fb_login_id',
  'lead_id',
  'anon_id',
  'madid',
  'subscription_id',
  'page_scoped_user_id',
  'ctwa_clid',
  'ig_sid',
]);

/** Location / demographic keys that can complete a first name + last name pair. */
const NAME_COMPLEMENTS = ['zp', 'ct', 'st', 'db', 'country'] as const;

/**
 * 64 lowercase hex characters, optionally followed by a `.`-separated appendix such as the
 * Parameter Builder library's version tag (base64url, e.g. `AQEBAQAB`).
 */
const SHA256_RE = /^[0-9a-f]{64}(?:\.[A-Za-z0-9_-]{1,64})?$/;
const UPPER_SHA256_RE = /^[0-9a-fA-F]{64}$/;
/** `fb.<subdomainIndex>.<creationTime ms>.<fbclid>` plus an optional appendix. */
const FBC_RE = /^fb\.\d{1,2}\.\d{10,13}\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]{1,64})?$/;
/** `fb.<subdomainIndex>.<creationTime ms>.<random number>` plus an optional appendix. */
const FBP_RE = /^fb\.\d{1,2}\.\d{10,13}\.\d+(?:\.[A-Za-z0-9_-]{1,64})?$/;
const URL_RE = /^https?:\/\/[^\s/$.?#][^\s]*$/i;

/** ISO 4217 alphabetic codes (current, plus recently withdrawn ones still seen in the wild). */
const CURRENCIES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
    'GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW ' +
    'KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD ' +
    'NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE ' +
    'SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED ' +
    'VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL'
  ).split(' '),
);

export type WeakUserDataPolicy = 'reject' | 'warn';

export interface ValidationOptions {
  /** Server clock, Unix seconds. */
  nowSec: number;
  /** What to do with customer information too broad to match (default reject, as Meta does). */
  weakUserData?: WeakUserDataPolicy;
}

export type ValidationResult =
  { ok: true; events: Record<string, unknown>[]; warnings: string[] } | { ok: false; error: GraphErrorSpec };

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

const isAbsent = (value: unknown): boolean => value === undefined || value === null;

/** Thrown inside the per-event checks and turned into the Graph refusal for the whole batch. */
class Refusal {
  readonly spec: GraphErrorSpec;
  constructor(spec: GraphErrorSpec) {
    this.spec = spec;
  }
}

const fieldPath = (index: number, field: string): string => `data[${index}].${field}`;

function refuse(subcode: number, title: string, index: number, field: string, detail: string): never {
  throw new Refusal(
    invalidParameter(subcode, title, `${fieldPath(index, field)}: ${detail}`, {
      event_index: index,
      field,
      blame_field_specs: [field.split('.')],
    }),
  );
}

const missing = (index: number, field: string, detail = 'is required'): never =>
  refuse(GraphSubcode.MISSING_PARAMETER, `Missing parameter ${field}`, index, field, detail);

const invalid = (index: number, field: string, detail: string): never =>
  refuse(GraphSubcode.INVALID_PARAMETER_VALUE, `Invalid parameter ${field}`, index, field, detail);

/** Reads the whole `data` parameter (array, or JSON string of an array, as Graph accepts both). */
export function validateRequestData(rawData: unknown, options: ValidationOptions): ValidationResult {
  let data = rawData;
  if (isAbsent(data) || data === '') return { ok: false, error: topLevelParameter('The parameter data is required') };
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      return { ok: false, error: topLevelParameter('param data must be an array.') };
    }
  }
  if (!Array.isArray(data)) return { ok: false, error: topLevelParameter('param data must be an array.') };
  if (data.length === 0) {
    return {
      ok: false,
      error: invalidParameter(undefined, 'No events', 'data must contain at least one event', { field: 'data' }),
    };
  }
  if (data.length > MAX_EVENTS_PER_REQUEST) {
    return {
      ok: false,
      error: invalidParameter(
        undefined,
        'Too many events',
        `data contains ${data.length} events; a request may carry at most ${MAX_EVENTS_PER_REQUEST}`,
        { field: 'data', count: data.length, max: MAX_EVENTS_PER_REQUEST },
      ),
    };
  }
  const warnings: string[] = [];
  try {
    for (let i = 0; i < data.length; i++) validateEvent(data[i], i, options, warnings);
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.spec };
    throw error;
  }
  return { ok: true, events: data as Obj[], warnings };
}

/** Validates one server event; throws a Refusal naming the index and field on the first problem. */
export function validateEvent(event: unknown, i: number, options: ValidationOptions, warnings: string[]): void {
  if (!isObject(event)) invalid(i, '', 'each event must be a JSON object');
  const ev = event as Obj;

  const name = ev.event_name;
  if (isAbsent(name) || name === '') missing(i, 'event_name');
  if (typeof name !== 'string') invalid(i, 'event_name', 'must be a string');

  const actionSource = ev.action_source;
  if (isAbsent(actionSource) || actionSource === '') missing(i, 'action_source');
  if (typeof actionSource !== 'string' || !ACTION_SOURCES.has(actionSource)) {
    invalid(
      i,
      'action_source',
      `must be one of ${[...ACTION_SOURCES].join(', ')}; got ${JSON.stringify(actionSource)}`,
    );
  }

  checkEventTime(ev.event_time, i, actionSource as string, options.nowSec);

  const url = ev.event_source_url;
  if (actionSource === 'website' && (isAbsent(url) || url === '')) {
    missing(i, 'event_source_url', 'is required when action_source is website');
  }
  if (!isAbsent(url) && (typeof url !== 'string' || !URL_RE.test(url))) {
    invalid(i, 'event_source_url', 'must be an absolute URL beginning with http:// or https://');
  }

  const eventId = ev.event_id;
  if (!isAbsent(eventId) && typeof eventId !== 'string' && typeof eventId !== 'number') {
    invalid(i, 'event_id', 'must be a string');
  }
  if (!isAbsent(ev.opt_out) && typeof ev.opt_out !== 'boolean') invalid(i, 'opt_out', 'must be a boolean');

  checkUserData(ev.user_data, i, actionSource as string, options.weakUserData ?? 'reject', warnings);
  checkCustomData(ev.custom_data, i, name as string);
  checkDataProcessingOptions(ev, i);
}

function checkEventTime(time: unknown, i: number, actionSource: string, nowSec: number): void {
  if (isAbsent(time) || time === '') missing(i, 'event_time');
  if (typeof time !== 'number' || !Number.isInteger(time) || time <= 0) {
    invalid(i, 'event_time', `must be an integer Unix timestamp in seconds; got ${JSON.stringify(time)}`);
  }
  const t = time as number;
  if (t > nowSec + MAX_FUTURE_SECONDS) {
    const hint = t > 1e11 ? ' (it looks like milliseconds; send seconds)' : '';
    refuse(
      GraphSubcode.EVENT_TIME_IN_FUTURE,
      'Event Timestamp In The Future',
      i,
      'event_time',
      `${t} is ${t - nowSec}s ahead of the server clock; at most ${MAX_FUTURE_SECONDS}s is allowed${hint}`,
    );
  }
  const maxAge = actionSource === 'physical_store' ? MAX_AGE_PHYSICAL_STORE_SECONDS : MAX_AGE_SECONDS;
  if (nowSec - t > maxAge) {
    refuse(
      GraphSubcode.EVENT_TIME_TOO_OLD,
      'Event Timestamp Too Old',
      i,
      'event_time',
      `${t} is more than ${maxAge / SECONDS_PER_DAY} days in the past` +
        (actionSource === 'physical_store' ? '' : ' (62 days are allowed only for action_source physical_store)'),
    );
  }
}

/** A parameter that may be a single value or a list of values. */
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function describeUnhashed(value: string): string {
  if (UPPER_SHA256_RE.test(value)) return 'a SHA-256 hash in uppercase; send lowercase hex';
  if (value.includes('@')) return 'an unhashed email address';
  if (/^\+?[\d\s().-]{6,}$/.test(value)) return 'an unhashed phone number';
  return 'not a SHA-256 hash';
}

function checkUserData(raw: unknown, i: number, actionSource: string, policy: WeakUserDataPolicy, warnings: string[]) {
  if (isAbsent(raw)) missing(i, 'user_data');
  if (!isObject(raw)) invalid(i, 'user_data', 'must be an object');
  const ud = raw as Obj;
  const present = new Set<string>();

  for (const key in ud) {
    const value = ud[key];
    if (isAbsent(value)) continue;
    if (HASHED_FIELDS.has(key)) {
      const list = asList(value);
      for (let j = 0; j < list.length; j++) {
        const item = list[j];
        const path = Array.isArray(value) ? `user_data.${key}[${j}]` : `user_data.${key}`;
        if (typeof item !== 'string') invalid(i, path, 'must be a string (SHA-256 hex) or a list of them');
        if (!SHA256_RE.test(item as string)) {
          invalid(
            i,
            path,
            `must be SHA-256 hashed (64 lowercase hex chars); the value is ${describeUnhashed(item as string)}`,
          );
        }
      }
      if (list.length > 0) present.add(key);
    } else if (key === 'external_id' || PLAIN_ID_FIELDS.has(key)) {
      const list = asList(value);
      for (let j = 0; j < list.length; j++) {
        const item = list[j];
        if ((typeof item !== 'string' && typeof item !== 'number') || item === '') {
          invalid(
            i,
            Array.isArray(value) ? `user_data.${key}[${j}]` : `user_data.${key}`,
            'must be a non-empty string',
          );
        }
      }
      if (list.length > 0) present.add(key);
    } else if (key === 'client_ip_address') {
      if (typeof value !== 'string' || isIP(value) === 0) {
        invalid(
          i,
          'user_data.client_ip_address',
          `must be a valid IPv4 or IPv6 address (not hashed); got ${JSON.stringify(value)}`,
        );
      }
      present.add(key);
    } else if (key === 'client_user_agent') {
      if (typeof value !== 'string' || value === '')
        invalid(i, 'user_data.client_user_agent', 'must be a non-empty string');
      present.add(key);
    } else if (key === 'fbc') {
      if (typeof value !== 'string' || !FBC_RE.test(value)) {
        invalid(
          i,
          'user_data.fbc',
          `must look like fb.<subdomainIndex>.<creationTime ms>.<fbclid>; got ${JSON.stringify(value)}`,
        );
      }
      present.add(key);
    } else if (key === 'fbp') {
      if (typeof value !== 'string' || !FBP_RE.test(value)) {
        invalid(
          i,
          'user_data.fbp',
          `must look like fb.<subdomainIndex>.<creationTime ms>.<random number>; got ${JSON.stringify(value)}`,
        );
      }
      present.add(key);
    }
    // Unknown keys are ignored, as the Graph API ignores parameters it does not know.
  }

  if (actionSource === 'website' && !present.has('client_user_agent')) {
    missing(i, 'user_data.client_user_agent', 'is required when action_source is website');
  }
  if (present.size === 0) {
    refuse(
      GraphSubcode.INSUFFICIENT_CUSTOMER_INFO,
      'Insufficient customer information',
      i,
      'user_data',
      'contains no customer information parameters',
    );
  }
  if (!isMatchable(present)) {
    const detail =
      `has only [${[...present].join(', ')}], a combination too broad to match a person; add em, ph, external_id, ` +
      'fbc, fbp, or client_ip_address together with client_user_agent';
    if (policy === 'reject') {
      refuse(GraphSubcode.INSUFFICIENT_CUSTOMER_INFO, 'Insufficient customer information', i, 'user_data', detail);
    }
    warnings.push(`${fieldPath(i, 'user_data')}: ${detail}`);
  }
}

/** Whether a set of customer information keys is specific enough to be accepted for matching. */
export function isMatchable(present: ReadonlySet<string>): boolean {
  for (const key of present) if (STRONG_FIELDS.has(key)) return true;
  if (present.has('client_ip_address') && present.has('client_user_agent')) return true;
  if (present.has('fn') && present.has('ln')) {
    for (const key of NAME_COMPLEMENTS) if (present.has(key)) return true;
  }
  return false;
}

function checkCustomData(raw: unknown, i: number, eventName: string): void {
  if (isAbsent(raw)) {
    if (eventName === 'Purchase') missing(i, 'custom_data', 'is required for Purchase (value and currency)');
    return;
  }
  if (!isObject(raw)) invalid(i, 'custom_data', 'must be an object');
  const cd = raw as Obj;
  const value = cd.value;
  const currency = cd.currency;
  if (eventName === 'Purchase') {
    if (isAbsent(value)) missing(i, 'custom_data.value', 'is required for Purchase');
    if (isAbsent(currency)) missing(i, 'custom_data.currency', 'is required for Purchase');
  }
  if (!isAbsent(value) && (typeof value !== 'number' || !Number.isFinite(value))) {
    invalid(i, 'custom_data.value', `must be a number; got ${JSON.stringify(value)}`);
  }
  if (!isAbsent(currency) && (typeof currency !== 'string' || !CURRENCIES.has(currency.toUpperCase()))) {
    invalid(i, 'custom_data.currency', `must be an ISO 4217 three-letter code; got ${JSON.stringify(currency)}`);
  }
  if (!isAbsent(cd.contents) && !Array.isArray(cd.contents)) invalid(i, 'custom_data.contents', 'must be a list');
  if (!isAbsent(cd.content_ids) && !Array.isArray(cd.content_ids)) {
    invalid(i, 'custom_data.content_ids', 'must be a list');
  }
}

function checkDataProcessingOptions(ev: Obj, i: number): void {
  const options = ev.data_processing_options;
  const country = ev.data_processing_options_country;
  const state = ev.data_processing_options_state;
  if (isAbsent(options)) return;
  if (!Array.isArray(options)) invalid(i, 'data_processing_options', 'must be a list ([] or ["LDU"])');
  for (const option of options as unknown[]) {
    if (option !== 'LDU')
      invalid(i, 'data_processing_options', `only "LDU" is supported; got ${JSON.stringify(option)}`);
  }
  if ((options as unknown[]).length === 0) return;
  if (!isAbsent(country) && country !== 0 && country !== 1) {
    invalid(
      i,
      'data_processing_options_country',
      `must be 1 (United States) or 0 (geolocate); got ${JSON.stringify(country)}`,
    );
  }
  if (!isAbsent(state) && state !== 0 && state !== 1000) {
    invalid(
      i,
      'data_processing_options_state',
      `must be 1000 (California) or 0 (geolocate); got ${JSON.stringify(state)}`,
    );
  }
}
