import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * The sessions tracked events reveal are folded into `sessions` and `identity_links` after the
 * events commit: the track API's statement queues one row per group naming its events (ids, plus
 * the first-party touch fields that are not part of the canonical event), and the worker, or any
 * reader of sessions before it reads, derives and upserts the sessions from the stored events
 * (src/sessions/queue.ts). Upserting every session inside the track API's statement was a third of
 * PostgreSQL's work per event on the hot path, and deriving the rows ~13 % of the server's.
 *
 * The worker folds the oldest group of any tenant first (`session_touches_order`).
 * `storage external`: a large group's list is tens of KB of JSON text; the default would compress it
 * (pglz) on the ingest path only to be read once and deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table session_touches (
      tenant_id uuid not null,
      id uuid not null,
      events text not null,
      primary key (tenant_id, id)
    );
    create index session_touches_order on session_touches (id);
    alter table session_touches alter column events set storage external;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table session_touches');
}
