import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { coverageOfHistogram, emqOfHistogram, mergeCounts, type CoverageKey } from './emq.ts';
import { percentiles, type LatencyPercentiles } from './latency.ts';
import { ALL_DESTINATIONS } from './fold.ts';
import { DAY_MS, floorDay, floorHour, HOUR_MS } from './time.ts';

export type Bucket = 'hour' | 'day';

export interface QualityQuery {
  destinationId?: string;
  eventName?: string;
  from: Date;
  to: Date;
  bucket: Bucket;
}

/** Counts and derived figures of one time bucket (or of the whole range). */
export interface QualityPoint {
  /** Events received (with a destination filter: deliveries to it). */
  received: number;
  /** Deliveries, across destinations unless filtered. */
  deliveries: number;
  delivered: number;
  failed: number;
  dead: number;
  deduplicated: number;
  skipped: number;
  pending: number;
  /** delivered ÷ (delivered + failed + dead): the share of finished sends the platform accepted. */
  delivery_rate: number | null;
  /** deduplicated ÷ deliveries. */
  dedup_rate: number | null;
  /** Commit-to-delivered, first attempts (replays excluded). */
  latency_ms: LatencyPercentiles | null;
  /** Mean EMQ estimate (0–10) of the events. */
  emq: number | null;
  /** Share (0–1) of events carrying each identifier. */
  coverage: Record<CoverageKey, number> | null;
}

interface Acc {
  received: number;
  deliveries: number;
  delivered: number;
  failed: number;
  dead: number;
  deduplicated: number;
  skipped: number;
  pending: number;
  latency: Record<string, number>;
  masks: Record<string, number>;
  errors: Record<string, number>;
}

const emptyAcc = (): Acc => ({
  received: 0,
  deliveries: 0,
  delivered: 0,
  failed: 0,
  dead: 0,
  deduplicated: 0,
  skipped: 0,
  pending: 0,
  latency: {},
  masks: {},
  errors: {},
});

const ratio = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10000) / 10000);

function toPoint(a: Acc): QualityPoint {
  return {
    received: a.received,
    deliveries: a.deliveries,
    delivered: a.delivered,
    failed: a.failed,
    dead: a.dead,
    deduplicated: a.deduplicated,
    skipped: a.skipped,
    pending: a.pending,
    delivery_rate: ratio(a.delivered, a.delivered + a.failed + a.dead),
    dedup_rate: ratio(a.deduplicated, a.deliveries),
    latency_ms: percentiles(a.latency),
    emq: emqOfHistogram(a.masks),
    coverage: coverageOfHistogram(a.masks),
  };
}

type HourlyRow = Awaited<ReturnType<typeof fetchRows>>[number];

async function fetchRows(db: Kysely<Database>, tenantId: string, q: QualityQuery) {
  let query = db
    .selectFrom('quality_hourly')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('hour', '>=', floorHour(q.from))
    .where('hour', '<', q.to);
  if (q.destinationId) query = query.where('destination_id', '=', q.destinationId);
  if (q.eventName) query = query.where('event_name', '=', q.eventName);
  return query.execute();
}

/**
 * Folds one rollup row into an accumulator. Without a destination filter the event-level row gives
 * received/identifiers and the destination rows give delivery figures; with one, its row gives both.
 */
function fold(acc: Acc, row: HourlyRow, byDestination: boolean): void {
  const eventLevel = row.destination_id === ALL_DESTINATIONS;
  if (eventLevel || byDestination) {
    acc.received += row.received;
    mergeCounts(acc.masks, row.id_masks);
  }
  if (eventLevel) return;
  acc.deliveries += row.received;
  acc.delivered += row.delivered;
  acc.failed += row.failed;
  acc.dead += row.dead;
  acc.deduplicated += row.deduplicated;
  acc.skipped += row.skipped;
  acc.pending += row.pending;
  mergeCounts(acc.latency, row.latency);
  mergeCounts(acc.errors, row.errors);
}

export const MAX_POINTS = { hour: 24 * 31, day: 400 } as const;

/** The signal-quality report of a tenant: totals, a zero-filled series, and breakdowns. */
export async function qualityReport(db: Kysely<Database>, tenantId: string, q: QualityQuery) {
  const step = q.bucket === 'hour' ? HOUR_MS : DAY_MS;
  const floor = q.bucket === 'hour' ? floorHour : floorDay;
  const first = floor(q.from).getTime();
  const rows = await fetchRows(db, tenantId, q);
  const byDestination = Boolean(q.destinationId);

  const buckets = new Map<number, Acc>();
  for (let t = first; t < q.to.getTime(); t += step) buckets.set(t, emptyAcc());
  const totals = emptyAcc();
  const perEvent = new Map<string, Acc>();
  const perDestination = new Map<string, Acc>();
  for (const row of rows) {
    const t = floor(row.hour).getTime();
    const acc = buckets.get(t);
    if (acc) fold(acc, row, byDestination);
    fold(totals, row, byDestination);
    const ev = perEvent.get(row.event_name) ?? emptyAcc();
    perEvent.set(row.event_name, ev);
    fold(ev, row, byDestination);
    if (row.destination_id !== ALL_DESTINATIONS) {
      const dest = perDestination.get(row.destination_id) ?? emptyAcc();
      perDestination.set(row.destination_id, dest);
      fold(dest, row, true);
    }
  }

  const destinationIds = [...perDestination.keys()];
  const names = destinationIds.length
    ? await db
        .selectFrom('destinations')
        .select(['destination_id', 'name', 'type'])
        .where('tenant_id', '=', tenantId)
        .where('destination_id', 'in', destinationIds)
        .execute()
    : [];
  const status = await db
    .selectFrom('quality_buckets')
    .select((eb) => [eb.fn.max('computed_at').as('computed_at'), eb.fn.countAll<number>().as('buckets')])
    .select((eb) => eb.fn.sum<number>(eb.case().when('computed_at', 'is', null).then(1).else(0).end()).as('waiting'))
    .where('tenant_id', '=', tenantId)
    .where('hour', '>=', floorHour(q.from))
    .where('hour', '<', q.to)
    .executeTakeFirst();

  return {
    bucket: q.bucket,
    from: new Date(first).toISOString(),
    to: q.to.toISOString(),
    destination_id: q.destinationId ?? null,
    event_name: q.eventName ?? null,
    totals: toPoint(totals),
    series: [...buckets.entries()].map(([t, acc]) => ({ t: new Date(t).toISOString(), ...toPoint(acc) })),
    event_names: [...perEvent.entries()]
      .map(([event_name, acc]) => ({ event_name, ...toPoint(acc) }))
      .sort((a, b) => b.received - a.received),
    destinations: destinationIds
      .map((id) => {
        const meta = names.find((n) => n.destination_id === id);
        return {
          destination_id: id,
          name: meta?.name ?? null,
          type: meta?.type ?? null,
          ...toPoint(perDestination.get(id) as Acc),
        };
      })
      .sort((a, b) => b.received - a.received),
    errors: Object.entries(totals.errors)
      .map(([message, count]) => ({ message, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 20),
    computed_at: status?.computed_at ? new Date(status.computed_at).toISOString() : null,
    /** Hours of the range the rollup has not computed yet (a backfill in progress). */
    backfilling: Number(status?.waiting ?? 0),
  };
}
