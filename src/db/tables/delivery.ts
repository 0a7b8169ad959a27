import type { ColumnType, Generated } from 'kysely';
import type { Json } from './foundation.ts';

export interface EventsTable {
  tenant_id: string;
  /** Rastro's own id (UUIDv7, time-ordered). */
  id: string;
  /** The id shared with the browser pixel and platforms; stable across retries and replays. */
  event_id: string;
  event_name: string;
  event_time: Date;
  received_at: Generated<Date>;
  /** Where it came from: `api`, `track`, `webhook:<gateway>`, `link`. */
  source: string;
  /** The canonical event (identifiers hashed). */
  payload: Json<Record<string, unknown>>;
  session_id: string | null;
  consent_ads: boolean;
  is_test: boolean;
  /** Identifier mask (src/quality/emq.ts), set at ingest; null on older rows: derive from the payload. */
  id_mask: ColumnType<number | null, number | null | undefined, number | null>;
}

export type DestinationStatus = 'active' | 'paused';

export interface DestinationsTable {
  tenant_id: string;
  destination_id: string;
  type: string;
  name: string;
  /** Non-secret settings. */
  config: Json<Record<string, unknown>>;
  /** Secret settings (access tokens), sealed with AES-256-GCM. */
  secrets_sealed: string | null;
  enabled: boolean;
  status: DestinationStatus;
  status_reason: string | null;
  /** Token-bucket rate in events/s; null means the destination type's default. */
  rate_per_second: number | null;
  batch_size: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type DeliveryStatus = 'pending' | 'processing' | 'delivered' | 'failed' | 'dead' | 'deduplicated' | 'skipped';

/**
 * One attempt in a delivery's log. An attempt made in a batch request stores only the batch id, its
 * position in the batch and the status it led to: the answer (time, outcome, HTTP status, message,
 * trace id, duration) is in `delivery_batches`, once per batch. Attempts without a batch (the event
 * failed local validation) and rows written before that change carry the whole record.
 */
export interface AttemptRecord {
  batch_id: string | null;
  /** Position of the delivery's payload in its batch's `payloads`. */
  batch_index?: number;
  status?: string;
  at?: string;
  outcome?: string;
  http_status?: number | null;
  message?: string;
  trace_id?: string;
  duration_ms?: number;
}

export interface DeliveriesTable {
  tenant_id: string;
  delivery_id: string;
  event_ref: string;
  destination_id: string;
  event_id: string;
  event_name: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Date;
  claimed_until: Date | null;
  claimed_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** When the event was committed; commit-to-delivered latency is measured from here. */
  committed_at: Date;
  delivered_at: Date | null;
  last_error: string | null;
  /**
   * The exact payload last sent, identifiers hashed, for destinations that do not report what they
   * sent per batch (`SendResult.sent`); otherwise null and the payload is in the batch's `payloads`.
   */
  payload: Json<Record<string, unknown>> | null;
  attempt_log: Json<AttemptRecord[]>;
  replays: Generated<number>;
  /** EMQ-like 0–10 estimate of the identifiers the delivered event carried. */
  match_quality: number | null;
}

export interface DeliveryBatchesTable {
  tenant_id: string;
  batch_id: string;
  destination_id: string;
  started_at: Date;
  duration_ms: number;
  size: number;
  outcome: string;
  http_status: number | null;
  trace_id: string | null;
  platform_code: string | null;
  message: string;
  response: Json<unknown> | null;
  /** JSON array text of the events' payloads exactly as sent, in batch order (null: not reported). */
  payloads: string | null;
}

export interface DedupKeysTable {
  tenant_id: string;
  destination_id: string;
  /** `<event_name>:<event_id>` */
  dedup_key: string;
  delivery_id: string;
  created_at: Date;
}

export interface DeliveryTables {
  events: EventsTable;
  destinations: DestinationsTable;
  deliveries: DeliveriesTable;
  delivery_batches: DeliveryBatchesTable;
  dedup_keys: DedupKeysTable;
}
