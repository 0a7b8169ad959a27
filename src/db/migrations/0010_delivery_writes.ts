import { sql, type Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * Deliveries are written once and rewritten at each outcome. With full pages, every rewrite put the
 * new row version on a new page at the end of the table, so each batch outcome extended the table
 * (writing fresh pages under the relation extension lock) while the old versions' space waited for
 * vacuum. Pages filled to 70 % keep room for the new version next to the old one, and the space of
 * older versions is pruned in place.
 *
 * A batch's payloads (up to 1,000 events as sent, ~600 KB) were stored uncompressed: after the
 * delivery row rewrites, they were the largest part of what an outcome wrote to the write-ahead log
 * (0.6 of 1.5 KB per delivery). lz4 shrinks them about fourfold for ~1.4 ms of PostgreSQL CPU per
 * batch of 1,000 (pglz: 6.7 ms), and WAL volume is what made the drain's times swing on a busy disk.
 * A server or PGlite built without lz4 keeps the column as it was.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table deliveries set (fillfactor = 70)');
  await sql
    .raw(
      `do $$ begin
        alter table delivery_batches alter column payloads set compression lz4;
        alter table delivery_batches alter column payloads set storage extended;
      exception when feature_not_supported then null;
      end $$`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table deliveries reset (fillfactor)');
  await sql.raw('alter table delivery_batches alter column payloads set storage external').execute(db);
}
