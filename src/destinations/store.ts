import { Value } from '@sinclair/typebox/value';
import { sql, type Kysely, type Selectable } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import { notFound, RastroError, validationFailed, type FieldProblem } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import type { DestinationsTable } from '../db/tables/delivery.ts';
import { skipAsOrphaned } from '../delivery/orphans.ts';
import { appendLedger } from '../ledger/ledger.ts';
import { getDestinationDefinition, destinationTypes } from './registry.ts';
import type { DestinationDefinition } from './types.ts';

/** A configured destination as the engine uses it: secrets opened, definition resolved. */
export interface ResolvedDestination {
  tenantId: string;
  id: string;
  type: string;
  name: string;
  definition: DestinationDefinition;
  config: Record<string, unknown>;
  enabled: boolean;
  status: 'active' | 'paused';
  ratePerSecond: number;
  batchSize: number;
}

type Row = Selectable<DestinationsTable>;

function definitionOf(type: string): DestinationDefinition {
  const definition = getDestinationDefinition(type);
  if (!definition) {
    throw new RastroError(
      'validation_failed',
      `type: unknown destination type; use one of ${destinationTypes().join(', ')}`,
      [{ field: 'body.type', problem: `must be one of ${destinationTypes().join(', ')}` }],
    );
  }
  return definition;
}

/**
 * The config's problems, one per field, in words a person acts on: a setting's `errorMessage` (in
 * its schema) rather than TypeBox's "Expected string to match '^[0-9]{5,20}$'", and a missing
 * setting as "is required" (TypeBox also reports it as "Expected string").
 */
function checkConfig(definition: DestinationDefinition, config: Record<string, unknown>): void {
  const byField = new Map<string, string>();
  for (const e of Value.Errors(definition.configSchema, config)) {
    const field = `body.config${e.path.replace(/\//g, '.')}`;
    if (byField.has(field)) continue;
    const missing = e.value === undefined;
    const human = (e.schema as { errorMessage?: string }).errorMessage;
    byField.set(field, missing ? 'is required' : (human ?? e.message));
  }
  const problems: FieldProblem[] = [...byField].map(([field, problem]) => ({ field, problem }));
  if (problems.length > 0) {
    throw validationFailed(problems);
  }
}

const withoutNulls = (config: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null));

function split(definition: DestinationDefinition, config: Record<string, unknown>) {
  const open: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) (definition.secretFields.includes(k) ? secret : open)[k] = v;
  return { open, secret };
}

export function resolve(row: Row, secrets: SecretBox): ResolvedDestination {
  const definition = definitionOf(row.type);
  const secret = row.secrets_sealed ? JSON.parse(secrets.open(row.secrets_sealed, row.tenant_id)) : {};
  return {
    tenantId: row.tenant_id,
    id: row.destination_id,
    type: row.type,
    name: row.name,
    definition,
    config: { ...(row.config as Record<string, unknown>), ...secret },
    enabled: row.enabled,
    status: row.status,
    ratePerSecond: row.rate_per_second ?? definition.limits.defaultRatePerSecond,
    batchSize: Math.min(row.batch_size ?? definition.limits.maxBatch, definition.limits.maxBatch),
  };
}

/** The API view: secrets shown only as "set" with their last 4 characters. */
export function publicView(row: Row, secrets: SecretBox) {
  const definition = definitionOf(row.type);
  const secret = row.secrets_sealed
    ? (JSON.parse(secrets.open(row.secrets_sealed, row.tenant_id)) as Record<string, unknown>)
    : {};
  const masked = Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, `****${String(v).slice(-4)}`]));
  return {
    id: row.destination_id,
    type: row.type,
    name: row.name,
    config: { ...(row.config as Record<string, unknown>), ...masked },
    enabled: row.enabled,
    status: row.status,
    status_reason: row.status_reason,
    rate_per_second: row.rate_per_second ?? definition.limits.defaultRatePerSecond,
    batch_size: row.batch_size ?? definition.limits.maxBatch,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export interface DestinationInput {
  type: string;
  name: string;
  config: Record<string, unknown>;
  enabled?: boolean;
  rate_per_second?: number;
  batch_size?: number;
}

export async function createDestination(
  db: Kysely<Database>,
  secrets: SecretBox,
  tenantId: string,
  input: DestinationInput,
  actor: string,
): Promise<Row> {
  const definition = definitionOf(input.type);
  checkConfig(definition, input.config);
  const { open, secret } = split(definition, input.config);
  return db
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .insertInto('destinations')
        .values({
          tenant_id: tenantId,
          destination_id: newId(),
          type: input.type,
          name: input.name,
          config: JSON.stringify(open),
          secrets_sealed: Object.keys(secret).length ? secrets.seal(JSON.stringify(secret), tenantId) : null,
          enabled: input.enabled ?? true,
          status: 'active',
          status_reason: null,
          rate_per_second: input.rate_per_second ?? null,
          batch_size: input.batch_size ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendLedger(trx, tenantId, {
        actor,
        entityType: 'destination',
        entityId: row.destination_id,
        type: 'destination.created',
        data: { type: input.type, name: input.name, config: open, enabled: row.enabled },
      });
      return row;
    })
    .finally(() => forgetDestinations(tenantId));
}

export async function getDestinationRow(db: Kysely<Database>, tenantId: string, id: string): Promise<Row> {
  const row = await db
    .selectFrom('destinations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('destination_id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(`destination ${id}`);
  return row;
}

export async function listDestinationRows(db: Kysely<Database>, tenantId: string): Promise<Row[]> {
  return db.selectFrom('destinations').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
}

/** Partial update; `config` merges over the current one (so a token can be rotated alone). Re-activates a paused destination. */
export async function updateDestination(
  db: Kysely<Database>,
  secrets: SecretBox,
  tenantId: string,
  id: string,
  patch: Partial<Omit<DestinationInput, 'type'>>,
  actor: string,
): Promise<Row> {
  const current = await getDestinationRow(db, tenantId, id);
  const resolved = resolve(current, secrets);
  // `config` merges over the current settings; a setting given as null is removed (a test event code
  // that was set only to check the setup must be removable, or every later event stays a test).
  const config = patch.config ? withoutNulls({ ...resolved.config, ...patch.config }) : resolved.config;
  checkConfig(resolved.definition, config);
  const { open, secret } = split(resolved.definition, config);
  return db
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .updateTable('destinations')
        .set({
          name: patch.name ?? current.name,
          config: JSON.stringify(open),
          secrets_sealed: Object.keys(secret).length ? secrets.seal(JSON.stringify(secret), tenantId) : null,
          enabled: patch.enabled ?? current.enabled,
          rate_per_second: patch.rate_per_second ?? current.rate_per_second,
          batch_size: patch.batch_size ?? current.batch_size,
          status: 'active',
          status_reason: null,
          updated_at: new Date(),
        })
        .where('tenant_id', '=', tenantId)
        .where('destination_id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendLedger(trx, tenantId, {
        actor,
        entityType: 'destination',
        entityId: id,
        type: 'destination.updated',
        data: {
          name: row.name,
          config: open,
          enabled: row.enabled,
          secrets_changed: Object.keys(patch.config ?? {}).filter((k) => resolved.definition.secretFields.includes(k)),
          reactivated: current.status === 'paused',
        },
      });
      return row;
    })
    .finally(() => forgetDestinations(tenantId));
}

export async function deleteDestination(db: Kysely<Database>, tenantId: string, id: string, actor: string) {
  await db
    .transaction()
    .execute(async (trx) => {
      const gone = await trx
        .deleteFrom('destinations')
        .where('tenant_id', '=', tenantId)
        .where('destination_id', '=', id)
        .returning('destination_id')
        .executeTakeFirst();
      if (!gone) throw notFound(`destination ${id}`);
      // Undelivered work for a removed destination can never be sent: record it as skipped, visibly.
      await skipAsOrphaned(
        trx,
        sql`d.tenant_id = ${tenantId} and d.destination_id = ${id} and d.status in ('pending', 'processing')`,
      );
      await appendLedger(trx, tenantId, {
        actor,
        entityType: 'destination',
        entityId: id,
        type: 'destination.deleted',
      });
    })
    .finally(() => forgetDestinations(tenantId));
}

/** Pauses a destination whose credentials the platform refused (token expired, permission lost). */
export async function pauseDestination(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  reason: string,
): Promise<void> {
  await db
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .updateTable('destinations')
        .set({ status: 'paused', status_reason: reason, updated_at: new Date() })
        .where('tenant_id', '=', tenantId)
        .where('destination_id', '=', id)
        .where('status', '=', 'active')
        .returning('destination_id')
        .executeTakeFirst();
      if (row) {
        await appendLedger(trx, tenantId, {
          actor: 'worker',
          entityType: 'destination',
          entityId: id,
          type: 'destination.paused',
          data: { reason },
        });
      }
    })
    .finally(() => forgetDestinations(tenantId));
}

/** Every enabled, active destination across tenants (the worker's view). */
export async function activeDestinations(db: Kysely<Database>, secrets: SecretBox): Promise<ResolvedDestination[]> {
  const rows = await db
    .selectFrom('destinations')
    .selectAll()
    .where('enabled', '=', true)
    .where('status', '=', 'active')
    .execute();
  return rows.map((r) => resolve(r, secrets));
}

/** The enabled destinations of one tenant (the ingest path's view: paused ones still queue work). */
export async function enabledDestinations(db: Kysely<Database>, secrets: SecretBox, tenantId: string) {
  const rows = await db
    .selectFrom('destinations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('enabled', '=', true)
    .execute();
  return rows.map((r) => resolve(r, secrets));
}

/**
 * The ingest path reads a tenant's destinations for every group it commits: they are cached
 * briefly. A change made through this process drops the entry at once; other processes see it
 * within the TTL, and the outbox statement itself skips a destination deleted or disabled meanwhile.
 */
const enabledCache = new LRUCache<string, ResolvedDestination[]>({ max: 10_000, ttl: 1_000 });
const forgetDestinations = (tenantId: string) => void enabledCache.delete(tenantId);

/** `enabledDestinations`, cached for up to a second (see above); for the accept paths. */
export async function enabledDestinationsCached(db: Kysely<Database>, secrets: SecretBox, tenantId: string) {
  const cached = enabledCache.get(tenantId);
  if (cached) return cached;
  const fresh = await enabledDestinations(db, secrets, tenantId);
  enabledCache.set(tenantId, fresh);
  return fresh;
}
