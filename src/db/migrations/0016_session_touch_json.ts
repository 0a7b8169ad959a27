import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * A session's first and last touch are kept as the JSON text they were written with (`json`), as
 * event payloads are since 0015. Nothing queries inside them: matching and the sessions API read them
 * whole into Node. `jsonb` made PostgreSQL build its binary form of every touch an event brings (the
 * track API's group statement carries one per session per group): ~5 µs per touch, about a tenth of
 * PostgreSQL's work per tracked event. The change rewrites the sessions table once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `alter table sessions alter column first_touch type json using first_touch::json,
      alter column last_touch type json using last_touch::json`,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `alter table sessions alter column first_touch type jsonb using first_touch::jsonb,
      alter column last_touch type jsonb using last_touch::jsonb`,
  );
}
