import type { Kysely } from 'kysely';
import { notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import { appendLedger } from '../ledger/ledger.ts';
import { createApiKey } from './api-keys.ts';

export interface CreatedTenant {
  id: string;
  name: string;
  keys: { admin: string; ingest: string };
}

/** Creates a tenant with one admin and one ingest key, in one transaction with its ledger entries. */
export async function createTenant(db: Kysely<Database>, name: string, actor = 'operator'): Promise<CreatedTenant> {
  return db.transaction().execute(async (trx) => {
    const id = newId();
    await trx.insertInto('tenants').values({ tenant_id: id, name, settings: '{}' }).execute();
    await appendLedger(trx, id, { actor, entityType: 'tenant', entityId: id, type: 'tenant.created', data: { name } });
    const admin = await createApiKey(trx, id, 'admin', 'default admin', actor);
    const ingest = await createApiKey(trx, id, 'ingest', 'default ingest', actor);
    return { id, name, keys: { admin: admin.key, ingest: ingest.key } };
  });
}

export async function listTenants(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('tenants')
    .select(['tenant_id', 'name', 'created_at'])
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ id: r.tenant_id, name: r.name, created_at: r.created_at.toISOString() }));
}

export async function getTenant(db: Kysely<Database>, tenantId: string) {
  return db.selectFrom('tenants').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
}

/** `tenantId` when that tenant exists, else a 404 (operator routes name a tenant in their path). */
export async function requireTenant(db: Kysely<Database>, tenantId: string): Promise<string> {
  if (!(await getTenant(db, tenantId))) throw notFound(`tenant ${tenantId}`);
  return tenantId;
}
