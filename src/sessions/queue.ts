import { sql, type Kysely, type RawBuilder } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import { LINK_ROW, SESSION_ROW, touchRows, touchUpsertCtes, type SessionTouch } from './record.ts';

/**
 * The track API's session touches, queued: the events' statement inserts one row per tenant per
 * group (its sessions and identity links as JSON text) and the fold upserts them later, one queued
 * group per statement. Upserting sessions in the events' statement was a third of PostgreSQL's work
 * per tracked event; queued, the ingest path pays a single row per group.
 *
 * Readers of sessions (matching, the sessions API) fold a tenant's queue first, so what they read
 * includes every event acknowledged before they started; the worker folds continuously.
 */
export function queueTouchesCte(tenantId: string, touches: SessionTouch[]): RawBuilder<unknown>[] {
  const rows = touchRows(touches);
  if (!rows) return [];
  return [
    sql`touches_queue as (
    insert into session_touches (tenant_id, id, sessions, links)
    values (${tenantId}::uuid, ${newId()}::uuid, ${rows.sessions}, ${rows.links})
    returning 1)`,
  ];
}

/** Folds the queued group `pick` selects (and locks), deleting it in the same statement. */
async function foldOne(db: Kysely<Database>, pick: RawBuilder<unknown>): Promise<boolean> {
  const upserts = touchUpsertCtes(
    sql`q.tenant_id`,
    sql`q, json_to_recordset(q.sessions::json) as ${SESSION_ROW}`,
    sql`q, json_to_recordset(q.links::json) as ${LINK_ROW}`,
  );
  const { rows } = await sql<{ n: number }>`
    with next as (${pick}), q as (
      delete from session_touches t using next where t.tenant_id = next.tenant_id and t.id = next.id
      returning t.tenant_id, t.sessions, t.links
    ), ${sql.join(upserts)}
    select count(*)::int as n from q`.execute(db);
  return (rows[0]?.n ?? 0) > 0;
}

/** The worker's fold: up to `limit` queued groups of any tenant, oldest first, skipping those being folded. */
export async function foldQueuedTouches(db: Kysely<Database>, limit = 20): Promise<number> {
  let folded = 0;
  while (folded < limit) {
    const found = await foldOne(
      db,
      sql`select tenant_id, id from session_touches order by id limit 1 for update skip locked`,
    );
    if (!found) break;
    folded++;
  }
  return folded;
}

/**
 * A reader's fold: every group of `tenantId` queued before it started, waiting for a group another
 * fold holds. Cheap when the queue is empty (one index lookup). `db` may be a transaction.
 */
export async function foldTouchesOf(db: Kysely<Database>, tenantId: string): Promise<number> {
  const bound = (
    await db
      .selectFrom('session_touches')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
  )?.id;
  if (!bound) return 0;
  let folded = 0;
  for (;;) {
    const found = await foldOne(
      db,
      sql`select tenant_id, id from session_touches where tenant_id = ${tenantId}::uuid and id <= ${bound}::uuid
        order by id limit 1 for update`,
    );
    if (found) {
      folded++;
      continue;
    }
    // Nothing locked: a group another fold held was gone once it let go. Done when none is left.
    const left = await db
      .selectFrom('session_touches')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '<=', bound)
      .limit(1)
      .executeTakeFirst();
    if (!left) return folded;
  }
}
