import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table events (
      tenant_id uuid not null,
      id uuid not null,
      event_id text not null,
      event_name text not null,
      event_time timestamptz not null,
      received_at timestamptz not null default now(),
      source text not null,
      payload jsonb not null,
      session_id text,
      consent_ads boolean not null default true,
      is_test boolean not null default false,
      primary key (tenant_id, id)
    );
    create index events_event_id on events (tenant_id, event_id);
    create index events_name on events (tenant_id, event_name, id);
    create table destinations (
      tenant_id uuid not null,
      destination_id uuid not null,
      type text not null,
      name text not null,
      config jsonb not null default '{}',
      secrets_sealed text,
      enabled boolean not null default true,
      status text not null default 'active',
      status_reason text,
      rate_per_second integer,
      batch_size integer,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, destination_id)
    );
    create table deliveries (
      tenant_id uuid not null,
      delivery_id uuid not null,
      event_ref uuid not null,
      destination_id uuid not null,
      event_id text not null,
      event_name text not null,
      status text not null,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      claimed_until timestamptz,
      claimed_by text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      committed_at timestamptz not null default now(),
      delivered_at timestamptz,
      last_error text,
      payload jsonb,
      attempt_log jsonb not null default '[]',
      replays integer not null default 0,
      primary key (tenant_id, delivery_id)
    );
    -- The outbox queue: only rows a worker may claim are indexed.
    create index deliveries_due on deliveries (destination_id, next_attempt_at) where status = 'pending';
    create index deliveries_leased on deliveries (destination_id, claimed_until) where status = 'processing';
    create index deliveries_event on deliveries (tenant_id, event_ref);
    create index deliveries_status on deliveries (tenant_id, destination_id, status, created_at);
    create table delivery_batches (
      tenant_id uuid not null,
      batch_id uuid not null,
      destination_id uuid not null,
      started_at timestamptz not null,
      duration_ms integer not null,
      size integer not null,
      outcome text not null,
      http_status integer,
      trace_id text,
      platform_code text,
      message text not null,
      response jsonb,
      primary key (tenant_id, batch_id)
    );
    create table dedup_keys (
      tenant_id uuid not null,
      destination_id uuid not null,
      dedup_key text not null,
      delivery_id uuid not null,
      created_at timestamptz not null default now(),
      primary key (tenant_id, destination_id, dedup_key)
    );
    create index dedup_keys_age on dedup_keys (created_at);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table dedup_keys, delivery_batches, deliveries, destinations, events');
}
