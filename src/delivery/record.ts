import { sql, type Kysely } from 'kysely';
import { newId } from '../core/ids.ts';
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
}

export interface BatchRecord {
  tenantId: string;
  destinationId: string;
  startedAt: Date;
  size: number;
  result: SendResult;
}

const jsonb = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * Writes the outcome of one batch request: the batch row (platform response, trace id), every
 * delivery's transition with its attempt appended, and one ledger entry, in one transaction.
 * Only rows still leased to this worker change, so a lost lease never overwrites another worker.
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
  const tenantId = transitions[0]?.tenantId ?? '';
  await db.transaction().execute(async (trx) => {
    if (batch && batchId) {
      await trx
        .insertInto('delivery_batches')
        .values({
          tenant_id: batch.tenantId,
          batch_id: batchId,
          destination_id: batch.destinationId,
          started_at: batch.startedAt,
          duration_ms: Math.round(batch.result.durationMs),
          size: batch.size,
          outcome: batch.result.outcome,
          http_status: batch.result.httpStatus,
          trace_id: batch.result.traceId ?? null,
          platform_code: batch.result.platformCode ?? null,
          message: batch.result.message.slice(0, 2000),
          response: batch.result.response === undefined ? null : JSON.stringify(batch.result.response),
        })
        .execute();
    }
    // Rows sharing a status, retry time and error change in one statement; payloads differ per row.
    const groups = new Map<string, Transition[]>();
    for (const t of transitions) {
      const key = `${t.status}|${t.nextAttemptAt?.getTime() ?? ''}|${t.uncount ? 1 : 0}|${t.error ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    for (const group of groups.values()) {
      const first = group[0] as Transition;
      const withPayload = group.filter((t) => t.payload);
      if (withPayload.length > 0) {
        await sql`
          update deliveries d set payload = v.payload::jsonb
          from (values ${sql.join(withPayload.map((t) => sql`(${t.deliveryId}::uuid, ${JSON.stringify(t.payload)})`))})
            as v(delivery_id, payload)
          where d.tenant_id = ${first.tenantId} and d.delivery_id = v.delivery_id
            and d.status = 'processing' and d.claimed_by = ${workerId}`.execute(trx);
      }
      await trx
        .updateTable('deliveries')
        .set({
          status: first.status,
          next_attempt_at: first.nextAttemptAt ?? now,
          claimed_by: null,
          claimed_until: null,
          updated_at: now,
          delivered_at: first.status === 'delivered' ? now : null,
          last_error: first.error ?? null,
          attempts: first.uncount ? sql`greatest(attempts - 1, 0)` : sql`attempts`,
          attempt_log: sql`attempt_log || ${jsonb([{ ...attempt, outcome: attempt.outcome, status: first.status }])}`,
        })
        .where('tenant_id', '=', first.tenantId)
        .where(
          'delivery_id',
          'in',
          group.map((t) => t.deliveryId),
        )
        .where('status', '=', 'processing')
        .where('claimed_by', '=', workerId)
        .execute();
    }
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
