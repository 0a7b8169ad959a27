import type { Generated } from 'kysely';
import type { Json } from './foundation.ts';

export interface GatewayConnectionsTable {
  tenant_id: string;
  connection_id: string;
  gateway: string;
  name: string;
  /** The gateway's own secret (signing secret, hottok, token), sealed. */
  secret_sealed: string;
  /** SHA-256 of Rastro's own URL secret (`?rst=`), for senders that cannot sign. */
  url_secret_hash: string;
  /** Sealed URL secret, so the webhook URL can be shown again. */
  url_secret_sealed: string;
  settings: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type ReceiptStatus = 'received' | 'processed' | 'ignored' | 'ping' | 'failed';

export interface WebhookReceiptsTable {
  tenant_id: string;
  receipt_id: string;
  connection_id: string;
  gateway: string;
  received_at: Generated<Date>;
  status: ReceiptStatus;
  event_type: string | null;
  order_id: string | null;
  /** SHA-256 of the raw body: the same delivery twice is recognized and changes nothing. */
  body_sha256: string;
  /** Raw body, sealed (it holds buyer PII in clear); purged after the retention period. */
  body_sealed: string | null;
  /** The mapped conversion with buyer identifiers already hashed. */
  draft: Json<Record<string, unknown>> | null;
  error: string | null;
  processed_at: Date | null;
}

export interface ConversionsTable {
  tenant_id: string;
  conversion_id: string;
  gateway: string;
  connection_id: string;
  order_id: string;
  status: string;
  amount: number;
  currency: string;
  payment_method: string | null;
  is_test: boolean;
  /** Hashed buyer identifiers (HashedUser). */
  buyer: Json<Record<string, unknown>>;
  products: Json<unknown[]>;
  tracking: Json<Record<string, unknown>>;
  occurred_at: Date;
  approved_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Match result (matching capability): status, click/session, score, rule, evidence. */
  match: Json<Record<string, unknown>> | null;
  history: Json<{ at: string; status: string; event_type: string; applied: boolean; receipt_id: string }[]>;
}

export interface ConversionEmissionsTable {
  tenant_id: string;
  emission_id: string;
  conversion_id: string;
  event_name: string;
  event_id: string;
  /** Matching may wait for late click data until this time before the event is built. */
  not_before: Date;
  created_at: Generated<Date>;
  attempts: Generated<number>;
}

export interface ConversionTables {
  gateway_connections: GatewayConnectionsTable;
  webhook_receipts: WebhookReceiptsTable;
  conversions: ConversionsTable;
  conversion_emissions: ConversionEmissionsTable;
}
