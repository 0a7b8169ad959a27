import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ClicksTable, IdentityKind, SessionsTable } from '../db/tables/ingest.ts';

/**
 * The indexed lookups the matching engine (C3) joins conversions with, all scoped by tenant.
 * Bot clicks are never returned: a known bot or link previewer never becomes a conversion.
 */
export type Click = Selectable<ClicksTable>;
export type Session = Selectable<SessionsTable>;

/** A human click by Rastro click id (the id carried through the checkout in `sck`, `xcod`…). */
export async function findClick(db: Kysely<Database>, tenantId: string, clickId: string): Promise<Click | undefined> {
  return db
    .selectFrom('clicks')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('click_id', '=', clickId)
    .where('is_bot', '=', false)
    .executeTakeFirst();
}

export async function findSession(
  db: Kysely<Database>,
  tenantId: string,
  sessionId: string,
): Promise<Session | undefined> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
}

/** Sessions in which a hashed email, phone or external id was seen, most recent first. */
export async function sessionsByIdentity(
  db: Kysely<Database>,
  tenantId: string,
  kind: IdentityKind,
  hash: string,
  limit = 20,
): Promise<{ session_id: string; first_seen: Date; last_seen: Date }[]> {
  return db
    .selectFrom('identity_links')
    .select(['session_id', 'first_seen', 'last_seen'])
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', kind)
    .where('hash', '=', hash)
    .orderBy('last_seen', 'desc')
    .limit(limit)
    .execute();
}

/** Hashed identifiers seen with a session. */
export async function identitiesOfSession(db: Kysely<Database>, tenantId: string, sessionId: string) {
  return db
    .selectFrom('identity_links')
    .select(['kind', 'hash', 'first_seen', 'last_seen'])
    .where('tenant_id', '=', tenantId)
    .where('session_id', '=', sessionId)
    .orderBy('first_seen')
    .execute();
}

/** Human clicks and sessions carrying an fbclid (from `fbclid` or inside `_fbc`) since a time. */
export async function byFbclid(db: Kysely<Database>, tenantId: string, fbclid: string, since: Date) {
  const [clicks, sessions] = await Promise.all([
    db
      .selectFrom('clicks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('fbclid', '=', fbclid)
      .where('created_at', '>=', since)
      .where('is_bot', '=', false)
      .orderBy('created_at', 'desc')
      .limit(20)
      .execute(),
    db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('fbclid', '=', fbclid)
      .where('last_seen', '>=', since)
      .orderBy('last_seen', 'desc')
      .limit(20)
      .execute(),
  ]);
  return { clicks, sessions };
}

/** Human clicks and sessions from one IP in a time window (the caller compares user agents). */
export async function byIp(db: Kysely<Database>, tenantId: string, ip: string, from: Date, to: Date) {
  const [clicks, sessions] = await Promise.all([
    db
      .selectFrom('clicks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('ip', '=', ip)
      .where('created_at', '>=', from)
      .where('created_at', '<=', to)
      .where('is_bot', '=', false)
      .orderBy('created_at', 'desc')
      .limit(50)
      .execute(),
    db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('ip', '=', ip)
      .where('last_seen', '>=', from)
      .where('last_seen', '<=', to)
      .orderBy('last_seen', 'desc')
      .limit(50)
      .execute(),
  ]);
  return { clicks, sessions };
}

/** Clicks recorded for a session (by the `/go` cookie) or joined to it (by the landing's click id). */
export async function clicksOfSession(db: Kysely<Database>, tenantId: string, session: Session): Promise<Click[]> {
  let q = db.selectFrom('clicks').selectAll().where('tenant_id', '=', tenantId);
  q = session.click_id
    ? q.where((eb) => eb.or([eb('session_id', '=', session.session_id), eb('click_id', '=', session.click_id!)]))
    : q.where('session_id', '=', session.session_id);
  return q.orderBy('created_at').limit(100).execute();
}
