import { sql, type Kysely } from 'kysely';

/**
 * The session upsert and the clicks insert as PL/pgSQL functions. PL/pgSQL plans each statement of
 * a function once per connection and runs that plan again; a statement sent as text is parsed,
 * analysed and planned every time. PGlite has no named prepared statements, and most of a `/go`
 * click's statement was that preparation: the upsert's conflict clause alone cost ~120 µs to prepare
 * and the rows' parameters ~100 µs more. A one-click group cost ~630 µs on PGlite as text and ~300 µs
 * as these calls; three clicks ~750 → ~380 µs (docs/performance.md, "Session 18").
 *
 * `rastro_upsert_sessions` folds one tenant's touches (src/sessions/record.ts builds its rows) into
 * sessions and the identity graph. The result does not depend on the order in which touches are
 * folded (queued groups of several processes, a click written directly): latest values and the
 * first and last touch are decided by when they were seen, counts add up. Rows arrive sorted by key,
 * so concurrent calls lock the same rows in the same order and never deadlock.
 *
 * Each function is one statement here: runDdl splits on line-ending semicolons, which a body has.
 */

/** Columns holding the latest value seen in a session. */
const LATEST_COLUMNS = ['ip', 'user_agent', 'fbc', 'fbp', 'fbclid', 'gclid', 'ttclid', 'click_id', 'last_touch'];

/** The newer side's value when it has one: `excluded` is newer when it was seen last. */
const latest = (column: string): string =>
  `${column} = case when excluded.last_seen >= s.last_seen then coalesce(excluded.${column}, s.${column})
        else coalesce(s.${column}, excluded.${column}) end`;

const UPSERT_SESSIONS = `
create or replace function rastro_upsert_sessions(p_tenant uuid, p_sessions json, p_links json)
returns integer language plpgsql as $fn$
declare
  n integer := 0;
begin
  if p_sessions is not null then
    insert into sessions as s (tenant_id, session_id, first_seen, last_seen, ip, user_agent, fbc, fbp, fbclid,
      gclid, ttclid, click_id, first_touch, last_touch, event_count)
    select p_tenant, r.session_id, r.first_seen, r.last_seen, r.ip, r.user_agent, r.fbc, r.fbp, r.fbclid,
      r.gclid, r.ttclid, r.click_id, coalesce(r.first_touch, r.last_touch), r.last_touch, r.event_count
    from json_to_recordset(p_sessions) as r(session_id text, first_seen timestamptz, last_seen timestamptz,
      ip text, user_agent text, fbc text, fbp text, fbclid text, gclid text, ttclid text, click_id text,
      first_touch json, last_touch json, event_count integer)
    on conflict (tenant_id, session_id) do update set
      first_seen = least(s.first_seen, excluded.first_seen),
      last_seen = greatest(s.last_seen, excluded.last_seen),
      ${LATEST_COLUMNS.map(latest).join(',\n      ')},
      first_touch = case when excluded.first_seen < s.first_seen then coalesce(excluded.first_touch, s.first_touch)
        else coalesce(s.first_touch, excluded.first_touch) end,
      event_count = s.event_count + excluded.event_count;
    get diagnostics n = row_count;
  end if;
  if p_links is not null then
    insert into identity_links as l (tenant_id, kind, hash, session_id, first_seen, last_seen)
    select p_tenant, r.kind, r.hash, r.session_id, r.first, r.last
    from json_to_recordset(p_links) as r(kind text, hash text, session_id text, first timestamptz,
      last timestamptz)
    on conflict (tenant_id, kind, hash, session_id) do update set
      first_seen = least(l.first_seen, excluded.first_seen),
      last_seen = greatest(l.last_seen, excluded.last_seen);
  end if;
  return n;
end
$fn$`;

/**
 * Clicks as JSON objects keyed by column (an absent key is null). The columns are named: a column a
 * later migration adds gets its default here until this function is redefined to take it.
 */
const CLICK_COLUMNS = `tenant_id, click_id, link_id, slug, session_id, created_at, ip, user_agent, referrer,
    landing_url, fbclid, fbc, fbp, gclid, ttclid, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
    is_bot`;

const INSERT_CLICKS = `
create or replace function rastro_insert_clicks(p_clicks json)
returns integer language plpgsql as $fn$
declare
  n integer;
begin
  insert into clicks (${CLICK_COLUMNS}) select ${CLICK_COLUMNS} from json_populate_recordset(null::clicks, p_clicks);
  get diagnostics n = row_count;
  return n;
end
$fn$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(UPSERT_SESSIONS).execute(db);
  await sql.raw(INSERT_CLICKS).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop function rastro_insert_clicks(json)').execute(db);
  await sql.raw('drop function rastro_upsert_sessions(uuid, json, json)').execute(db);
}
