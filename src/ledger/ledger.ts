import type { Kysely } from 'kysely';
import { newId } from '../core/ids.ts';
import { sha256Hex } from '../core/hash.ts';
import type { Database } from '../db/schema.ts';
import { canonicalJson } from './canonical-json.ts';

/**
 * C12: an append-only, per-tenant, hash-chained audit trail. Each entry's hash covers its content
 * and the previous entry's hash, so editing or deleting any entry breaks the chain from there on.
 * `ledger_heads` holds the last seq/hash per tenant; updating it serializes appends per tenant.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface LedgerInput {
  actor: string;
  entityType: string;
  entityId: string;
  type: string;
  data?: Record<string, unknown>;
}

export interface LedgerEntry {
  seq: number;
  entry_id: string;
  at: Date;
  actor: string;
  entity_type: string;
  entity_id: string;
  type: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export function entryHash(prevHash: string, e: Omit<LedgerEntry, 'hash' | 'prev_hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    entry_id: e.entry_id,
    at: e.at.toISOString(),
    actor: e.actor,
    entity_type: e.entity_type,
    entity_id: e.entity_id,
    type: e.type,
    data: e.data,
  });
  return sha256Hex(`${prevHash}\n${body}`);
}

/** Appends entries inside the caller's transaction: they commit or roll back with the change they record. */
export async function appendLedger(
  trx: Kysely<Database>,
  tenantId: string,
  inputs: LedgerInput | LedgerInput[],
): Promise<void> {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length === 0) return;
  const lockHead = () =>
    trx
      .selectFrom('ledger_heads')
      .select(['seq', 'hash'])
      .where('tenant_id', '=', tenantId)
      .forUpdate()
      .executeTakeFirst();
  // The head row exists after a tenant's first entry; only then is it created (the insert is raced
  // safely by `on conflict`, and the lock is taken on the row whoever created it).
  let head = await lockHead();
  if (!head) {
    await trx
      .insertInto('ledger_heads')
      .values({ tenant_id: tenantId, seq: 0, hash: GENESIS_HASH })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    head = await lockHead();
    if (!head) throw new Error(`ledger head of tenant ${tenantId} vanished`);
  }
  let { seq, hash } = head;
  const at = new Date();
  const rows = list.map((input) => {
    seq += 1;
    const entry = {
      seq,
      entry_id: newId(),
      at,
      actor: input.actor,
      entity_type: input.entityType,
      entity_id: input.entityId,
      type: input.type,
      data: input.data ?? {},
    };
    const prev = hash;
    hash = entryHash(prev, entry);
    return { tenant_id: tenantId, ...entry, data: JSON.stringify(entry.data), prev_hash: prev, hash };
  });
  // Entries and the new head in one statement: the head's lock is held one round trip less.
  await trx
    .with('appended', (db) => db.insertInto('ledger_entries').values(rows))
    .updateTable('ledger_heads')
    .set({ seq, hash })
    .where('tenant_id', '=', tenantId)
    .execute();
}

export interface LedgerQuery {
  entity?: string;
  type?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** Return entries with seq below this (newest first). */
  cursor?: number;
}

export async function queryLedger(db: Kysely<Database>, tenantId: string, q: LedgerQuery) {
  let query = db.selectFrom('ledger_entries').selectAll().where('tenant_id', '=', tenantId);
  if (q.entity) {
    const [entityType, entityId] = q.entity.split(':', 2);
    query = query.where('entity_type', '=', entityType ?? '');
    if (entityId) query = query.where('entity_id', '=', entityId);
  }
  if (q.type) query = query.where('type', '=', q.type);
  if (q.from) query = query.where('at', '>=', q.from);
  if (q.to) query = query.where('at', '<', q.to);
  if (q.cursor !== undefined) query = query.where('seq', '<', q.cursor);
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(q.limit + 1)
    .execute();
  const page = rows.slice(0, q.limit);
  return {
    entries: page,
    next_cursor: rows.length > q.limit ? String(page[page.length - 1]?.seq) : null,
  };
}
