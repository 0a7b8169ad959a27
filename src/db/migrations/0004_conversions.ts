import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table gateway_connections (
      tenant_id uuid not null,
      connection_id uuid not null,
      gateway text not null,
      name text not null,
      secret_sealed text not null,
      url_secret_hash text not null,
      url_secret_sealed text not null,
      settings jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, connection_id)
    );
    create table webhook_receipts (
      tenant_id uuid not null,
      receipt_id uuid not null,
      connection_id uuid not null,
      gateway text not null,
      received_at timestamptz not null default now(),
      status text not null,
      event_type text,
      order_id text,
      body_sha256 text not null,
      body_sealed text,
      draft jsonb,
      error text,
      processed_at timestamptz,
      primary key (tenant_id, receipt_id)
    );
    create index gateway_connections_id on gateway_connections (connection_id);
    create unique index webhook_receipts_body on webhook_receipts (tenant_id, connection_id, body_sha256);
    create index webhook_receipts_todo on webhook_receipts (received_at) where status = 'received';
    create index webhook_receipts_conn on webhook_receipts (tenant_id, connection_id, receipt_id);
    create table conversions (
      tenant_id uuid not null,
      conversion_id uuid not null,
      gateway text not null,
      connection_id uuid not null,
      order_id text not null,
      status text not null,
      amount numeric(14, 2) not null,
      currency text not null,
      payment_method text,
      is_test boolean not null default false,
      buyer jsonb not null,
      products jsonb not null default '[]',
      tracking jsonb not null default '{}',
      occurred_at timestamptz not null,
      approved_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      match jsonb,
      history jsonb not null default '[]',
      primary key (tenant_id, conversion_id)
    );
    create unique index conversions_order on conversions (tenant_id, gateway, order_id);
    create index conversions_recent on conversions (tenant_id, conversion_id desc);
    create table conversion_emissions (
      tenant_id uuid not null,
      emission_id uuid not null,
      conversion_id uuid not null,
      event_name text not null,
      event_id text not null,
      not_before timestamptz not null,
      created_at timestamptz not null default now(),
      attempts integer not null default 0,
      primary key (tenant_id, emission_id)
    );
    create index conversion_emissions_due on conversion_emissions (not_before);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table conversion_emissions, conversions, webhook_receipts, gateway_connections');
}
