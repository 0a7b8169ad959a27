import type { Kysely } from 'kysely';
import { runDdl } from '../ddl.ts';

/**
 * First-party ingest (C1): per-tenant ingest settings (CORS origins, checkout hosts, cookie domain),
 * redirect links and their clicks, sessions and the identity graph. The indexes serve the matching
 * engine's lookups: by click id, session id, fbclid/fbp, hashed email/phone/external_id, and IP+UA in
 * a time window.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    create table ingest_settings (
      tenant_id uuid primary key,
      allowed_origins jsonb not null default '[]',
      checkout_hosts jsonb not null default '[]',
      cookie_domain text,
      updated_at timestamptz not null default now()
    );
    create table links (
      tenant_id uuid not null,
      link_id uuid not null,
      slug text not null,
      target_url text not null,
      utm jsonb not null default '{}',
      click_id_param text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, link_id)
    );
    -- /go/:slug is resolved before the tenant is known: slugs are global (a reference table under Citus).
    create unique index links_slug on links (slug);
    create table clicks (
      tenant_id uuid not null,
      click_id text not null,
      link_id uuid,
      slug text,
      session_id text,
      created_at timestamptz not null,
      ip text,
      user_agent text,
      referrer text,
      landing_url text,
      fbclid text,
      fbc text,
      fbp text,
      gclid text,
      ttclid text,
      utm_source text,
      utm_medium text,
      utm_campaign text,
      utm_content text,
      utm_term text,
      is_bot boolean not null default false,
      primary key (tenant_id, click_id)
    );
    create index clicks_session on clicks (tenant_id, session_id) where session_id is not null;
    create index clicks_fbclid on clicks (tenant_id, fbclid, created_at) where fbclid is not null;
    create index clicks_ip on clicks (tenant_id, ip, created_at);
    create index clicks_link on clicks (tenant_id, link_id, created_at);
    create table sessions (
      tenant_id uuid not null,
      session_id text not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      ip text,
      user_agent text,
      fbc text,
      fbp text,
      fbclid text,
      gclid text,
      ttclid text,
      click_id text,
      first_touch jsonb,
      last_touch jsonb,
      event_count integer not null default 0,
      primary key (tenant_id, session_id)
    );
    create index sessions_fbclid on sessions (tenant_id, fbclid) where fbclid is not null;
    create index sessions_fbp on sessions (tenant_id, fbp) where fbp is not null;
    create index sessions_click on sessions (tenant_id, click_id) where click_id is not null;
    create index sessions_ip on sessions (tenant_id, ip, last_seen);
    create table identity_links (
      tenant_id uuid not null,
      kind text not null check (kind in ('em', 'ph', 'external_id')),
      hash text not null,
      session_id text not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      primary key (tenant_id, kind, hash, session_id)
    );
    create index identity_links_session on identity_links (tenant_id, session_id);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'drop table identity_links, sessions, clicks, links, ingest_settings');
}
