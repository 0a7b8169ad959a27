import { sql, type Kysely } from 'kysely';
import { prepared } from '../db/prepared.ts';
import type { Database } from '../db/schema.ts';
import type { CanonicalEvent } from '../events/canonical.ts';

export interface ClaimedDelivery {
  tenant_id: string;
  delivery_id: string;
  event_ref: string;
  event_id: string;
  event_name: string;
  attempts: number;
  committed_at: Date;
  created_at: Date;
  payload: CanonicalEvent;
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
      select tenant_id, delivery_id from deliveries
      where destination_id = ${destinationId} and status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    ), claimed as (
      update deliveries d
      set status = 'processing', claimed_by = ${workerId}, attempts = d.attempts + 1, updated_at = now(),
          claimed_until = now() + ${`${leaseMs} milliseconds`}::interval
      from due where d.tenant_id = due.tenant_id and d.delivery_id = due.delivery_id
      returning d.tenant_id, d.delivery_id, d.event_ref, d.event_id, d.event_name, d.attempts, d.committed_at, d.created_at
    )
    select c.*, e.payload from claimed c
    join events e on e.tenant_id = c.tenant_id and e.id = c.event_ref
  `).execute(db);
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
