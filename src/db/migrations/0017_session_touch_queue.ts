import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * What tracked events tell about their sessions is committed with the events as one row per group
 * (src/sessions/queue.ts) and folded into `sessions` and `identity_links` by the worker, and by any
 * reader of sessions before it reads. Upserting every session inside the track API's statement was
 * a third of PostgreSQL's work per event on the hot path.
 *
 * The worker folds the oldest group of any tenant first (`session_touches_order`).
 * `storage external`: a group's touches are hundreds of KB of JSON text; the default would compress
 * them (pglz) on the ingest path only to be read once and deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table session_touches (
      tenant_id uuid not null,
      id uuid not null,
      sessions text not null,
      links text,
      primary key (tenant_id, id)
    );
    create index session_touches_order on session_touches (id);
    alter table session_touches alter column sessions set storage external,
      alter column links set storage external;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table session_touches');
}
