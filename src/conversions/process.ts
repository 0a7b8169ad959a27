import type { Kysely, Transaction } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import { writeToOutbox } from '../delivery/outbox.ts';
import { enabledDestinations } from '../destinations/store.ts';
import type { ConversionStatus, GatewayConversion } from '../gateways/types.ts';
import { appendLedger } from '../ledger/ledger.ts';
import { conversionEventId } from './event-id.ts';
import { DEFAULT_EMIT, nextStatus, REVERSED } from './lifecycle.ts';
import { conversionEvent, type Enrichment, type ConversionRow } from './to-event.ts';

type Draft = Omit<GatewayConversion, 'occurredAt' | 'buyer'> & { occurredAt: string; buyer: Record<string, unknown> };

/**
 * Matching plugs in here: given a conversion, it may enrich the event and decide to wait for late
 * click data. Without a matcher, events go out at once unenriched.
 */
export interface ConversionMatcher {
  /**
   * Called when a conversion is about to emit; `final` is true once the grace period is over.
   * `wait` asks to try again after `waitMs` (late click data may still arrive).
   */
  match(
    trx: Transaction<Database>,
    row: ConversionRow,
    final: boolean,
  ): Promise<{ enrichment: Enrichment; wait: boolean; waitMs?: number }>;
}

export const noMatcher: ConversionMatcher = {
  match: async () => ({ enrichment: {}, wait: false }),
};

/**
 * Step 1, from committed webhook receipts: apply each one to its conversion (one per tenant,
 * gateway and order id) through the life-cycle, and queue the events its status emits.
 */
export async function processReceipts(db: Kysely<Database>, limit = 200): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const receipts = await trx
      .selectFrom('webhook_receipts')
      .select(['tenant_id', 'receipt_id', 'connection_id', 'gateway', 'draft'])
      .where('status', '=', 'received')
      .orderBy('received_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const receipt of receipts) {
      await applyReceipt(
        trx,
        receipt.tenant_id,
        receipt.receipt_id,
        receipt.connection_id,
        receipt.gateway,
        receipt.draft as Draft,
      );
    }
    return receipts.length;
  });
}

async function applyReceipt(
  trx: Transaction<Database>,
  tenantId: string,
  receiptId: string,
  connectionId: string,
  gateway: string,
  draft: Draft,
): Promise<void> {
  const occurredAt = new Date(draft.occurredAt);
  await trx
    .insertInto('conversions')
    .values({
      tenant_id: tenantId,
      conversion_id: newId(),
      gateway,
      connection_id: connectionId,
      order_id: draft.orderId,
      status: draft.status,
      amount: draft.amount,
      currency: draft.currency,
      payment_method: draft.paymentMethod ?? null,
      is_test: draft.isTest,
      buyer: JSON.stringify(draft.buyer),
      products: JSON.stringify(draft.products),
      tracking: JSON.stringify(draft.tracking),
      occurred_at: occurredAt,
      approved_at: null,
      history: '[]',
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'gateway', 'order_id']).doNothing())
    .execute();
  const current = await trx
    .selectFrom('conversions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('gateway', '=', gateway)
    .where('order_id', '=', draft.orderId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const history = current.history;
  const isNew = history.length === 0;
  const step = nextStatus(isNew ? undefined : (current.status as ConversionStatus), draft.status);
  const approvedNow = step.applied && step.status === 'approved';
  await trx
    .updateTable('conversions')
    .set({
      status: step.status,
      updated_at: new Date(),
      history: JSON.stringify([
        ...history,
        {
          at: new Date().toISOString(),
          status: draft.status,
          event_type: draft.eventType,
          applied: step.applied,
          receipt_id: receiptId,
        },
      ]),
      ...(approvedNow ? { approved_at: occurredAt, amount: draft.amount, currency: draft.currency } : {}),
      // Later webhooks may know more about the buyer and the click; keep the richest.
      ...(step.applied ? { buyer: JSON.stringify({ ...(current.buyer as object), ...draft.buyer }) } : {}),
      ...(step.applied ? { tracking: JSON.stringify(mergeTracking(current.tracking, draft.tracking)) } : {}),
    })
    .where('tenant_id', '=', tenantId)
    .where('conversion_id', '=', current.conversion_id)
    .execute();

  if (step.applied) {
    const connection = await trx
      .selectFrom('gateway_connections')
      .select('settings')
      .where('tenant_id', '=', tenantId)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    const emitConfig = (connection?.settings as { emit?: Record<string, string[]> } | undefined)?.emit;
    const names = emitConfig?.[step.status] ?? DEFAULT_EMIT[step.status];
    if (names.length > 0) {
      await trx
        .insertInto('conversion_emissions')
        .values(
          names.map((eventName) => ({
            tenant_id: tenantId,
            emission_id: newId(),
            conversion_id: current.conversion_id,
            event_name: eventName,
            event_id: conversionEventId(tenantId, draft.orderId, eventName),
            not_before: new Date(),
          })),
        )
        .execute();
    }
  }
  if (step.applied) {
    await appendLedger(trx, tenantId, {
      actor: `webhook:${gateway}`,
      entityType: 'conversion',
      entityId: current.conversion_id,
      type: isNew ? 'conversion.created' : 'conversion.status_changed',
      data: { order_id: draft.orderId, from: isNew ? null : current.status, to: step.status, receipt_id: receiptId },
    });
  }
  await trx
    .updateTable('webhook_receipts')
    .set({ status: 'processed', processed_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('receipt_id', '=', receiptId)
    .execute();
}

function mergeTracking(current: unknown, incoming: unknown): Record<string, unknown> {
  const a = (current ?? {}) as Record<string, unknown>;
  const b = (incoming ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) if (v !== undefined && v !== '' && k !== 'raw') merged[k] = v;
  merged.raw = { ...((a.raw as object) ?? {}), ...((b.raw as object) ?? {}) };
  return merged;
}

/**
 * Step 2, from queued emissions: match (possibly waiting for late click data within the grace
 * period), build the canonical event and commit it with its deliveries through the outbox.
 * A purchase whose sale was reversed before it went out is dropped, visibly in the ledger.
 */
export async function processEmissions(
  db: Kysely<Database>,
  secrets: SecretBox,
  matcher: ConversionMatcher,
  limit = 200,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('conversion_emissions')
      .selectAll()
      .where('not_before', '<=', new Date())
      .orderBy('not_before')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const emission of due) {
      const row = await trx
        .selectFrom('conversions')
        .selectAll()
        .where('tenant_id', '=', emission.tenant_id)
        .where('conversion_id', '=', emission.conversion_id)
        .executeTakeFirst();
      const done = () =>
        trx
          .deleteFrom('conversion_emissions')
          .where('tenant_id', '=', emission.tenant_id)
          .where('emission_id', '=', emission.emission_id)
          .execute();
      if (!row) {
        await done();
        continue;
      }
      if (emission.event_name === 'purchase' && REVERSED.has(row.status)) {
        await appendLedger(trx, emission.tenant_id, {
          actor: 'worker',
          entityType: 'conversion',
          entityId: row.conversion_id,
          type: 'conversion.emission_dropped',
          data: { event_name: emission.event_name, reason: `sale ${row.status} before the event went out` },
        });
        await done();
        continue;
      }
      const final = emission.attempts > 0;
      const { enrichment, wait, waitMs = 0 } = await matcher.match(trx, row, final);
      if (wait && !final) {
        await trx
          .updateTable('conversion_emissions')
          .set({ attempts: emission.attempts + 1, not_before: new Date(Date.now() + waitMs) })
          .where('tenant_id', '=', emission.tenant_id)
          .where('emission_id', '=', emission.emission_id)
          .execute();
        continue;
      }
      const targets = await enabledDestinations(trx, secrets, emission.tenant_id);
      const event = conversionEvent(row, emission.event_name, emission.event_id, enrichment);
      await writeToOutbox(trx, emission.tenant_id, [{ event, source: `webhook:${row.gateway}` }], targets);
      await done();
    }
    return due.length;
  });
}
