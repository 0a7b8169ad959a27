import type { Generated } from 'kysely';
import type { Json } from './foundation.ts';

/** A checkout host whose links the snippet decorates with the session id in `params`. */
export interface CheckoutHost {
  host: string;
  params: string[];
}

export interface IngestSettingsTable {
  tenant_id: string;
  /** Origins allowed to call the track API from a browser (`https://shop.example.com`, `https://*.example.com`); empty: any. */
  allowed_origins: Json<string[]>;
  /** Extra checkout hosts for the snippet, on top of the built-in Hotmart, Kiwify and Stripe ones. */
  checkout_hosts: Json<CheckoutHost[]>;
  /** Domain for cookies set by `/go/:slug` (e.g. `shop.example.com` when Rastro runs on `t.shop.example.com`). */
  cookie_domain: string | null;
  updated_at: Generated<Date>;
}

export interface LinkUtm {
  source?: string;
  medium?: string;
  campaign?: string;
  content?: string;
  term?: string;
}

export interface LinksTable {
  tenant_id: string;
  link_id: string;
  /** Globally unique: `/go/:slug` is resolved before the tenant is known. */
  slug: string;
  target_url: string;
  utm: Json<LinkUtm>;
  /** Query parameter of the target that carries Rastro's click id (`sck`, `xcod`, `client_reference_id`…). */
  click_id_param: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ClicksTable {
  tenant_id: string;
  /** `rc` + base36 ms time + random: short, URL-safe, fits every gateway's pass-through parameter. */
  click_id: string;
  link_id: string | null;
  slug: string | null;
  session_id: string | null;
  created_at: Date;
  ip: string | null;
  user_agent: string | null;
  referrer: string | null;
  /** Where the visitor was sent (target with query and click id). */
  landing_url: string | null;
  fbclid: string | null;
  fbc: string | null;
  fbp: string | null;
  gclid: string | null;
  ttclid: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  /** Known bots and link previewers: recorded, never matched to a conversion. */
  is_bot: boolean;
}

/** Where a visitor came from: UTMs and click ids of one landing. */
export interface Touch {
  at: number;
  utm_source?: string;
  utm_medium?: string;
  utm_campaign?: string;
  utm_content?: string;
  utm_term?: string;
  fbclid?: string;
  gclid?: string;
  ttclid?: string;
  click_id?: string;
  landing_url?: string;
  referrer?: string;
}

export interface SessionsTable {
  tenant_id: string;
  session_id: string;
  first_seen: Date;
  last_seen: Date;
  /** Latest values seen in the session. */
  ip: string | null;
  user_agent: string | null;
  fbc: string | null;
  fbp: string | null;
  fbclid: string | null;
  gclid: string | null;
  ttclid: string | null;
  /** Rastro click id (from a `/go/:slug` visit) that started or joined the session. */
  click_id: string | null;
  first_touch: Json<Touch> | null;
  last_touch: Json<Touch> | null;
  event_count: number;
}

export type IdentityKind = 'em' | 'ph' | 'external_id';

/** The identity graph: a hashed identifier seen with a session. Never a clear value. */
export interface IdentityLinksTable {
  tenant_id: string;
  kind: IdentityKind;
  /** SHA-256 hex of the normalized value, as in the canonical event's `user`. */
  hash: string;
  session_id: string;
  first_seen: Date;
  last_seen: Date;
}

/** The events of one group of tracked events whose sessions are not folded yet (src/sessions/queue.ts). */
export interface SessionTouchesTable {
  tenant_id: string;
  /** UUIDv7: folded in this order. */
  id: string;
  /** JSON array of `{id, x?}`: an event's Rastro id and its first-party touch fields, when it had any. */
  events: string;
}

export interface IngestTables {
  ingest_settings: IngestSettingsTable;
  links: LinksTable;
  clicks: ClicksTable;
  sessions: SessionsTable;
  identity_links: IdentityLinksTable;
  session_touches: SessionTouchesTable;
}
