import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * `sessions_fbp` served no query (matching finds sessions by click id, fbclid, identity and IP) and
 * cost an index entry on almost every tracked event: the browser snippet sets `_fbp` everywhere.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop index if exists sessions_fbp');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'create index if not exists sessions_fbp on sessions (tenant_id, fbp) where fbp is not null');
}
