import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { floorHour, HOUR_MS } from './time.ts';

/**
 * Which tenant-hours to recompute in full, kept in `quality_buckets.next_check_at`. Deltas keep every
 * hour current as it changes (`deltas.ts`); a full recomputation is for what they do not cover:
 * - closed hours: each hour is recomputed once, SETTLE_MS after it ends, as a reconciliation (the
 *   first fold of an hour schedules it);
 * - replayed hours: the ledger records every replay (`delivery.replayed`, with the hours of its
 *   deliveries); their deltas already took the old statuses back, and the hours are recomputed too;
 * - backfill: a tenant seen for the first time gets every hour since its first event that predates
 *   the deltas (migration 0014);
 * - hours marked due by the demo's generated history.
 * Everything else has settled (next_check_at null).
 */
export const SETTLE_MS = 2 * 60_000;
/** A claimed bucket is retried by any worker after this if its computation never finished. */
const CLAIM_LEASE_MS = 5 * 60_000;

/** The reconciliation time of an hour, or null once it has passed. */
export function nextCheck(hour: Date, now: Date): Date | null {
  const at = hour.getTime() + HOUR_MS + SETTLE_MS;
  return at > now.getTime() ? new Date(at) : null;
}

/**
 * Records a fold of an hour's deltas on its bucket, creating the bucket (with its reconciliation
 * scheduled) the first time.
 */
export async function noteFolded(
  db: Kysely<Database>,
  bucket: { tenant_id: string; hour: Date },
  openDeliveries: number,
  now = new Date(),
): Promise<void> {
  await db
    .insertInto('quality_buckets')
    .values({
      tenant_id: bucket.tenant_id,
      hour: bucket.hour,
      next_check_at: nextCheck(bucket.hour, now),
      computed_at: now,
      open_deliveries: openDeliveries,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'hour']).doUpdateSet({ computed_at: now, open_deliveries: openDeliveries }),
    )
    .execute();
}

/** Marks `hours` of a tenant due now (creating their bucket rows when missing). */
export async function markDue(db: Kysely<Database>, tenantId: string, hours: Date[]): Promise<void> {
  if (hours.length === 0) return;
  const now = new Date();
  await db
    .insertInto('quality_buckets')
    .values(hours.map((hour) => ({ tenant_id: tenantId, hour, next_check_at: now })))
    .onConflict((oc) => oc.columns(['tenant_id', 'hour']).doUpdateSet({ next_check_at: now }))
    .execute();
}

/** When this database started recording deltas (migration 0014 applied); null before. */
async function deltasSince(db: Kysely<Database>): Promise<Date | null> {
  const row = await sql<{ timestamp: string }>`
    select timestamp from kysely_migration where name = '0014_quality_deltas'`.execute(db);
  const at = row.rows[0]?.timestamp;
  return at ? new Date(at) : null;
}

/**
 * Tenants the rollup has not seen: remember the ledger position (replays before it are part of the
 * backfill) and schedule every hour from the tenant's first event to the start of the deltas, newest
 * first. A tenant whose events all came after that has nothing to backfill.
 */
export async function backfillNewTenants(db: Kysely<Database>, now = new Date()): Promise<number> {
  const fresh = await sql<{ tenant_id: string; seq: number | null }>`
    select t.tenant_id, h.seq from tenants t
    left join ledger_heads h on h.tenant_id = t.tenant_id
    where not exists (select 1 from quality_cursors c where c.tenant_id = t.tenant_id)
    limit 100`.execute(db);
  for (const t of fresh.rows) {
    await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('quality_cursors')
        .values({ tenant_id: t.tenant_id, ledger_seq: t.seq ?? 0 })
        .onConflict((oc) => oc.column('tenant_id').doNothing())
        .returning('tenant_id')
        .execute();
      if (inserted.length === 0) return; // another worker got there first
      const first = await trx
        .selectFrom('events')
        .select('received_at')
        .where('tenant_id', '=', t.tenant_id)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      const until = (await deltasSince(trx)) ?? now;
      if (!first || first.received_at > until) return;
      await sql`
        insert into quality_buckets (tenant_id, hour, next_check_at)
        select ${t.tenant_id}::uuid, g,
          ${now}::timestamptz - (extract(epoch from g - ${floorHour(first.received_at)}::timestamptz) * interval '1 millisecond')
        from generate_series(${floorHour(first.received_at)}::timestamptz, ${floorHour(until < now ? until : now)}::timestamptz,
          interval '1 hour') g
        on conflict (tenant_id, hour) do nothing`.execute(trx);
    });
  }
  return fresh.rows.length;
}

/** Reopens the hours of deliveries replayed since each tenant's cursor, then advances it. */
export async function reopenReplayedHours(db: Kysely<Database>): Promise<number> {
  const behind = await sql<{ tenant_id: string; from_seq: number; to_seq: number }>`
    select c.tenant_id, c.ledger_seq as from_seq, h.seq as to_seq
    from quality_cursors c join ledger_heads h on h.tenant_id = c.tenant_id
    where h.seq > c.ledger_seq`.execute(db);
  let reopened = 0;
  for (const t of behind.rows) {
    const replays = await db
      .selectFrom('ledger_entries')
      .select(['at', 'data'])
      .where('tenant_id', '=', t.tenant_id)
      .where('type', '=', 'delivery.replayed')
      .where('seq', '>', t.from_seq)
      .where('seq', '<=', t.to_seq)
      .execute();
    const hours = new Map<number, Date>();
    for (const entry of replays) {
      const data = entry.data as { count?: number; delivery_ids?: string[]; hours?: string[] };
      if (data.hours) {
        for (const h of data.hours) hours.set(new Date(h).getTime(), new Date(h));
        continue;
      }
      // Entries written before replays recorded their hours: look the deliveries up.
      const ids = data.delivery_ids ?? [];
      const rows =
        ids.length > 0 && (data.count ?? ids.length) <= ids.length
          ? await sql<{ hour: Date }>`
              select distinct date_trunc('hour', committed_at) as hour from deliveries
              where tenant_id = ${t.tenant_id} and delivery_id in (${sql.join(ids.map((id) => sql`${id}::uuid`))})`.execute(
              db,
            )
          : // The entry lists the first 1000 ids only: find the rest by their replay time.
            await sql<{ hour: Date }>`
              select distinct date_trunc('hour', committed_at) as hour from deliveries
              where tenant_id = ${t.tenant_id} and replays > 0
                and updated_at >= ${new Date(entry.at.getTime() - 60_000)}`.execute(db);
      for (const r of rows.rows) hours.set(new Date(r.hour).getTime(), new Date(r.hour));
    }
    await markDue(db, t.tenant_id, [...hours.values()]);
    await db
      .updateTable('quality_cursors')
      .set({ ledger_seq: t.to_seq })
      .where('tenant_id', '=', t.tenant_id)
      .where('ledger_seq', '=', t.from_seq)
      .execute();
    reopened += hours.size;
  }
  return reopened;
}

/** Leases up to `limit` due buckets to this worker (others skip them), oldest schedule first. */
export async function claimDueBuckets(
  db: Kysely<Database>,
  limit: number,
  now = new Date(),
): Promise<{ tenant_id: string; hour: Date }[]> {
  const rows = await sql<{ tenant_id: string; hour: Date }>`
    update quality_buckets b set next_check_at = ${new Date(now.getTime() + CLAIM_LEASE_MS)}
    from (
      select tenant_id, hour from quality_buckets
      where next_check_at is not null and next_check_at <= ${now}
      order by next_check_at
      limit ${limit}
      for update skip locked
    ) due
    where b.tenant_id = due.tenant_id and b.hour = due.hour
    returning b.tenant_id, b.hour`.execute(db);
  return rows.rows.map((r) => ({ tenant_id: r.tenant_id, hour: new Date(r.hour) }));
}

/** Records a computation and schedules the next one, unless the bucket was marked due meanwhile. */
export async function finishBucket(
  db: Kysely<Database>,
  bucket: { tenant_id: string; hour: Date },
  claimedUntil: Date,
  result: { openDeliveries: number; durationMs: number },
  now = new Date(),
): Promise<void> {
  const next = nextCheck(bucket.hour, now);
  await db
    .updateTable('quality_buckets')
    .set({
      computed_at: now,
      open_deliveries: result.openDeliveries,
      duration_ms: Math.round(result.durationMs),
      // A replay or discovery that marked it due while we computed wins (its time is before our lease end).
      next_check_at: sql`case when next_check_at is not null and next_check_at < ${claimedUntil}
        then next_check_at else ${next}::timestamptz end`,
    })
    .where('tenant_id', '=', bucket.tenant_id)
    .where('hour', '=', bucket.hour)
    .execute();
}

export { CLAIM_LEASE_MS };
