import { sql, type Kysely } from 'kysely';
import { prepared } from '../db/prepared.ts';
import type { Database } from '../db/schema.ts';
import type { CanonicalEvent } from '../events/canonical.ts';

export interface ClaimedDelivery {
  tenant_id: string;
  delivery_id: string;
  /** The row version's ctid, for the outcome to find it without an index (src/delivery/record.ts). */
  row_ref: string;
  attempts: number;
  /** Epoch milliseconds (numbers: a thousand Date parses per batch were a visible share of a drain). */
  committed_ms: number;
  created_ms: number;
  /** Which identifiers the event carries (src/quality/emq.ts); null for rows from before it was stored. */
  id_mask: number | null;
  payload: CanonicalEvent;
}

// `date_part` answers a double; `extract` a numeric (PostgreSQL 14+), slower to compute and convert.
const EPOCH_MS = (column: string) => sql.raw(`(date_part('epoch', ${column}) * 1000)`);

/**
 * How a worker holds the deliveries it is sending: a lease written into the rows (`processing`,
 * `claimed_by`, `claimed_until`), or row locks of its open transaction (rows stay `pending`).
 */
export interface Hold {
  kind: 'lease' | 'lock';
  workerId: string;
}

/**
 * Leases up to `limit` due deliveries of one destination to this worker, oldest first.
 * `FOR UPDATE SKIP LOCKED` lets many workers claim from one table without ever taking the same row;
 * the lease (claimed_until) hands a crashed worker's rows to another one later.
 */
export async function claimDue(
  db: Kysely<Database>,
  destinationId: string,
  limit: number,
  workerId: string,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  const result = await prepared(sql<ClaimedDelivery>`
    with due as (
      select tenant_id, event_ref, delivery_id from deliveries
      where destination_id = ${destinationId} and status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    ), claimed as (
      update deliveries d
      set status = 'processing', claimed_by = ${workerId}, attempts = d.attempts + 1, updated_at = now(),
          claimed_until = now() + ${`${leaseMs} milliseconds`}::interval
      from due
      where d.tenant_id = due.tenant_id and d.event_ref = due.event_ref and d.delivery_id = due.delivery_id
      returning d.tenant_id, d.delivery_id, d.ctid::text as row_ref, d.event_ref, d.attempts,
        ${EPOCH_MS('d.committed_at')} as committed_ms, ${EPOCH_MS('d.created_at')} as created_ms
    )
    -- Only what the dispatcher reads: parsing the columns of a thousand rows is a visible cost.
    select c.tenant_id, c.delivery_id, c.row_ref, c.attempts, c.committed_ms, c.created_ms, e.id_mask, e.payload
    from claimed c
    join events e on e.tenant_id = c.tenant_id and e.id = c.event_ref
  `).execute(db);
  return result.rows;
}

/** Whether a destination has a due delivery (one probe of the queue index; takes no lock). */
export async function hasDue(db: Kysely<Database>, destinationId: string): Promise<boolean> {
  const result = await prepared(sql<{ due: boolean }>`
    select exists (
      select 1 from deliveries where destination_id = ${destinationId} and status = 'pending' and next_attempt_at <= now()
    ) as due`).execute(db);
  return result.rows[0]?.due === true;
}

/**
 * Locks up to `limit` due deliveries of one destination in the caller's transaction, oldest first,
 * without rewriting them. The caller sends the batch and records the outcome before it commits, so
 * each delivery row is rewritten once per attempt instead of twice (lease, then outcome): the lease
 * rewrite was a new row version plus four index entries per delivery, a third of PostgreSQL's work
 * in a drain. If the worker dies, its connection closes, the transaction aborts and the rows are
 * due again at once; no lease has to run out. The price is a pooled connection held for as long as
 * the platform takes to answer, so the dispatcher bounds how many batches go out this way.
 * `attempts` comes back counting the attempt about to be made, as with a lease.
 */
export async function claimLocked(
  trx: Kysely<Database>,
  destinationId: string,
  limit: number,
): Promise<ClaimedDelivery[]> {
  const result = await prepared(sql<ClaimedDelivery>`
    with due as (
      select tenant_id, delivery_id, ctid::text as row_ref, event_ref, attempts + 1 as attempts,
        ${EPOCH_MS('committed_at')} as committed_ms, ${EPOCH_MS('created_at')} as created_ms
      from deliveries
      where destination_id = ${destinationId} and status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    )
    select due.tenant_id, due.delivery_id, due.row_ref, due.attempts, due.committed_ms, due.created_ms, e.id_mask,
      e.payload
    from due
    join events e on e.tenant_id = due.tenant_id and e.id = due.event_ref
  `).execute(trx);
  return result.rows;
}

/** Returns deliveries whose worker died (lease expired) to the queue. */
export async function releaseExpiredLeases(db: Kysely<Database>): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({
      status: 'pending',
      claimed_by: null,
      claimed_until: null,
      next_attempt_at: new Date(),
      updated_at: new Date(),
    })
    .where('status', '=', 'processing')
    .where('claimed_until', '<', new Date())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Returns every leased delivery to the queue. Only for a database no other process can be using:
 * an embedded PGlite data folder at start-up, whose leases all belong to a previous, dead run.
 */
export async function releaseAllLeases(db: Kysely<Database>): Promise<number> {
  const result = await db
    .updateTable('deliveries')
    .set({
      status: 'pending',
      claimed_by: null,
      claimed_until: null,
      next_attempt_at: new Date(),
      updated_at: new Date(),
    })
    .where('status', '=', 'processing')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
