import type { Insertable, Selectable } from 'kysely';
import type { QualityDeltasTable, QualityHourlyTable } from '../db/tables/quality.ts';
import { FINAL_STATUSES, type FinalStatus } from './deltas.ts';

/** The destination id of event-level rows (each event once, whatever its deliveries). */
export const ALL_DESTINATIONS = '00000000-0000-0000-0000-000000000000';

/**
 * One group of counts: from a recomputation (events or deliveries of the hour, grouped) or from
 * `quality_deltas` (whose columns say what each field means).
 */
export type CountGroup = Omit<Selectable<QualityDeltasTable>, 'tenant_id' | 'hour'>;

type Counts = Record<FinalStatus, number> & {
  received: number;
  latency: Record<string, number>;
  id_masks: Record<string, number>;
  errors: Record<string, number>;
};

const isFinal = (status: string | null): status is FinalStatus =>
  status !== null && (FINAL_STATUSES as readonly string[]).includes(status);

/** Adds n to a histogram entry; an entry back at 0 is removed, as a recomputation would not have it. */
function add(map: Record<string, number>, key: string | number, n: number): void {
  const v = (map[key] ?? 0) + n;
  if (v === 0) delete map[key];
  else map[key] = v;
}

/** Trims the variable parts (ids, trace ids, numbers) of an error so equal causes count together. */
export function errorKey(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '…')
    .replace(/\b[A-Za-z0-9_-]*\d[A-Za-z0-9_-]{15,}\b/g, '…')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

/**
 * The rows of one tenant-hour of `quality_hourly`, built by adding groups of counts to what is already
 * there (nothing, for a recomputation). Pending is what was received and has no final status yet.
 */
export class HourFold {
  private readonly rows = new Map<string, Counts>();

  constructor(
    readonly tenantId: string,
    readonly hour: Date,
  ) {}

  private row(destinationId: string, eventName: string): Counts {
    const key = `${destinationId}|${eventName}`;
    let r = this.rows.get(key);
    if (!r) {
      r = {
        received: 0,
        delivered: 0,
        failed: 0,
        dead: 0,
        deduplicated: 0,
        skipped: 0,
        latency: {},
        id_masks: {},
        errors: {},
      };
      this.rows.set(key, r);
    }
    return r;
  }

  /** Starts from a stored row. */
  addStored(s: Selectable<QualityHourlyTable>): void {
    const r = this.row(s.destination_id, s.event_name);
    r.received += s.received;
    for (const status of FINAL_STATUSES) r[status] += s[status];
    for (const [k, v] of Object.entries(s.latency)) add(r.latency, k, v);
    for (const [k, v] of Object.entries(s.id_masks)) add(r.id_masks, k, v);
    for (const [k, v] of Object.entries(s.errors)) add(r.errors, k, v);
  }

  add(g: CountGroup): void {
    const r = this.row(g.destination_id, g.event_name);
    if (g.received !== 0) {
      r.received += g.received;
      if (g.mask !== null) add(r.id_masks, g.mask, g.received);
    }
    if (isFinal(g.status)) r[g.status] += g.n;
    if (g.lat !== null) add(r.latency, g.lat, g.n);
    if (g.error !== null) add(r.errors, errorKey(g.error) || 'unknown', g.n);
  }

  /** Events counted (the event-level rows). */
  get events(): number {
    let n = 0;
    for (const [key, r] of this.rows) if (key.startsWith(`${ALL_DESTINATIONS}|`)) n += r.received;
    return n;
  }

  /** The rows to store; groups that add up to nothing are left out. */
  values(): Insertable<QualityHourlyTable>[] {
    const out: Insertable<QualityHourlyTable>[] = [];
    for (const [key, r] of this.rows) {
      const cut = key.indexOf('|');
      const destinationId = key.slice(0, cut);
      const finals = FINAL_STATUSES.reduce((s, status) => s + r[status], 0);
      const pending = destinationId === ALL_DESTINATIONS ? 0 : r.received - finals;
      const empty =
        r.received === 0 &&
        finals === 0 &&
        Object.keys(r.latency).length + Object.keys(r.id_masks).length + Object.keys(r.errors).length === 0;
      if (empty) continue;
      out.push({
        tenant_id: this.tenantId,
        hour: this.hour,
        destination_id: destinationId,
        event_name: key.slice(cut + 1),
        received: r.received,
        delivered: r.delivered,
        failed: r.failed,
        dead: r.dead,
        deduplicated: r.deduplicated,
        skipped: r.skipped,
        pending,
        latency: JSON.stringify(r.latency),
        id_masks: JSON.stringify(r.id_masks),
        errors: JSON.stringify(r.errors),
      });
    }
    return out;
  }
}
