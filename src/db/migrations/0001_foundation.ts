import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table tenants (
      tenant_id uuid primary key,
      name text not null,
      settings jsonb not null default '{}',
      created_at timestamptz not null default now()
    );
    create table api_keys (
      tenant_id uuid not null references tenants (tenant_id) on delete cascade,
      key_id uuid not null,
      scope text not null check (scope in ('admin', 'ingest')),
      name text not null default '',
      prefix text not null,
      key_hash text not null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      primary key (tenant_id, key_id)
    );
    -- Keys are looked up by hash before the tenant is known: under Citus this is a reference table.
    create unique index api_keys_hash on api_keys (key_hash);
    create table ledger_entries (
      tenant_id uuid not null,
      seq bigint not null,
      entry_id uuid not null,
      at timestamptz not null,
      actor text not null,
      entity_type text not null,
      entity_id text not null,
      type text not null,
      data jsonb not null,
      prev_hash text not null,
      hash text not null,
      primary key (tenant_id, seq)
    );
    create index ledger_entries_entity on ledger_entries (tenant_id, entity_type, entity_id, seq);
    create index ledger_entries_type on ledger_entries (tenant_id, type, seq);
    create table ledger_heads (
      tenant_id uuid primary key,
      seq bigint not null,
      hash text not null
    );
    create table rejected_requests (
      tenant_id uuid not null,
      rejection_id uuid not null,
      at timestamptz not null default now(),
      source text not null,
      method text not null,
      url text not null,
      code text not null,
      message text not null,
      details jsonb,
      body_sealed text,
      primary key (tenant_id, rejection_id)
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table rejected_requests, ledger_heads, ledger_entries, api_keys, tenants');
}
