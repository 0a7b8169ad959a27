import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { appendLedger } from '../ledger/ledger.ts';
import { FINAL_DELTA_COLUMNS, finalDeltas, hourSql } from '../quality/deltas.ts';

export interface ReplayFilter {
  eventRef?: string;
  eventId?: string;
  destinationId?: string;
  statuses: string[];
  eventName?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** Statuses a replay may revive. Consent-skipped deliveries are never replayed. */
export const REPLAYABLE = ['dead', 'failed', 'delivered', 'deduplicated'];

/**
 * Replay puts deliveries back in the queue with a fresh attempt budget. The event keeps its
 * event_id, so the platform still deduplicates against what it already has; the Rastro dedup
 * window is bypassed on purpose (an explicit replay is the exception to it).
 */
export async function replayDeliveries(
  db: Kysely<Database>,
  tenantId: string,
  filter: ReplayFilter,
  actor: string,
): Promise<number> {
  const statuses = filter.statuses.filter((s) => REPLAYABLE.includes(s));
  if (statuses.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const rows = await sql<{ delivery_id: string; hour: Date }>`
      with picked as (
        select ${FINAL_DELTA_COLUMNS}, d.event_ref, d.delivery_id from deliveries d
        join events e on e.tenant_id = d.tenant_id and e.id = d.event_ref
        where d.tenant_id = ${tenantId}
          and d.status in (${sql.join(statuses)})
          ${filter.eventRef ? sql`and d.event_ref = ${filter.eventRef}` : sql``}
          ${filter.eventId ? sql`and d.event_id = ${filter.eventId}` : sql``}
          ${filter.destinationId ? sql`and d.destination_id = ${filter.destinationId}` : sql``}
          ${filter.eventName ? sql`and d.event_name = ${filter.eventName}` : sql``}
          -- The time range is the event's arrival, as in the events list (GET /api/v1/events) a user
          -- picks the deliveries from; a delivery's created_at is reset by every replay.
          ${filter.from ? sql`and e.received_at >= ${filter.from}` : sql``}
          ${filter.to ? sql`and e.received_at < ${filter.to}` : sql``}
        order by e.received_at
        limit ${filter.limit}
        for update of d skip locked
      ), replayed as (
      update deliveries d
      set status = 'pending', attempts = 0, replays = d.replays + 1, next_attempt_at = now(),
          created_at = now(), last_error = null, updated_at = now()
      from picked
      where d.tenant_id = picked.tenant_id and d.event_ref = picked.event_ref and d.delivery_id = picked.delivery_id
      returning picked.*
    ), taken_back as (
      -- The quality rollup's counts of the statuses these deliveries leave (src/quality/deltas.ts).
      ${finalDeltas('replayed', -1)}
    )
    select delivery_id, ${sql.raw(hourSql('committed_at'))} as hour from replayed
    `.execute(trx);
    if (rows.rows.length > 0) {
      await appendLedger(trx, tenantId, {
        actor,
        entityType: filter.eventRef || filter.eventId ? 'event' : 'destination',
        entityId: filter.eventRef ?? filter.eventId ?? filter.destinationId ?? '*',
        type: 'delivery.replayed',
        data: {
          count: rows.rows.length,
          filter: { ...filter, from: filter.from?.toISOString(), to: filter.to?.toISOString() },
          delivery_ids: rows.rows.slice(0, 1000).map((r) => r.delivery_id),
          // The hours the quality rollup must recompute (src/quality/schedule.ts).
          hours: [...new Set(rows.rows.map((r) => new Date(r.hour).toISOString()))],
        },
      });
    }
    return rows.rows.length;
  });
}
