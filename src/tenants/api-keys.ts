import type { Kysely } from 'kysely';
import { sha256Hex } from '../core/hash.ts';
import { newId, randomToken } from '../core/ids.ts';
import { notFound } from '../core/errors.ts';
import type { Database } from '../db/schema.ts';
import type { KeyScope } from '../db/tables/foundation.ts';
import { appendLedger } from '../ledger/ledger.ts';

/**
 * API keys: `rst_<scope>_<32 random bytes>`. Only the SHA-256 is stored (the key has 256 bits of
 * entropy, so a fast hash is enough); the first characters are kept as a visible prefix.
 */
export const KEY_SCOPES: readonly KeyScope[] = ['admin', 'ingest'];
const PREFIX_LENGTH = 16;

export interface CreatedKey {
  id: string;
  scope: KeyScope;
  name: string;
  prefix: string;
  /** Shown once, never stored. */
  key: string;
}

export const hashKey = (key: string): string => sha256Hex(key);

export async function createApiKey(
  trx: Kysely<Database>,
  tenantId: string,
  scope: KeyScope,
  name: string,
  actor: string,
): Promise<CreatedKey> {
  const key = `rst_${scope}_${randomToken(32)}`;
  const row = {
    tenant_id: tenantId,
    key_id: newId(),
    scope,
    name,
    prefix: key.slice(0, PREFIX_LENGTH),
    key_hash: hashKey(key),
    revoked_at: null,
  };
  await trx.insertInto('api_keys').values(row).execute();
  await appendLedger(trx, tenantId, {
    actor,
    entityType: 'api_key',
    entityId: row.key_id,
    type: 'api_key.created',
    data: { scope, name, prefix: row.prefix },
  });
  return { id: row.key_id, scope, name, prefix: row.prefix, key };
}

export async function listApiKeys(db: Kysely<Database>, tenantId: string) {
  const rows = await db
    .selectFrom('api_keys')
    .select(['key_id', 'scope', 'name', 'prefix', 'created_at', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.key_id,
    scope: r.scope,
    name: r.name,
    prefix: r.prefix,
    created_at: r.created_at.toISOString(),
    revoked_at: r.revoked_at?.toISOString() ?? null,
  }));
}

/** Revokes a key; returns its hash so in-process caches can drop it. */
export async function revokeApiKey(
  db: Kysely<Database>,
  tenantId: string,
  keyId: string,
  actor: string,
): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('key_id', '=', keyId)
      .where('revoked_at', 'is', null)
      .returning(['key_hash', 'scope', 'prefix'])
      .executeTakeFirst();
    if (!row) throw notFound(`active key ${keyId}`);
    await appendLedger(trx, tenantId, {
      actor,
      entityType: 'api_key',
      entityId: keyId,
      type: 'api_key.revoked',
      data: { scope: row.scope, prefix: row.prefix },
    });
    return row.key_hash;
  });
}

export interface KeyIdentity {
  tenantId: string;
  /** The tenant's name, read with the key (it is cached with it, so `GET /me` needs no query). */
  tenantName: string;
  keyId: string;
  scope: KeyScope;
}

export async function findActiveKey(db: Kysely<Database>, key: string): Promise<KeyIdentity | undefined> {
  const row = await db
    .selectFrom('api_keys as k')
    .innerJoin('tenants as t', 't.tenant_id', 'k.tenant_id')
    .select(['k.tenant_id', 'k.key_id', 'k.scope', 't.name'])
    .where('k.key_hash', '=', hashKey(key))
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { tenantId: row.tenant_id, tenantName: row.name, keyId: row.key_id, scope: row.scope } : undefined;
}
