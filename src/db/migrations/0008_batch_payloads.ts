import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * The exact payloads of a batch request, once per batch (the JSON array text the destination put on
 * the wire, in batch order; each attempt names its batch and index). Writing them as jsonb into
 * every delivery row cost about a fifth of the delivery path: PostgreSQL parsed each payload and the
 * row update carried it. Text, stored out of line uncompressed: read only by the event detail view,
 * never queried, and not worth compression CPU on the hot path.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table delivery_batches add column payloads text');
  await runDdl(db, 'alter table delivery_batches alter column payloads set storage external');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table delivery_batches drop column payloads');
}
