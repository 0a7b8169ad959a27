import type { ColumnType, Generated } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export interface TenantsTable {
  tenant_id: string;
  name: string;
  settings: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export type KeyScope = 'admin' | 'ingest';

export interface ApiKeysTable {
  tenant_id: string;
  key_id: string;
  scope: KeyScope;
  name: string;
  /** First characters of the key, safe to show (e.g. `rst_admin_3fZk`). */
  prefix: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  key_hash: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

export interface LedgerEntriesTable {
  tenant_id: string;
  seq: number;
  entry_id: string;
  at: Date;
  actor: string;
  entity_type: string;
  entity_id: string;
  type: string;
  data: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface LedgerHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
}

export interface RejectedRequestsTable {
  tenant_id: string;
  rejection_id: string;
  at: Generated<Date>;
  source: string;
  method: string;
  url: string;
  code: string;
  message: string;
  details: Json<unknown> | null;
  /** Request body sealed with the tenant's secret box: it may carry PII in clear. */
  body_sealed: string | null;
}

export interface FoundationTables {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  ledger_entries: LedgerEntriesTable;
  ledger_heads: LedgerHeadsTable;
  rejected_requests: RejectedRequestsTable;
}
