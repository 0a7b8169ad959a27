import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { entryHash, GENESIS_HASH } from './ledger.ts';

export interface VerifyReport {
  tenant_id: string;
  ok: boolean;
  entries: number;
  /** First sequence number where the chain breaks, and why. */
  broken_at?: number;
  problem?: string;
}

const PAGE = 1000;

/** Walks the chain in order, recomputing every hash; detects edits, deletions and a cut tail. */
export async function verifyLedger(db: Kysely<Database>, tenantId: string): Promise<VerifyReport> {
  const head = await db
    .selectFrom('ledger_heads')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  const fail = (seq: number, problem: string): VerifyReport => ({
    tenant_id: tenantId,
    ok: false,
    entries: count,
    broken_at: seq,
    problem,
  });
  for (;;) {
    const rows = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      if (row.seq !== expectedSeq) return fail(expectedSeq, `entry ${expectedSeq} is missing`);
      if (row.prev_hash !== prevHash) return fail(row.seq, 'prev_hash does not match the previous entry');
      const recomputed = entryHash(prevHash, { ...row, data: row.data as Record<string, unknown> });
      if (recomputed !== row.hash) return fail(row.seq, 'entry content does not match its hash');
      prevHash = row.hash;
      expectedSeq += 1;
      count += 1;
    }
    if (rows.length < PAGE) break;
  }
  const headSeq = head?.seq ?? 0;
  if (headSeq !== count) return fail(count + 1, `chain ends at ${count} but the head says ${headSeq}`);
  if (head && head.hash !== prevHash) return fail(count, 'last hash does not match the head');
  return { tenant_id: tenantId, ok: true, entries: count };
}
