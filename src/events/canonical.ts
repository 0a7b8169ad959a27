/**
 * The canonical event: the one shape Rastro stores and delivers. The track API, the server-to-server
 * events API, gateway webhooks and matching all produce it; every destination maps from it.
 * It never holds PII in clear: `user` carries only SHA-256 hashes of normalized values.
 */
import type { HashedUser } from '../identity/types.ts';

export const ACTION_SOURCES = [
  'website',
  'app',
  'email',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

export interface ClickIds {
  /** Meta click cookie `fb.1.<ms>.<fbclid>` (sent unhashed). */
  fbc?: string;
  /** Meta browser id `fb.1.<ms>.<random>` (sent unhashed). */
  fbp?: string;
  fbclid?: string;
  gclid?: string;
  gbraid?: string;
  wbraid?: string;
  ttclid?: string;
  /** TikTok browser cookie `_ttp`. */
  ttp?: string;
}

export interface Utm {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
  term?: string;
}

export interface ContentItem {
  id: string;
  quantity?: number;
  item_price?: number;
  title?: string;
}

export interface CustomData {
  value?: number;
  /** ISO-4217, upper case. */
  currency?: string;
  contents?: ContentItem[];
  order_id?: string;
  content_name?: string;
  content_type?: string;
  /** Any other custom properties, passed through to destinations that accept them. */
  extra?: Record<string, unknown>;
}

export interface Consent {
  /** Whether the person allowed ad measurement; false events are stored but never sent. */
  ads: boolean;
  /** Limited Data Use (US state privacy laws): Meta `data_processing_options: ['LDU']`. */
  ldu?: boolean;
  /** Meta LDU geography: 1 = USA, 0 = let Meta geolocate. */
  ldu_country?: number;
  /** Meta LDU state: 1000 = California, 0 = let Meta geolocate. */
  ldu_state?: number;
}

export interface CanonicalEvent {
  event_id: string;
  /** Rastro vocabulary (`purchase`, `page_view`, …) or a custom name kept as given. */
  event_name: string;
  /** Unix seconds. */
  event_time: number;
  action_source: ActionSource;
  source_url?: string;
  referrer?: string;
  user: HashedUser;
  client_ip?: string;
  user_agent?: string;
  click_ids: ClickIds;
  utm: Utm;
  custom_data: CustomData;
  consent: Consent;
  session_id?: string;
  /** Test traffic (gateway test sends, sandbox): delivered only with a destination's test event code. */
  test?: boolean;
}

/** Rastro's snake_case vocabulary and the Meta standard event each one maps to. */
export const STANDARD_EVENTS = {
  page_view: 'PageView',
  view_content: 'ViewContent',
  search: 'Search',
  lead: 'Lead',
  complete_registration: 'CompleteRegistration',
  add_to_cart: 'AddToCart',
  add_to_wishlist: 'AddToWishlist',
  initiate_checkout: 'InitiateCheckout',
  add_payment_info: 'AddPaymentInfo',
  purchase: 'Purchase',
  subscribe: 'Subscribe',
  start_trial: 'StartTrial',
  contact: 'Contact',
} as const;
export type StandardEventName = keyof typeof STANDARD_EVENTS;
