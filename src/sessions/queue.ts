import { sql, type Kysely, type RawBuilder } from 'kysely';
import { compact } from '../core/compact.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import type { SessionTouchesTable } from '../db/tables/ingest.ts';
import type { CanonicalEvent } from '../events/canonical.ts';
import { sessionTouchOf, sessionUpsertCall, type SessionTouch, type TrackExtras } from './record.ts';

/**
 * The track API's sessions, folded after the fact: the events' statement queues one row per tenant
 * per group naming the events that reveal a session (their Rastro ids, plus the first-party touch
 * fields a canonical event does not keep), and a fold derives each session's touch from the stored
 * event and upserts sessions and identity links, deleting the queued row in the same transaction.
 * Upserting sessions in the events' statement was a third of PostgreSQL's work per tracked event,
 * and deriving them ~13 % of the server's; queued, the ingest path pays ~45 bytes per event.
 *
 * Readers of sessions (matching, the sessions API) fold their tenant's queue first, so what they read
 * includes every event acknowledged before they started; the worker folds continuously.
 */
export interface QueuedEvent {
  /** The event's Rastro id. */
  id: string;
  /** Its first-party touch fields (`click_id`, `first_touch`, `last_touch`), when it had any. */
  x?: TrackExtras;
}

/** Whether an accepted event tells anything about a session (see sessionTouchOf). */
export const revealsSession = (event: CanonicalEvent): boolean => Boolean(event.session_id && event.consent.ads);

/** The queued event of an accepted one, or nothing when it reveals no session. */
export function queuedEvent(id: string, event: CanonicalEvent, extras: TrackExtras): QueuedEvent | undefined {
  if (!revealsSession(event)) return undefined;
  const x = compact<TrackExtras>(extras);
  return Object.keys(x).length > 0 ? { id, x } : { id };
}

/** The CTE that queues one tenant's events of a group (inside the track API's statement). */
export function queueTouchesCte(tenantId: string, events: QueuedEvent[]): RawBuilder<unknown>[] {
  if (events.length === 0) return [];
  return [
    sql`touches_queue as (
    insert into session_touches (tenant_id, id, events)
    values (${tenantId}::uuid, ${newId()}::uuid, ${JSON.stringify(events)})
    returning 1)`,
  ];
}

/** Folds one queued group `trx` holds locked: the touches of its events, then the row's deletion. */
async function foldGroup(trx: Kysely<Database>, group: SessionTouchesTable): Promise<void> {
  const queued = JSON.parse(group.events) as QueuedEvent[];
  const ids = queued.map((q) => q.id).sort();
  // The range bounds the index scan whatever the statistics say: a group's ids are one process's
  // consecutive UUIDv7s (other processes' events of the same milliseconds may sit between them). With
  // `= any` alone the planner read every event of the tenant when the table had grown since analyzed.
  const stored = await trx
    .selectFrom('events')
    .select(['id', 'payload', 'received_at'])
    .where('tenant_id', '=', group.tenant_id)
    .where('id', '>=', ids[0]!)
    .where('id', '<=', ids[ids.length - 1]!)
    .where('id', '=', sql<string>`any(${ids}::uuid[])`)
    .execute();
  const byId = new Map(stored.map((e) => [e.id, e]));
  const touches: SessionTouch[] = [];
  for (const { id, x } of queued) {
    const event = byId.get(id);
    // Committed with the row, so present unless purged since.
    if (!event) continue;
    const touch = sessionTouchOf(event.payload as unknown as CanonicalEvent, x, new Date(event.received_at));
    if (touch) touches.push(touch);
  }
  // A data-modifying CTE runs whether or not the query reads it.
  await sql`with folded as (
      delete from session_touches where tenant_id = ${group.tenant_id}::uuid and id = ${group.id}::uuid returning 1
    )
    select ${sessionUpsertCall(group.tenant_id, touches) ?? sql`0`}`.execute(trx);
}

/** Runs `work` in a transaction: `db`'s own when it is one, a new one otherwise. */
const inTransaction = <T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> =>
  db.isTransaction ? work(db) : db.transaction().execute(work);

/**
 * Locks the oldest queued group (of `tenantId` up to `bound` when given), folds it and says whether
 * there was one. `skipLocked`: pass over a group another fold holds instead of waiting for it.
 */
function foldNext(
  db: Kysely<Database>,
  { tenantId, bound, skipLocked }: { tenantId?: string; bound?: string; skipLocked: boolean },
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    let q = trx.selectFrom('session_touches').selectAll().orderBy('id').limit(1).forUpdate();
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    if (bound) q = q.where('id', '<=', bound);
    if (skipLocked) q = q.skipLocked();
    const group = await q.executeTakeFirst();
    if (group) await foldGroup(trx, group);
    return group !== undefined;
  });
}

/**
 * The worker's fold: up to `limit` queued groups of any tenant, oldest first, skipping those being
 * folded, in `lanes` concurrent transactions. One fold alternates between Node (deriving touches) and
 * PostgreSQL (reading events, upserting), so it keeps about one core busy; two keep both busy when
 * ingest leaves them idle. Lanes never deadlock: each locks its group alone, and its sessions and
 * links in key order.
 */
export async function foldQueuedTouches(db: Kysely<Database>, limit = 20, lanes = 1): Promise<number> {
  let folded = 0;
  let empty = false;
  const lane = async () => {
    while (!empty && folded < limit) {
      if (await foldNext(db, { skipLocked: true })) folded++;
      else empty = true;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return folded;
}

/**
 * A reader's fold: every group of `tenantId` queued before it started, waiting for a group another
 * fold holds. Cheap when the queue is empty (one index lookup). `db` may be a transaction.
 */
export async function foldTouchesOf(db: Kysely<Database>, tenantId: string): Promise<number> {
  const pending = (bound?: string) => {
    let q = db.selectFrom('session_touches').select('id').where('tenant_id', '=', tenantId);
    if (bound) q = q.where('id', '<=', bound);
    return q.orderBy('id', 'desc').limit(1).executeTakeFirst();
  };
  const bound = (await pending())?.id;
  if (!bound) return 0;
  let folded = 0;
  for (;;) {
    if (await foldNext(db, { tenantId, bound, skipLocked: false })) folded++;
    // Nothing locked: a group another fold held was gone once it let go. Done when none is left.
    else if (!(await pending(bound))) return folded;
  }
}
