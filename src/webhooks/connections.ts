import type { Kysely, Selectable } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import { notFound, RastroError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { newId, randomToken } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import type { GatewayConnectionsTable } from '../db/tables/conversions.ts';
import { GATEWAY_IDS, getGateway } from '../gateways/registry.ts';
import { appendLedger } from '../ledger/ledger.ts';

export type ConnectionRow = Selectable<GatewayConnectionsTable>;

export interface ConnectionSettings {
  /** Which Rastro events each conversion status emits, e.g. `{approved: ['purchase'], pending: ['initiate_checkout']}`. */
  emit?: Partial<Record<string, string[]>>;
  /** Days the raw (sealed) webhook body is kept; default 30. */
  raw_retention_days?: number;
}

/** The URL to paste into the gateway: Rastro's own secret rides along for senders that cannot sign. */
export function webhookUrl(baseUrl: string, row: ConnectionRow, secrets: SecretBox): string {
  const gateway = getGateway(row.gateway);
  const path = `${baseUrl.replace(/\/+$/, '')}/api/v1/webhooks/${row.gateway}/${row.connection_id}`;
  if (gateway?.auth === 'hmac') return path;
  return `${path}?rst=${secrets.open(row.url_secret_sealed, row.tenant_id)}`;
}

export function connectionView(baseUrl: string, row: ConnectionRow, secrets: SecretBox) {
  const gateway = getGateway(row.gateway);
  return {
    id: row.connection_id,
    gateway: row.gateway,
    name: row.name,
    auth: gateway?.auth ?? 'unknown',
    webhook_url: webhookUrl(baseUrl, row, secrets),
    settings: row.settings as ConnectionSettings,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function checkGateway(id: string): void {
  if (!getGateway(id)) {
    throw new RastroError('validation_failed', `body.gateway: must be one of ${GATEWAY_IDS.join(', ')}`, [
      { field: 'body.gateway', problem: `must be one of ${GATEWAY_IDS.join(', ')}` },
    ]);
  }
}

export async function createConnection(
  db: Kysely<Database>,
  secrets: SecretBox,
  tenantId: string,
  input: { gateway: string; name: string; secret?: string; settings?: ConnectionSettings },
  actor: string,
): Promise<ConnectionRow> {
  checkGateway(input.gateway);
  const gateway = getGateway(input.gateway);
  if (gateway?.auth !== 'url_secret' && !input.secret) {
    throw new RastroError('validation_failed', 'body.secret: is required for this gateway', [
      { field: 'body.secret', problem: `is required for ${input.gateway} (its signing secret or token)` },
    ]);
  }
  const urlSecret = randomToken(24);
  return db.transaction().execute(async (trx) => {
    const id = newId();
    const row = await trx
      .insertInto('gateway_connections')
      .values({
        tenant_id: tenantId,
        connection_id: id,
        gateway: input.gateway,
        name: input.name,
        secret_sealed: secrets.seal(input.secret ?? '', tenantId),
        url_secret_hash: sha256Hex(urlSecret),
        url_secret_sealed: secrets.seal(urlSecret, tenantId),
        settings: JSON.stringify(input.settings ?? {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendLedger(trx, tenantId, {
      actor,
      entityType: 'gateway_connection',
      entityId: id,
      type: 'gateway_connection.created',
      data: { gateway: input.gateway, name: input.name, settings: input.settings ?? {} },
    });
    return row;
  });
}

export async function getConnection(db: Kysely<Database>, tenantId: string, id: string): Promise<ConnectionRow> {
  const row = await db
    .selectFrom('gateway_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connection_id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(`gateway connection ${id}`);
  return row;
}

export async function listConnections(db: Kysely<Database>, tenantId: string): Promise<ConnectionRow[]> {
  return db
    .selectFrom('gateway_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .execute();
}

/** Name/settings/secret change; `rotate_url_secret` issues a new URL secret (the old URL stops working). */
export async function updateConnection(
  db: Kysely<Database>,
  secrets: SecretBox,
  tenantId: string,
  id: string,
  patch: { name?: string; secret?: string; settings?: ConnectionSettings; rotate_url_secret?: boolean },
  actor: string,
): Promise<ConnectionRow> {
  await getConnection(db, tenantId, id);
  const urlSecret = patch.rotate_url_secret ? randomToken(24) : undefined;
  forget(id);
  const updated = await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('gateway_connections')
      .set({
        ...(patch.name ? { name: patch.name } : {}),
        ...(patch.secret ? { secret_sealed: secrets.seal(patch.secret, tenantId) } : {}),
        ...(patch.settings ? { settings: JSON.stringify(patch.settings) } : {}),
        ...(urlSecret
          ? { url_secret_hash: sha256Hex(urlSecret), url_secret_sealed: secrets.seal(urlSecret, tenantId) }
          : {}),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('connection_id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendLedger(trx, tenantId, {
      actor,
      entityType: 'gateway_connection',
      entityId: id,
      type: 'gateway_connection.updated',
      data: {
        name: patch.name,
        settings: patch.settings,
        secret_rotated: Boolean(patch.secret),
        url_secret_rotated: Boolean(urlSecret),
      },
    });
    return row;
  });
  forget(id); // again after commit: a concurrent webhook may have cached the old row meanwhile
  return updated;
}

export async function deleteConnection(db: Kysely<Database>, tenantId: string, id: string, actor: string) {
  forget(id);
  await db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom('gateway_connections')
      .where('tenant_id', '=', tenantId)
      .where('connection_id', '=', id)
      .returning('connection_id')
      .executeTakeFirst();
    if (!gone) throw notFound(`gateway connection ${id}`);
    await appendLedger(trx, tenantId, {
      actor,
      entityType: 'gateway_connection',
      entityId: id,
      type: 'gateway_connection.deleted',
    });
  });
  forget(id);
}

/**
 * Webhook receiving looks connections up on every request: they are cached briefly. A change made
 * through this process drops its entry at once; other processes see it within the TTL.
 */
const webhookCache = new LRUCache<string, ConnectionRow>({ max: 10_000, ttl: 5_000 });
const forget = (id: string) => void webhookCache.delete(id);

/** The connection a webhook URL names, whatever its tenant (the URL is the only credential we have yet). */
export async function findConnectionForWebhook(db: Kysely<Database>, gateway: string, id: string) {
  const cached = webhookCache.get(id);
  if (cached) return cached.gateway === gateway ? cached : undefined;
  const row = await db.selectFrom('gateway_connections').selectAll().where('connection_id', '=', id).executeTakeFirst();
  if (row) webhookCache.set(id, row);
  return row?.gateway === gateway ? row : undefined;
}
