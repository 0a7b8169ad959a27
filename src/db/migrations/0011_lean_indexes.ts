import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * Fewer index entries per accepted event and per delivered attempt.
 *
 * - Dedup keys are only ever looked up by key; their age serves the purge of keys past the 48 h
 *   window, every ten minutes. Keys are written in time order, so a BRIN summary of the table's
 *   block ranges finds the old ones as well as a B-tree did, without an entry per key.
 * - The status index serves bulk replays by destination, status and time (dead, failed, deduplicated
 *   deliveries) and the statuses a delivery rarely leaves. Pending deliveries are found through the
 *   queue's own index (`deliveries_due`), and a delivery moves to `delivered` once and almost always
 *   stays there: rows in either state are left out, so accepting an event writes one index entry
 *   less per destination and a delivered outcome two instead of three. A replay of delivered events
 *   reads the tenant's deliveries by key instead (rare, an operator's request).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    drop index dedup_keys_age;
    create index dedup_keys_age on dedup_keys using brin (created_at);
    drop index deliveries_status;
    create index deliveries_status on deliveries (tenant_id, destination_id, status, created_at)
      where status not in ('pending', 'delivered');
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    drop index dedup_keys_age;
    create index dedup_keys_age on dedup_keys (created_at);
    drop index deliveries_status;
    create index deliveries_status on deliveries (tenant_id, destination_id, status, created_at);
  `,
  );
}
