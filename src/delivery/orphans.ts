import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { appendLedger } from '../ledger/ledger.ts';
import { FINAL_DELTA_COLUMNS, finalDeltas } from '../quality/deltas.ts';

export const ORPHANED = 'destination deleted';

/**
 * Marks the queued deliveries `where` selects (a condition on `deliveries d`) skipped as orphaned,
 * with the quality rollup's deltas of the change, and returns whose they were.
 */
export async function skipAsOrphaned(
  trx: Kysely<Database>,
  where: RawBuilder<unknown>,
): Promise<{ tenant_id: string; destination_id: string }[]> {
  const rows = await sql<{ tenant_id: string; destination_id: string }>`
    with skipped as (
      update deliveries d set status = 'skipped', last_error = ${ORPHANED}, updated_at = now()
      where ${where}
      returning ${FINAL_DELTA_COLUMNS}
    ), counted as (${finalDeltas('skipped')})
    select tenant_id, destination_id from skipped`.execute(trx);
  return rows.rows;
}

/**
 * Deliveries still queued for a destination that no longer exists become `skipped`, visibly.
 * Deleting a destination does this in its own transaction, but an outbox write that read the
 * destination just before the delete committed can add pending rows after it: nothing would ever
 * claim them. This sweep finds them without scanning the queue: the distinct destinations of pending
 * rows are read from the `deliveries_due` index one key at a time (a loose index scan), and only the
 * rows of destinations that are gone are touched. A maintenance pass across tenants, like lease
 * expiry; each tenant's ledger records what it skipped.
 */
export async function skipOrphanedDeliveries(db: Kysely<Database>, actor: string): Promise<number> {
  const queued = await sql<{ destination_id: string }>`
    with recursive ids as (
      (select destination_id from deliveries where status = 'pending' order by destination_id limit 1)
      union all
      select (select d.destination_id from deliveries d
              where d.status = 'pending' and d.destination_id > ids.destination_id
              order by d.destination_id limit 1)
      from ids where ids.destination_id is not null
    )
    select i.destination_id from ids i
    where i.destination_id is not null
      and not exists (select 1 from destinations t where t.destination_id = i.destination_id)`.execute(db);
  if (queued.rows.length === 0) return 0;
  const gone = queued.rows.map((r) => r.destination_id);
  return db.transaction().execute(async (trx) => {
    const skipped = await skipAsOrphaned(
      trx,
      sql`d.status = 'pending' and d.destination_id in (${sql.join(gone.map((id) => sql`${id}::uuid`))})`,
    );
    const counts = new Map<string, Map<string, number>>();
    for (const { tenant_id, destination_id } of skipped) {
      const perTenant = counts.get(tenant_id) ?? new Map<string, number>();
      perTenant.set(destination_id, (perTenant.get(destination_id) ?? 0) + 1);
      counts.set(tenant_id, perTenant);
    }
    for (const [tenantId, perDestination] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await appendLedger(
        trx,
        tenantId,
        [...perDestination].map(([destinationId, n]) => ({
          actor,
          entityType: 'destination',
          entityId: destinationId,
          type: 'delivery.orphans_skipped',
          data: { skipped: n, reason: ORPHANED },
        })),
      );
    }
    return skipped.length;
  });
}
