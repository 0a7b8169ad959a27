/**
 * Local validation of one server event against the rules Meta enforces, run before batching: Meta
 * rejects a whole request when one of its events breaks a rule, so a bad event must fail alone, here.
 */
import { isHashed } from '../../identity/hash-user.ts';
import { ISO_4217_CURRENCIES } from './currencies.ts';
import type { MetaServerEvent, MetaUserData } from './types.ts';

const DAY = 24 * 3600;

/** Oldest accepted event_time: 7 days before sending (62 days for physical_store events). */
export const MAX_EVENT_AGE_SECONDS = 7 * DAY;
export const PHYSICAL_STORE_MAX_EVENT_AGE_SECONDS = 62 * DAY;
/** event_time may not be in the future; one minute of clock skew is tolerated. */
export const MAX_FUTURE_SKEW_SECONDS = 60;
/** Meta caps custom event names at 50 characters (Meta Pixel reference). */
export const MAX_CUSTOM_EVENT_NAME_LENGTH = 50;

/** Meta's standard events (names as Meta spells them). */
export const META_STANDARD_EVENTS: ReadonlySet<string> = new Set([
  'AddPaymentInfo',
  'AddToCart',
  'AddToWishlist',
  'CompleteRegistration',
  'Contact',
  'CustomizeProduct',
  'Donate',
  'FindLocation',
  'InitiateCheckout',
  'Lead',
  'PageView',
  'Purchase',
  'Schedule',
  'Search',
  'StartTrial',
  'SubmitApplication',
  'Subscribe',
  'ViewContent',
]);

/** user_data keys that must carry SHA-256 hashes (never clear PII). */
export const HASHED_USER_DATA_KEYS = [
  'em',
  'ph',
  'fn',
  'ln',
  'ct',
  'st',
  'zp',
  'country',
  'db',
  'ge',
  'external_id',
] as const;

/**
 * Customer information that identifies a person on its own: one of these keys is enough for Meta to
 * try to match the event.
 */
export const SUFFICIENT_USER_DATA_KEYS: readonly (keyof MetaUserData)[] = ['em', 'ph', 'external_id', 'fbc', 'fbp'];

/** Keys that identify a person only together (all of a group must be present). */
export const SUFFICIENT_USER_DATA_GROUPS: readonly (readonly (keyof MetaUserData)[])[] = [
  ['client_ip_address', 'client_user_agent'],
];

/**
 * Weak keys: since Graph API v13.0 Meta rejects user_data made only of these, in any combination
 * (demographics and location — gender, birth date, city, state, zip, country, names — and either half
 * of the IP + user-agent pair alone).
 */
export const WEAK_USER_DATA_KEYS: readonly (keyof MetaUserData)[] = [
  'ge',
  'db',
  'ct',
  'st',
  'zp',
  'country',
  'fn',
  'ln',
  'client_ip_address',
  'client_user_agent',
];

const present = (userData: MetaUserData): (keyof MetaUserData)[] =>
  (Object.keys(userData) as (keyof MetaUserData)[]).filter((key) => {
    const value = userData[key];
    return Array.isArray(value) ? value.length > 0 : typeof value === 'string' && value !== '';
  });

/** Problems with user_data: emptiness, weak-only combinations, clear values where hashes belong. */
export const userDataProblems = (userData: MetaUserData): string[] => {
  const keys = present(userData);
  if (keys.length === 0) return ['user_data: is empty; Meta needs at least one customer information parameter'];
  const problems: string[] = [];
  for (const key of HASHED_USER_DATA_KEYS) {
    if (userData[key]?.some((v) => !isHashed(v)))
      problems.push(`user_data.${key}: holds a value that is not a SHA-256 hash`);
  }
  const sufficient =
    keys.some((k) => SUFFICIENT_USER_DATA_KEYS.includes(k)) ||
    SUFFICIENT_USER_DATA_GROUPS.some((group) => group.every((k) => keys.includes(k)));
  if (!sufficient && keys.every((k) => WEAK_USER_DATA_KEYS.includes(k))) {
    problems.push(
      `user_data: only weak identifiers (${keys.join(', ')}); add em, ph, external_id, fbc, fbp or client_ip_address with client_user_agent`,
    );
  }
  return problems;
};

const timeProblems = (event: MetaServerEvent, now: Date): string[] => {
  if (!Number.isInteger(event.event_time) || event.event_time <= 0) {
    return ['event_time: must be a positive integer (unix seconds)'];
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const maxAge =
    event.action_source === 'physical_store' ? PHYSICAL_STORE_MAX_EVENT_AGE_SECONDS : MAX_EVENT_AGE_SECONDS;
  const age = nowSeconds - event.event_time;
  if (age > maxAge) {
    return [`event_time: more than ${maxAge / DAY} days old, Meta's limit for ${event.action_source} events`];
  }
  if (-age > MAX_FUTURE_SKEW_SECONDS) return [`event_time: ${-age} s in the future`];
  return [];
};

const nameProblems = (event: MetaServerEvent): string[] => {
  const name = event.event_name;
  if (name.trim() === '') return ['event_name: is empty'];
  if (!META_STANDARD_EVENTS.has(name) && name.length > MAX_CUSTOM_EVENT_NAME_LENGTH) {
    return [`event_name: custom event name is ${name.length} characters; Meta allows ${MAX_CUSTOM_EVENT_NAME_LENGTH}`];
  }
  return [];
};

const websiteProblems = (event: MetaServerEvent): string[] => {
  if (event.action_source !== 'website') return [];
  const problems: string[] = [];
  if (!event.event_source_url) problems.push('event_source_url: required for website events');
  if (!event.user_data.client_user_agent) problems.push('user_data.client_user_agent: required for website events');
  return problems;
};

const customDataProblems = (event: MetaServerEvent): string[] => {
  const problems: string[] = [];
  const isPurchase = event.event_name === 'Purchase';
  const value = event.custom_data?.value;
  if (value === undefined) {
    if (isPurchase) problems.push('custom_data.value: required for Purchase');
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push('custom_data.value: must be a finite number');
  }
  const currency = event.custom_data?.currency;
  if (currency === undefined) {
    if (isPurchase) problems.push('custom_data.currency: required for Purchase');
  } else if (!ISO_4217_CURRENCIES.has(currency)) {
    problems.push(`custom_data.currency: "${currency}" is not an ISO-4217 code`);
  }
  return problems;
};

/** Every rule the event breaks, each as `field: problem`; empty when Meta should accept it. */
export const validateServerEvent = (event: MetaServerEvent, now: Date): string[] => [
  ...nameProblems(event),
  ...timeProblems(event, now),
  ...websiteProblems(event),
  ...customDataProblems(event),
  ...userDataProblems(event.user_data),
];
