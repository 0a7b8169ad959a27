import type { Generated } from 'kysely';
import type { Json } from './foundation.ts';

/** One tenant-hour of signal-quality counts for one destination (nil uuid: all events) and event name. */
export interface QualityHourlyTable {
  tenant_id: string;
  /** Start of the UTC hour in which the events were received (committed). */
  hour: Date;
  destination_id: string;
  event_name: string;
  /** Events (nil destination) or deliveries to this destination. */
  received: number;
  delivered: number;
  failed: number;
  dead: number;
  deduplicated: number;
  skipped: number;
  /** Still pending or processing when computed. */
  pending: number;
  /** Commit-to-delivered latency histogram (src/quality/latency.ts), first attempts only. */
  latency: Json<Record<string, number>>;
  /** Events per identifier mask (src/quality/emq.ts). */
  id_masks: Json<Record<string, number>>;
  /** Failed and dead deliveries per error message. */
  errors: Json<Record<string, number>>;
}

/**
 * A change to the counts of one tenant-hour, written by the statement that made it (ingest, a
 * delivery outcome, a replay, a skip) and folded into `quality_hourly` by the rollup worker.
 */
export interface QualityDeltasTable {
  tenant_id: string;
  hour: Date;
  destination_id: string;
  event_name: string;
  /** A final status adds `n` to its count; pending and null add nothing there. */
  status: string | null;
  /** Identifier mask of the `received` events or deliveries. */
  mask: number | null;
  /** Latency bucket of `n` first-attempt deliveries. */
  lat: number | null;
  /** Error of `n` failed or dead deliveries. */
  error: string | null;
  received: Generated<number>;
  n: Generated<number>;
}

/** The recomputation schedule of each tenant-hour. */
export interface QualityBucketsTable {
  tenant_id: string;
  hour: Date;
  /** When the bucket is next recomputed; null once it has settled. */
  next_check_at: Date | null;
  computed_at: Date | null;
  /** Deliveries still pending or processing at the last computation. */
  open_deliveries: Generated<number>;
  duration_ms: Generated<number>;
}

export interface QualityCursorsTable {
  tenant_id: string;
  /** Ledger entries up to this seq have been read for replays. */
  ledger_seq: number;
  created_at: Generated<Date>;
}

export interface QualityTables {
  quality_hourly: QualityHourlyTable;
  quality_buckets: QualityBucketsTable;
  quality_deltas: QualityDeltasTable;
  quality_cursors: QualityCursorsTable;
}
