/** CanonicalEvent → one Conversions API server event, validated before it can join a batch. */
import { isIP } from 'node:net';
import { STANDARD_EVENTS, type CanonicalEvent, type CustomData } from '../../events/canonical.ts';
import type { HashedUser } from '../../identity/types.ts';
import type { MapResult } from '../types.ts';
import type { MetaCapiConfig } from './config.ts';
import type { MetaCustomData, MetaServerEvent, MetaUserData } from './types.ts';
import { validateServerEvent } from './validate.ts';

/** Rastro's snake_case name → Meta's standard name; Meta's own names and custom names pass as given. */
export const toMetaEventName = (name: string): string =>
  Object.hasOwn(STANDARD_EVENTS, name) ? STANDARD_EVENTS[name as keyof typeof STANDARD_EVENTS] : name;

/** HashedUser keys sent to Meta, in Meta's names (`ph` is already Meta's digits-only variant). */
const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'ct', 'st', 'zp', 'country', 'db', 'ge', 'external_id'] as const;

export const toMetaUserData = (event: CanonicalEvent): MetaUserData => {
  const user: HashedUser = event.user;
  const out: MetaUserData = {};
  for (const key of HASHED_KEYS) {
    const values = user[key];
    if (values && values.length > 0) out[key] = [...values];
  }
  // An address Meta cannot parse would fail the whole batch; an unusable one is simply left out.
  const ip = event.client_ip?.trim();
  if (ip && isIP(ip)) out.client_ip_address = ip;
  const ua = event.user_agent?.trim();
  if (ua) out.client_user_agent = ua;
  if (event.click_ids.fbc) out.fbc = event.click_ids.fbc;
  if (event.click_ids.fbp) out.fbp = event.click_ids.fbp;
  return out;
};

export const toMetaCustomData = (data: CustomData): MetaCustomData | undefined => {
  // Standard fields win over same-named extra properties.
  const out: MetaCustomData = { ...(data.extra ?? {}) };
  if (data.value !== undefined) out.value = data.value;
  if (data.currency !== undefined) out.currency = data.currency.trim().toUpperCase();
  if (data.contents && data.contents.length > 0) {
    out.contents = data.contents.map((item) => ({
      id: item.id,
      ...(item.quantity !== undefined ? { quantity: item.quantity } : {}),
      ...(item.item_price !== undefined ? { item_price: item.item_price } : {}),
    }));
    out.content_ids = [...new Set(data.contents.map((item) => item.id))];
  }
  if (data.content_name !== undefined) out.content_name = data.content_name;
  if (data.content_type !== undefined) out.content_type = data.content_type;
  else if (out.contents) out.content_type = 'product';
  if (data.order_id !== undefined) out.order_id = data.order_id;
  return Object.keys(out).length > 0 ? out : undefined;
};

/** Builds the server event without validating it. */
export const toMetaServerEvent = (event: CanonicalEvent): MetaServerEvent => {
  const out: MetaServerEvent = {
    event_name: toMetaEventName(event.event_name),
    event_time: Math.floor(event.event_time),
    event_id: event.event_id,
    action_source: event.action_source,
    user_data: toMetaUserData(event),
    data_processing_options: [],
  };
  if (event.source_url) out.event_source_url = event.source_url;
  if (event.referrer) out.referrer_url = event.referrer;
  const customData = toMetaCustomData(event.custom_data);
  if (customData) out.custom_data = customData;
  if (event.consent.ldu) {
    out.data_processing_options = ['LDU'];
    out.data_processing_options_country = event.consent.ldu_country ?? 0;
    out.data_processing_options_state = event.consent.ldu_state ?? 0;
  }
  return orderKeys(out);
};

/** Stable key order so stored payloads read the same way every time. */
const KEY_ORDER: (keyof MetaServerEvent)[] = [
  'event_name',
  'event_time',
  'event_id',
  'action_source',
  'event_source_url',
  'referrer_url',
  'user_data',
  'custom_data',
  'data_processing_options',
  'data_processing_options_country',
  'data_processing_options_state',
];
const orderKeys = (event: MetaServerEvent): MetaServerEvent => {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (event[k] !== undefined) out[k] = event[k];
  return out as unknown as MetaServerEvent;
};

/**
 * Maps and validates one event. Fails (never throws) when consent forbids sending, when a test event
 * has no test event code to go with, or when Meta would reject the event.
 */
export const mapMetaEvent = (event: CanonicalEvent, config: MetaCapiConfig, now: Date): MapResult => {
  if (!event.consent.ads) return { ok: false, reason: 'consent.ads: the person did not allow ad measurement' };
  if (event.test && !config.test_event_code) {
    return { ok: false, reason: 'test: test event, but this destination has no test_event_code' };
  }
  const payload = toMetaServerEvent(event);
  const problems = validateServerEvent(payload, now);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, payload };
};
