import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/** The match-quality estimate (0–10, EMQ-like) of the event as it was delivered to each destination. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table deliveries add column match_quality numeric(3, 1)');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'alter table deliveries drop column match_quality');
}
