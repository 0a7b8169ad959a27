import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * The quality rollup follows changes instead of rereading hours. Every statement that accepts events
 * or changes a delivery's final status adds, in the same statement, a few rows to `quality_deltas`
 * (its counts grouped by hour, destination, event name and status); the rollup worker folds them into
 * `quality_hourly` and deletes them. Recomputing a live hour from its events cost time in proportion
 * to the hour's volume at every pass (1.3 s of PostgreSQL per 200,000 events, and a whole hour of
 * sustained traffic is tens of millions).
 *
 * Hours the previous rollup still had to look at (live or with open deliveries) are recomputed in
 * full once; from then on their deltas keep them current. Tenants first seen by the rollup after this
 * migration are backfilled only up to it (src/quality/schedule.ts reads its time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table quality_deltas (
      tenant_id uuid not null,
      hour timestamptz not null,
      destination_id uuid not null,
      event_name text not null,
      status text,
      mask integer,
      lat integer,
      error text,
      received integer not null default 0,
      n integer not null default 0
    );
    create index quality_deltas_hour on quality_deltas (tenant_id, hour);
    update quality_buckets set next_check_at = now() where next_check_at is not null;
    insert into quality_buckets (tenant_id, hour, next_check_at)
      select c.tenant_id, h.hour, now() from quality_cursors c,
        (values (date_bin('1 hour', now(), timestamptz '1970-01-01 00:00:00+00')),
                (date_bin('1 hour', now(), timestamptz '1970-01-01 00:00:00+00') - interval '1 hour')) h(hour)
      on conflict (tenant_id, hour) do update set next_check_at = excluded.next_check_at;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table quality_deltas');
}
