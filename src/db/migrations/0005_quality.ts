import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * Signal-quality rollup (C6). `quality_hourly` holds, per tenant, hour of receipt, destination and
 * event name, the counts the dashboard charts; the nil destination id holds event-level figures
 * (every event once). `quality_buckets` schedules the recomputation of each tenant-hour, and
 * `quality_cursors` remembers how far each tenant's ledger was read for replays.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table quality_hourly (
      tenant_id uuid not null,
      hour timestamptz not null,
      destination_id uuid not null,
      event_name text not null,
      received integer not null default 0,
      delivered integer not null default 0,
      failed integer not null default 0,
      dead integer not null default 0,
      deduplicated integer not null default 0,
      skipped integer not null default 0,
      pending integer not null default 0,
      latency jsonb not null default '{}',
      id_masks jsonb not null default '{}',
      errors jsonb not null default '{}',
      primary key (tenant_id, hour, destination_id, event_name)
    );
    create table quality_buckets (
      tenant_id uuid not null,
      hour timestamptz not null,
      next_check_at timestamptz,
      computed_at timestamptz,
      open_deliveries integer not null default 0,
      duration_ms integer not null default 0,
      primary key (tenant_id, hour)
    );
    create index quality_buckets_due on quality_buckets (next_check_at) where next_check_at is not null;
    create table quality_cursors (
      tenant_id uuid primary key,
      ledger_seq bigint not null default 0,
      created_at timestamptz not null default now()
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table quality_cursors, quality_buckets, quality_hourly');
}
