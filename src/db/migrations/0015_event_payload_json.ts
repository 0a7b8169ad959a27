import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * An event's payload is kept as the JSON text it was written with (`json`), not parsed into `jsonb`.
 * Nothing queries inside it on a hot path: the dispatcher reads it whole into Node, which parses it
 * anyway, and the quality rollup only looks inside rows older than `id_mask`. `jsonb` cost PostgreSQL
 * a full parse into its binary form at ingest and a conversion back to text at every claim.
 * The change rewrites the table once (it holds an exclusive lock while it does).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table events alter column payload type json using payload::json');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table events alter column payload type jsonb using payload::jsonb');
}
