import { sql, type Kysely } from 'kysely';
import { newId } from '../core/ids.ts';
import { prepared } from '../db/prepared.ts';
import type { Database } from '../db/schema.ts';
import type { AttemptRecord, DeliveryStatus } from '../db/tables/delivery.ts';
import type { SendResult } from '../destinations/types.ts';
import { appendLedger } from '../ledger/ledger.ts';
import { FINAL_DELTA_COLUMNS, finalDeltas } from '../quality/deltas.ts';
import type { Hold } from './claim.ts';

/** One delivery's new state after an attempt (or after local validation). */
export interface Transition {
  tenantId: string;
  deliveryId: string;
  /** The row's physical address (ctid) when claimed: how the outcome finds it (see below). */
  rowRef: string;
  status: DeliveryStatus;
  /** For `pending`: when to try again. */
  nextAttemptAt?: Date;
  /** Give the attempt back (throttling, paused credentials do not count toward the bound). */
  uncount?: boolean;
  error?: string | null;
  payload?: Record<string, unknown>;
  /** Match-quality estimate of the event sent (0–10). */
  matchQuality?: number;
}

export interface BatchRecord {
  tenantId: string;
  destinationId: string;
  startedAt: Date;
  size: number;
  result: SendResult;
}

/**
 * Writes the outcome of one batch request: the batch row (platform response, trace id), every
 * delivery's transition with its attempt appended, and one ledger entry, in one transaction.
 * Leased rows change only while still leased to this worker, so a lost lease never overwrites
 * another worker. Locked rows (`hold.kind === 'lock'`) are written in the caller's transaction, the
 * one holding their locks, and their attempt is counted here since no lease counted it.
 *
 * The batch row and every transition go in one statement: the transitions travel as a single JSON
 * parameter (an object keyed by delivery id), so each payload is serialized once, each delivery row is
 * rewritten once (status, retry time, error, attempt log and sent payload together) and a batch of
 * 1,000 costs one round trip instead of one per status group plus one for the payloads.
 */
export async function recordOutcome(
  db: Kysely<Database>,
  hold: Hold,
  destinationId: string,
  batch: BatchRecord | undefined,
  transitions: Transition[],
  ledgerType: string,
): Promise<void> {
  if (transitions.length === 0) return;
  const now = new Date();
  const batchId = batch ? newId() : null;
  // A batch attempt names its batch, which holds the answer (time, outcome, HTTP status, message,
  // trace id, duration) once for all its deliveries; each row adds only its status and index. The
  // whole record in every row tripled the row and the write-ahead log of every outcome.
  const attempt: AttemptRecord = batch
    ? { batch_id: batchId }
    : { at: now.toISOString(), batch_id: null, outcome: 'invalid', http_status: null, message: '' };
  // What was sent is kept once per batch when the destination reports it (transitions are in batch
  // order, so each attempt records its index); otherwise in each delivery row.
  const sentOnce = batch?.result.sent !== undefined;
  // Keyed by delivery id: each row looks its own transition up (no join for the planner to choose).
  // Only what differs from the defaults is written (a thousand delivered rows carry a status, an
  // index and a match quality each): the statement defaults the rest.
  const byId: Record<string, Record<string, unknown>> = {};
  transitions.forEach((t, i) => {
    const row: Record<string, unknown> = { status: t.status };
    if (t.nextAttemptAt) row.next_attempt_at = t.nextAttemptAt.toISOString();
    if (t.uncount) row.uncount = true;
    if (t.error) row.error = t.error;
    if (sentOnce) row.batch_index = i;
    else if (t.payload) row.payload = t.payload;
    if (t.matchQuality !== undefined) row.match_quality = t.matchQuality;
    byId[t.deliveryId] = row;
  });
  const batchRow = batch
    ? sql`, batch as (
        insert into delivery_batches (tenant_id, batch_id, destination_id, started_at, duration_ms, size, outcome,
          http_status, trace_id, platform_code, message, response, payloads)
        values (${batch.tenantId}, ${batchId}, ${batch.destinationId}, ${batch.startedAt.toISOString()}::timestamptz,
          ${Math.round(batch.result.durationMs)}, ${batch.size}, ${batch.result.outcome}, ${batch.result.httpStatus},
          ${batch.result.traceId ?? null}, ${batch.result.platformCode ?? null}, ${batch.result.message.slice(0, 2000)},
          ${batch.result.response === undefined ? null : JSON.stringify(batch.result.response)}::jsonb,
          ${batch.result.sent ?? null}::text)
      )`
    : sql``;
  // One destination's batch: every transition belongs to its tenant.
  const tenantId = transitions[0]?.tenantId ?? '';
  const rowRefs = transitions.map((t) => t.rowRef);
  const [expected, leasedTo, counted] = hold.kind === 'lease' ? ['processing', hold.workerId, 0] : ['pending', null, 1];
  const write = async (trx: Kysely<Database>) => {
    // The rows are fetched by their physical address (ctid, returned by the claim): a TID scan once
    // the table holds more than a few rows (planned on a nearly empty table it is a sequential scan,
    // and a cached generic plan is replanned when autovacuum analyzes the growing table). Fetched by
    // primary key (tenant, id = any(ids)) and joined to a recordset, the plan followed the statistics:
    // with those of a table analyzed while small, it scanned the tenant's entries of another index, tested each against the id array and
    // joined the recordset in a nested loop, up to 0.8 s for a batch of 1,000 (and before that, a
    // sequential scan). A locked row keeps its ctid; a leased one keeps it unless another worker
    // took it over after its lease ran out: then the old version is either invisible to this
    // statement or, if replaced while it runs, rechecked on its newest version, and the status and
    // lease checks leave the row alone. The id test makes a slot reused by another row harmless.
    await prepared(sql`
      with r as (select ${JSON.stringify(byId)}::jsonb as m)${batchRow}, upd as (
      update deliveries d set
        (status, next_attempt_at, last_error, attempts, attempt_log, payload, match_quality, delivered_at) = (
          select v.status, coalesce(v.next_attempt_at, ${now.toISOString()}::timestamptz), v.error,
            greatest(d.attempts + ${counted}::int - case when v.uncount then 1 else 0 end, 0),
            d.attempt_log || jsonb_build_array(${JSON.stringify(attempt)}::jsonb
              || jsonb_strip_nulls(jsonb_build_object('status', v.status, 'batch_index', v.batch_index))),
            coalesce(v.payload, d.payload), coalesce(v.match_quality, d.match_quality),
            case when v.status = 'delivered' then ${now.toISOString()}::timestamptz end
          from jsonb_to_record(r.m -> d.delivery_id::text) as v(status text, next_attempt_at timestamptz,
            uncount boolean, error text, payload jsonb, batch_index integer, match_quality numeric)
        ),
        claimed_by = null,
        claimed_until = null,
        updated_at = ${now.toISOString()}::timestamptz
      from r
      where d.ctid = any(${rowRefs}::tid[]) and d.tenant_id = ${tenantId}::uuid and r.m ? d.delivery_id::text
        and d.status = ${expected}::text and (${leasedTo}::text is null or d.claimed_by = ${leasedTo}::text)
      returning ${FINAL_DELTA_COLUMNS})
      ${finalDeltas('upd')}`).execute(trx);
    const counts: Record<string, number> = {};
    for (const t of transitions) counts[t.status] = (counts[t.status] ?? 0) + 1;
    const dead = transitions.filter((t) => t.status === 'dead' || t.status === 'failed').map((t) => t.deliveryId);
    await appendLedger(trx, tenantId, {
      actor: `worker:${hold.workerId}`,
      entityType: 'destination',
      entityId: destinationId,
      type: ledgerType,
      data: {
        batch_id: batchId,
        outcome: batch?.result.outcome ?? 'invalid',
        http_status: batch?.result.httpStatus ?? null,
        trace_id: batch?.result.traceId,
        counts,
        ...(dead.length ? { dead_or_failed: dead.slice(0, 1000) } : {}),
      },
    });
  };
  if (hold.kind === 'lock') {
    if (!db.isTransaction) throw new Error('locked deliveries are recorded in the transaction holding their locks');
    await write(db);
  } else {
    await db.transaction().execute(write);
  }
}
