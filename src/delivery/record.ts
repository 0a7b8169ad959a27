import { sql, type Kysely } from 'kysely';
import { newId } from '../core/ids.ts';
import { prepared } from '../db/prepared.ts';
import type { Database } from '../db/schema.ts';
import type { AttemptRecord, DeliveryStatus } from '../db/tables/delivery.ts';
import type { SendResult } from '../destinations/types.ts';
import { appendLedger } from '../ledger/ledger.ts';

/** One delivery's new state after an attempt (or after local validation). */
export interface Transition {
  tenantId: string;
  deliveryId: string;
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
 * Only rows still leased to this worker change, so a lost lease never overwrites another worker.
 *
 * The batch row and every transition go in one statement: the transitions travel as a single JSON
 * parameter read with `jsonb_to_recordset`, so each payload is serialized once, each delivery row is
 * rewritten once (status, retry time, error, attempt log and sent payload together) and a batch of
 * 1,000 costs one round trip instead of one per status group plus one for the payloads.
 */
export async function recordOutcome(
  db: Kysely<Database>,
  workerId: string,
  destinationId: string,
  batch: BatchRecord | undefined,
  transitions: Transition[],
  ledgerType: string,
): Promise<void> {
  if (transitions.length === 0) return;
  const now = new Date();
  const batchId = batch ? newId() : null;
  const attempt: AttemptRecord = {
    at: now.toISOString(),
    batch_id: batchId,
    outcome: batch?.result.outcome ?? 'invalid',
    http_status: batch?.result.httpStatus ?? null,
    message: batch?.result.message ?? '',
    ...(batch?.result.traceId ? { trace_id: batch.result.traceId } : {}),
    ...(batch ? { duration_ms: Math.round(batch.result.durationMs) } : {}),
  };
  // What was sent is kept once per batch when the destination reports it (transitions are in batch
  // order, so each attempt records its index); otherwise in each delivery row.
  const sentOnce = batch?.result.sent !== undefined;
  const rows = transitions.map((t, i) => ({
    delivery_id: t.deliveryId,
    status: t.status,
    next_attempt_at: (t.nextAttemptAt ?? now).toISOString(),
    uncount: t.uncount === true,
    error: t.error ?? null,
    payload: sentOnce ? null : (t.payload ?? null),
    batch_index: sentOnce ? i : null,
    match_quality: t.matchQuality ?? null,
  }));
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
  const ids = transitions.map((t) => t.deliveryId);
  await db.transaction().execute(async (trx) => {
    await prepared(sql`
      with v as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(delivery_id uuid,
          status text, next_attempt_at timestamptz, uncount boolean, error text, payload jsonb, batch_index integer,
          match_quality numeric)
      )${batchRow}
      update deliveries d set
        status = v.status,
        next_attempt_at = v.next_attempt_at,
        claimed_by = null,
        claimed_until = null,
        updated_at = ${now.toISOString()}::timestamptz,
        delivered_at = case when v.status = 'delivered' then ${now.toISOString()}::timestamptz end,
        last_error = v.error,
        attempts = case when v.uncount then greatest(d.attempts - 1, 0) else d.attempts end,
        attempt_log = d.attempt_log || jsonb_build_array(${JSON.stringify(attempt)}::jsonb
          || jsonb_strip_nulls(jsonb_build_object('status', v.status, 'batch_index', v.batch_index))),
        payload = coalesce(v.payload, d.payload),
        match_quality = coalesce(v.match_quality, d.match_quality)
      from v
      -- The rows are found through the primary key by the id array, and joined to the recordset by
      -- hash. Joined on the recordset alone, the planner (costing it at its default 100 rows)
      -- preferred one sequential scan of deliveries while the table was under ~35,000 rows, and the
      -- prepared statement kept that plan: 3–6 ms per small batch, most of PostgreSQL's time at
      -- steady low rates.
      where d.tenant_id = ${tenantId}::uuid and d.delivery_id = any(${ids}::uuid[]) and d.delivery_id = v.delivery_id
        -- "is not distinct from" (status is never null, so it means "=") on purpose: it can neither use
        -- nor imply an index on status, so every row is found through the primary key. With "=", stale
        -- statistics while a queue drains made the planner loop over the leased rows (partial index)
        -- or the status index instead, re-scanning the recordset: up to 3 s for one batch of 1,000.
        and d.status is not distinct from 'processing' and d.claimed_by = ${workerId}`).execute(trx);
    const counts: Record<string, number> = {};
    for (const t of transitions) counts[t.status] = (counts[t.status] ?? 0) + 1;
    const dead = transitions.filter((t) => t.status === 'dead' || t.status === 'failed').map((t) => t.deliveryId);
    await appendLedger(trx, tenantId, {
      actor: `worker:${workerId}`,
      entityType: 'destination',
      entityId: destinationId,
      type: ledgerType,
      data: {
        batch_id: batchId,
        outcome: attempt.outcome,
        http_status: attempt.http_status,
        trace_id: attempt.trace_id,
        counts,
        ...(dead.length ? { dead_or_failed: dead.slice(0, 1000) } : {}),
      },
    });
  });
}
