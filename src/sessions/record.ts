import { sql, type RawBuilder } from 'kysely';
import { compact } from '../core/compact.ts';
import type { IdentityKind, Touch } from '../db/tables/ingest.ts';
import type { CanonicalEvent } from '../events/canonical.ts';
import { fbclidOf } from './cookies.ts';

/**
 * Sessions and the identity graph. A `/go/:slug` click upserts its session in the click's statement;
 * the track API queues the events of a group that reveal a session in the events' statement
 * (src/sessions/queue.ts), folded into `sessions` by the worker and by every reader of sessions
 * before it reads, so matching never misses an acknowledged event's session.
 */
export interface SessionTouch {
  sessionId: string;
  at: Date;
  ip?: string;
  userAgent?: string;
  fbc?: string;
  fbp?: string;
  fbclid?: string;
  gclid?: string;
  ttclid?: string;
  clickId?: string;
  firstTouch?: Touch;
  lastTouch?: Touch;
  identities: { kind: IdentityKind; hash: string }[];
}

/** First-party extras of a track event that are not part of the canonical event. */
export interface TrackExtras {
  click_id?: string;
  first_touch?: Touch;
  last_touch?: Touch;
}

const IDENTITY_KINDS: IdentityKind[] = ['em', 'ph', 'external_id'];
const HEX64 = /^[0-9a-f]{64}/;

/** The landing data an event carries itself (server-side callers send UTMs and click ids as fields). */
function touchOf(event: CanonicalEvent, clickId: string | undefined, atS: number): Touch | undefined {
  const { utm, click_ids: ids } = event;
  // Most events carry none: answer before building anything (the canonical event has no empty values).
  const landing =
    utm.source || utm.medium || utm.campaign || utm.content || utm.term || ids.fbclid || ids.gclid || ids.ttclid;
  if (!landing && !clickId) return undefined;
  return compact<Touch>({
    at: atS,
    utm_source: utm.source,
    utm_medium: utm.medium,
    utm_campaign: utm.campaign,
    utm_content: utm.content,
    utm_term: utm.term,
    fbclid: ids.fbclid,
    gclid: ids.gclid,
    ttclid: ids.ttclid,
    click_id: clickId,
    landing_url: event.source_url,
    referrer: event.referrer,
  });
}

/**
 * What an accepted event tells about its session, or nothing: events without a session id, and
 * events whose ad consent was denied (their identifiers must not feed attribution), leave no trace.
 */
export function sessionTouchOf(
  event: CanonicalEvent,
  extras: TrackExtras = {},
  now = new Date(),
): SessionTouch | undefined {
  if (!event.session_id || !event.consent.ads) return undefined;
  const at = new Date(Math.min(event.event_time * 1000, now.getTime()));
  const identities: SessionTouch['identities'] = [];
  for (const kind of IDENTITY_KINDS) {
    for (const value of event.user[kind] ?? []) {
      const hash = HEX64.exec(value)?.[0];
      if (hash) identities.push({ kind, hash });
    }
  }
  const clickId = extras.click_id ?? extras.last_touch?.click_id;
  return compact<SessionTouch>({
    sessionId: event.session_id,
    at,
    ip: event.client_ip,
    userAgent: event.user_agent,
    fbc: event.click_ids.fbc,
    fbp: event.click_ids.fbp,
    fbclid: event.click_ids.fbclid ?? fbclidOf(event.click_ids.fbc),
    gclid: event.click_ids.gclid,
    ttclid: event.click_ids.ttclid,
    clickId,
    firstTouch: extras.first_touch,
    lastTouch: extras.last_touch ?? touchOf(event, clickId, Math.floor(at.getTime() / 1000)),
    identities,
  });
}

interface SessionRow {
  sessionId: string;
  firstSeen: Date;
  lastSeen: Date;
  firstTouch?: Touch;
  lastTouch?: Touch;
  count: number;
  values: Partial<Record<'ip' | 'userAgent' | 'fbc' | 'fbp' | 'fbclid' | 'gclid' | 'ttclid' | 'clickId', string>>;
}

const LATEST_FIELDS = ['ip', 'userAgent', 'fbc', 'fbp', 'fbclid', 'gclid', 'ttclid', 'clickId'] as const;

/** Folds the touches of one group per session (one row per session per statement), in time order. */
function fold(touches: SessionTouch[]): SessionRow[] {
  const rows = new Map<string, SessionRow>();
  for (const t of [...touches].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    let row = rows.get(t.sessionId);
    if (!row) {
      row = { sessionId: t.sessionId, firstSeen: t.at, lastSeen: t.at, count: 0, values: {} };
      rows.set(t.sessionId, row);
    }
    row.count += 1;
    row.lastSeen = t.at;
    row.firstTouch ??= t.firstTouch ?? t.lastTouch;
    if (t.lastTouch) row.lastTouch = t.lastTouch;
    for (const f of LATEST_FIELDS) if (t[f]) row.values[f] = t[f];
  }
  // Sorted keys: concurrent groups lock the same sessions in the same order, never deadlock.
  return [...rows.values()].sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
}

/**
 * Folds touches into the rows their upserts read (`json_to_recordset`: a group of hundreds of sessions
 * travels as one parameter, not fifteen per row). Absent values are left out (read as null), and a
 * first touch that is the last one too (a new session's) travels once: PostgreSQL parses every byte.
 */
function touchRows(touches: SessionTouch[]): { sessions: string; links: string | null } {
  const rows = fold(touches).map((r) => ({
    session_id: r.sessionId,
    first_seen: r.firstSeen.toISOString(),
    last_seen: r.lastSeen.toISOString(),
    ip: r.values.ip,
    user_agent: r.values.userAgent,
    fbc: r.values.fbc,
    fbp: r.values.fbp,
    fbclid: r.values.fbclid,
    gclid: r.values.gclid,
    ttclid: r.values.ttclid,
    click_id: r.values.clickId,
    first_touch: r.firstTouch === r.lastTouch ? undefined : r.firstTouch,
    last_touch: r.lastTouch,
    event_count: r.count,
  }));
  const links = new Map<string, { kind: IdentityKind; hash: string; session_id: string; first: Date; last: Date }>();
  for (const t of touches) {
    for (const { kind, hash } of t.identities) {
      const key = `${kind}:${hash}:${t.sessionId}`;
      const seen = links.get(key);
      if (!seen) links.set(key, { kind, hash, session_id: t.sessionId, first: t.at, last: t.at });
      else {
        if (t.at < seen.first) seen.first = t.at;
        if (t.at > seen.last) seen.last = t.at;
      }
    }
  }
  // Sorted keys: concurrent statements lock the same rows in the same order, never deadlock.
  const sorted = [...links.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { sessions: JSON.stringify(rows), links: sorted.length > 0 ? JSON.stringify(sorted) : null };
}

/**
 * The upsert of one tenant's touches into sessions and identity links, as a call of
 * `rastro_upsert_sessions` (migration 0018: a PL/pgSQL function, so its statements are planned once
 * per connection) to place in another statement's select list (a `/go` click's, a fold's) or alone.
 * Undefined when there is nothing to upsert.
 */
export function sessionUpsertCall(tenantId: string, touches: SessionTouch[]): RawBuilder<number> | undefined {
  if (touches.length === 0) return undefined;
  const rows = touchRows(touches);
  return sql<number>`rastro_upsert_sessions(${tenantId}::uuid, ${rows.sessions}::json, ${rows.links}::json)`;
}
