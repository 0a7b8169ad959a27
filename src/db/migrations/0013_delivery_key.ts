import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * A delivery is keyed by its event first: (tenant, event, delivery). Every read of deliveries goes
 * through their event (an event's detail, the events list, the quality rollup's join, replays) or
 * through the queue index, and the outcome finds its rows by physical address; the separate
 * (tenant, event) index only repeated the key's work. Without it, accepting an event writes one
 * index entry less per destination, and each delivered outcome one instead of two.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    alter table deliveries drop constraint deliveries_pkey;
    alter table deliveries add constraint deliveries_pkey primary key (tenant_id, event_ref, delivery_id);
    drop index deliveries_event;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create index deliveries_event on deliveries (tenant_id, event_ref);
    alter table deliveries drop constraint deliveries_pkey;
    alter table deliveries add constraint deliveries_pkey primary key (tenant_id, delivery_id);
  `,
  );
}
