import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { errorOfSql, latencyOfSql } from './deltas.ts';
import { bitOf, IDENTIFIERS, type Identifier } from './emq.ts';
import { ALL_DESTINATIONS, HourFold, type CountGroup } from './fold.ts';
import { HOUR_MS, uuidV7Floor } from './time.ts';

/** Ids are minted next to `received_at`; the id range is widened by this much and then cut exactly. */
const ID_SLACK_MS = 5 * 60_000;

/** SQL truth of "the event carries this key", mirroring `identifiersOf()` in emq.ts. */
function presentSql(id: Identifier): string {
  const path =
    id === 'fbc' || id === 'fbp'
      ? `e.payload #> '{click_ids,${id}}'`
      : id === 'client_ip' || id === 'user_agent'
        ? `e.payload -> '${id}'`
        : `e.payload #> '{user,${id}}'`;
  return (
    `(case json_typeof(${path}) when 'array' then json_array_length(${path}) > 0 ` +
    `when 'string' then (${path} #>> '{}') <> '' when 'null' then false else ${path} is not null end)`
  );
}

/** The identifier mask of an event row aliased `e` (bits in the order of IDENTIFIERS), from its payload. */
export const MASK_SQL = `(${IDENTIFIERS.map((id) => `(case when ${presentSql(id)} then ${bitOf(id)} else 0 end)`).join(' | ')})`;

/** The mask stored at ingest, derived from the payload only for rows older than that column. */
const EVENT_MASK_SQL = `coalesce(e.id_mask, ${MASK_SQL})`;

export interface BucketResult {
  rows: number;
  events: number;
  openDeliveries: number;
}

/**
 * Runs `work` holding the tenant-hour's lock, in a transaction whose snapshot is taken after the lock
 * is granted (a session lock on the connection first; a transaction-level lock would be requested by
 * a statement whose snapshot predates the wait). Recomputations and folds of one hour take turns.
 */
async function withHourLock<T>(
  db: Kysely<Database>,
  tenantId: string,
  hour: Date,
  isolation: 'read committed' | 'repeatable read',
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const key = sql`hashtext('quality_hourly'), hashtext(${`${tenantId}|${hour.getTime()}`})`;
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${key})`.execute(conn);
    let failed = false;
    try {
      return await conn.transaction().setIsolationLevel(isolation).execute(work);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // An unlock that fails after the work failed must not hide why the work failed.
      await sql`select pg_advisory_unlock(${key})`.execute(conn).catch((unlockError: unknown) => {
        if (!failed) throw unlockError;
      });
    }
  });
}

/** Replaces the hour's rows with the fold's; returns what the computation found. */
async function replaceRows(trx: Kysely<Database>, fold: HourFold): Promise<BucketResult> {
  const values = fold.values();
  await trx.deleteFrom('quality_hourly').where('tenant_id', '=', fold.tenantId).where('hour', '=', fold.hour).execute();
  for (let i = 0; i < values.length; i += 500) {
    await trx
      .insertInto('quality_hourly')
      .values(values.slice(i, i + 500))
      .execute();
  }
  const openDeliveries = values.reduce((n, row) => n + (row.pending ?? 0), 0);
  return { rows: values.length, events: fold.events, openDeliveries };
}

/**
 * Recomputes one tenant-hour from its events and their deliveries and replaces its rollup rows, for
 * hours whose changes were not all recorded as deltas (history from before migration 0014, the demo's
 * generated history, a replay) and once after each hour closes, as a reconciliation. Reads only that
 * hour: events by primary-key range (UUIDv7 ids), deliveries by `(tenant_id, event_ref)`.
 *
 * One snapshot (repeatable read) serves the reads and the removal of the hour's deltas: a delta is
 * committed with the change it counts, so the deltas visible to the snapshot are exactly the changes
 * the reads saw, and those committed after it stay for the next fold.
 */
export async function computeBucket(db: Kysely<Database>, tenantId: string, hour: Date): Promise<BucketResult> {
  const start = hour.getTime();
  const end = start + HOUR_MS;
  const inHour = (alias: string): RawBuilder<unknown> => sql`
    ${sql.ref(`${alias}.tenant_id`)} = ${tenantId}
    and ${sql.ref(`${alias}.id`)} >= ${uuidV7Floor(start - ID_SLACK_MS)}::uuid
    and ${sql.ref(`${alias}.id`)} < ${uuidV7Floor(end + ID_SLACK_MS)}::uuid
    and ${sql.ref(`${alias}.received_at`)} >= ${new Date(start)}
    and ${sql.ref(`${alias}.received_at`)} < ${new Date(end)}`;

  return withHourLock(db, tenantId, hour, 'repeatable read', async (trx) => {
    const events = await sql<CountGroup>`
      select ${ALL_DESTINATIONS}::uuid as destination_id, e.event_name, null as status, ${sql.raw(EVENT_MASK_SQL)} as mask,
        null::int as lat, null as error, count(*)::int as received, 0 as n
      from events e where ${inHour('e')}
      group by 2, 4`.execute(trx);
    // Failed and dead deliveries carry their error in the same pass (a third query joining the hour's
    // events to their deliveries again cost as much as this one, to find the few that failed).
    const deliveries = await sql<CountGroup>`
      select d.destination_id, e.event_name, d.status, ${sql.raw(EVENT_MASK_SQL)} as mask,
        ${sql.raw(latencyOfSql('d'))} as lat, ${sql.raw(errorOfSql('d'))} as error,
        count(*)::int as received, count(*)::int as n
      from events e
      join deliveries d on d.tenant_id = e.tenant_id and d.event_ref = e.id
      where ${inHour('e')}
      group by 1, 2, 3, 4, 5, 6`.execute(trx);
    const fold = new HourFold(tenantId, hour);
    for (const g of events.rows) fold.add(g);
    for (const g of deliveries.rows) fold.add(g);
    await trx.deleteFrom('quality_deltas').where('tenant_id', '=', tenantId).where('hour', '=', hour).execute();
    return replaceRows(trx, fold);
  });
}

/**
 * Folds the waiting deltas of one tenant-hour into its rows. Returns the result, or null when another
 * worker folded them first.
 */
export async function foldDeltas(db: Kysely<Database>, tenantId: string, hour: Date): Promise<BucketResult | null> {
  return withHourLock(db, tenantId, hour, 'read committed', async (trx) => {
    const deltas = await sql<CountGroup>`
      with gone as (delete from quality_deltas where tenant_id = ${tenantId} and hour = ${hour} returning *)
      select destination_id, event_name, status, mask, lat, error, sum(received)::int as received, sum(n)::int as n
      from gone group by 1, 2, 3, 4, 5, 6`.execute(trx);
    if (deltas.rows.length === 0) return null;
    const fold = new HourFold(tenantId, hour);
    const stored = await trx
      .selectFrom('quality_hourly')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('hour', '=', hour)
      .execute();
    for (const row of stored) fold.addStored(row);
    for (const g of deltas.rows) fold.add(g);
    return replaceRows(trx, fold);
  });
}
