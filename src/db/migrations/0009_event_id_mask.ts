import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * The identifier mask of each event (which hashed keys, click ids, IP and user agent it carries; bits
 * of `IDENTIFIERS` in src/quality/emq.ts), computed once at ingest. The quality rollup used to
 * derive it from the JSON payload of every event at every recomputation, ~20 µs of PostgreSQL
 * time per event and the larger part of a rollup. Null (rows written before this) means: derive it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table events add column id_mask integer');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table events drop column id_mask');
}
