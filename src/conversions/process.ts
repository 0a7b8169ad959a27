import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import { writeToOutbox, type OutboxInput } from '../delivery/outbox.ts';
import { enabledDestinations } from '../destinations/store.ts';
import type { ConversionStatus, GatewayConversion } from '../gateways/types.ts';
import type { ConversionEmissionsTable } from '../db/tables/conversions.ts';
import { appendLedger, type LedgerInput } from '../ledger/ledger.ts';
import { keyIn } from '../db/keys.ts';
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
    memo?: MatchMemo,
  ): Promise<{ enrichment: Enrichment; wait: boolean; waitMs?: number }>;
  /**
   * Work to do before a group's transaction opens, for the tenants with emissions due (e.g. folding
   * their queued session touches): done inside it, a backlog would hold the group's locks meanwhile.
   */
  prepare?(db: Kysely<Database>, tenantIds: string[]): Promise<void>;
}

/** What a matcher may keep while one group of emissions is processed (e.g. each tenant's settings). */
export type MatchMemo = Map<string, unknown>;

export const noMatcher: ConversionMatcher = {
  match: async () => ({ enrichment: {}, wait: false }),
};

/**
 * Step 1, from committed webhook receipts: apply each one to its conversion (one per tenant,
 * gateway and order id) through the life-cycle, and queue the events its status emits.
 *
 * Set-based: a group of receipts costs a handful of statements whatever its size (claim, create
 * the missing conversions, lock them, write them back, the connections' settings, the emissions,
 * the ledger per tenant, mark the receipts). Receipt by receipt it was about eight statements each,
 * and on embedded PGlite, where any statement costs ~1 ms of its one thread, that was the ceiling of
 * the whole webhook pipeline. Receipts of one order are applied in the order they were received, as
 * they were one at a time.
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
    if (receipts.length === 0) return 0;
    const items = receipts.map((r) => ({ ...r, draft: r.draft as Draft }));
    const keyOf = (tenantId: string, gateway: string, orderId: string) => `${tenantId}\u0000${gateway}\u0000${orderId}`;

    // Conversions seen for the first time start from their first receipt; the others are kept.
    const firsts = new Map<string, (typeof items)[number]>();
    for (const item of items) {
      const key = keyOf(item.tenant_id, item.gateway, item.draft.orderId);
      if (!firsts.has(key)) firsts.set(key, item);
    }
    await trx
      .insertInto('conversions')
      .values(
        [...firsts.values()].map(({ tenant_id, gateway, connection_id, draft }) => ({
          tenant_id,
          conversion_id: newId(),
          gateway,
          connection_id,
          order_id: draft.orderId,
          status: draft.status,
          amount: draft.amount,
          currency: draft.currency,
          payment_method: draft.paymentMethod ?? null,
          is_test: draft.isTest,
          buyer: JSON.stringify(draft.buyer),
          products: JSON.stringify(draft.products),
          tracking: JSON.stringify(draft.tracking),
          occurred_at: new Date(draft.occurredAt),
          approved_at: null,
          history: '[]',
        })),
      )
      .onConflict((oc) => oc.columns(['tenant_id', 'gateway', 'order_id']).doNothing())
      .execute();
    const rows = await trx
      .selectFrom('conversions')
      .selectAll()
      .where(
        keyIn(
          ['tenant_id', 'gateway', 'order_id'],
          [...firsts.values()].map((f) => [f.tenant_id, f.gateway, f.draft.orderId]),
        ),
      )
      .forUpdate()
      .execute();
    const current = new Map(rows.map((row) => [keyOf(row.tenant_id, row.gateway, row.order_id), row]));

    const emitConfig = await emitSettings(
      trx,
      items.map((i) => [i.tenant_id, i.connection_id]),
    );
    const emissions: Insertable<ConversionEmissionsTable>[] = [];
    const ledger = new Map<string, LedgerInput[]>();
    const changed = new Set<ConversionRow>();
    const now = new Date();
    for (const { tenant_id: tenantId, receipt_id: receiptId, connection_id, gateway, draft } of items) {
      const row = current.get(keyOf(tenantId, gateway, draft.orderId));
      if (!row) throw new Error(`conversion ${gateway}/${draft.orderId} of tenant ${tenantId} vanished`);
      const isNew = row.history.length === 0;
      const from = row.status as ConversionStatus;
      const step = nextStatus(isNew ? undefined : from, draft.status);
      row.history = [
        ...row.history,
        {
          at: now.toISOString(),
          status: draft.status,
          event_type: draft.eventType,
          applied: step.applied,
          receipt_id: receiptId,
        },
      ];
      row.status = step.status;
      row.updated_at = now;
      changed.add(row);
      if (!step.applied) continue;
      if (step.status === 'approved') {
        row.approved_at = new Date(draft.occurredAt);
        row.amount = draft.amount;
        row.currency = draft.currency;
      }
      // Later webhooks may know more about the buyer and the click; keep the richest.
      row.buyer = { ...row.buyer, ...draft.buyer };
      row.tracking = mergeTracking(row.tracking, draft.tracking);
      const names = emitConfig.get(connection_id)?.[step.status] ?? DEFAULT_EMIT[step.status];
      for (const eventName of names) {
        emissions.push({
          tenant_id: tenantId,
          emission_id: newId(),
          conversion_id: row.conversion_id,
          event_name: eventName,
          event_id: conversionEventId(tenantId, draft.orderId, eventName),
          not_before: now,
        });
      }
      push(ledger, tenantId, {
        actor: `webhook:${gateway}`,
        entityType: 'conversion',
        entityId: row.conversion_id,
        type: isNew ? 'conversion.created' : 'conversion.status_changed',
        data: { order_id: draft.orderId, from: isNew ? null : from, to: step.status, receipt_id: receiptId },
      });
    }

    await sql`
      update conversions c set status = v.status, updated_at = v.updated_at, history = v.history,
        approved_at = v.approved_at, amount = v.amount, currency = v.currency, buyer = v.buyer, tracking = v.tracking
      from jsonb_to_recordset(${JSON.stringify([...changed].map(written))}::jsonb) as v(tenant_id uuid, conversion_id uuid,
        status text, updated_at timestamptz, history jsonb, approved_at timestamptz, amount numeric, currency text,
        buyer jsonb, tracking jsonb)
      where c.tenant_id = v.tenant_id and c.conversion_id = v.conversion_id`.execute(trx);
    if (emissions.length > 0) await trx.insertInto('conversion_emissions').values(emissions).execute();
    for (const [tenantId, entries] of ledger) await appendLedger(trx, tenantId, entries);
    await trx
      .updateTable('webhook_receipts')
      .set({ status: 'processed', processed_at: now })
      .where(
        keyIn(
          ['tenant_id', 'receipt_id'],
          items.map((i) => [i.tenant_id, i.receipt_id]),
        ),
      )
      .execute();
    return receipts.length;
  });
}

/** The columns of a conversion that applying receipts writes back (the rest need not travel). */
const written = (c: ConversionRow) => ({
  tenant_id: c.tenant_id,
  conversion_id: c.conversion_id,
  status: c.status,
  updated_at: c.updated_at,
  history: c.history,
  approved_at: c.approved_at,
  amount: c.amount,
  currency: c.currency,
  buyer: c.buyer,
  tracking: c.tracking,
});

/** Per connection: which events each status emits, when the connection overrides the defaults. */
async function emitSettings(
  trx: Kysely<Database>,
  connections: [tenantId: string, connectionId: string][],
): Promise<Map<string, Record<string, string[]> | undefined>> {
  const unique = [...new Map(connections.map((c) => [c[1], c])).values()];
  const rows = await trx
    .selectFrom('gateway_connections')
    .select(['connection_id', 'settings'])
    .where(keyIn(['tenant_id', 'connection_id'], unique))
    .execute();
  return new Map(
    rows.map((r) => [r.connection_id, (r.settings as { emit?: Record<string, string[]> } | undefined)?.emit]),
  );
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
 * Reads and writes are grouped (conversions read at once, one outbox write per tenant, emissions
 * finished or postponed in one statement each); matching itself looks each sale up on its own.
 */
export async function processEmissions(
  db: Kysely<Database>,
  secrets: SecretBox,
  matcher: ConversionMatcher,
  limit = 200,
): Promise<number> {
  // A look without locks first, at the emissions the group will most likely take: when nothing is
  // due no transaction is opened, and the matcher prepares (outside it) for the tenants concerned.
  const dueTenants = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('conversion_emissions')
        .select('tenant_id')
        .where('not_before', '<=', new Date())
        .orderBy('not_before')
        .limit(limit)
        .as('due'),
    )
    .select('due.tenant_id')
    .distinct()
    .execute();
  if (dueTenants.length === 0) return 0;
  await matcher.prepare?.(
    db,
    dueTenants.map((t) => t.tenant_id),
  );
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
    if (due.length === 0) return 0;
    const rows = await trx
      .selectFrom('conversions')
      .selectAll()
      .where(
        keyIn(
          ['tenant_id', 'conversion_id'],
          due.map((e) => [e.tenant_id, e.conversion_id]),
        ),
      )
      .execute();
    const conversions = new Map(rows.map((r) => [`${r.tenant_id}/${r.conversion_id}`, r]));
    const finished: typeof due = [];
    const postponed: { tenant_id: string; emission_id: string; attempts: number; not_before: string }[] = [];
    const events = new Map<string, OutboxInput[]>();
    const dropped = new Map<string, LedgerInput[]>();
    const memo: MatchMemo = new Map();
    for (const emission of due) {
      const row = conversions.get(`${emission.tenant_id}/${emission.conversion_id}`);
      if (!row) {
        finished.push(emission);
        continue;
      }
      if (emission.event_name === 'purchase' && REVERSED.has(row.status)) {
        push(dropped, emission.tenant_id, {
          actor: 'worker',
          entityType: 'conversion',
          entityId: row.conversion_id,
          type: 'conversion.emission_dropped',
          data: { event_name: emission.event_name, reason: `sale ${row.status} before the event went out` },
        });
        finished.push(emission);
        continue;
      }
      const final = emission.attempts > 0;
      const { enrichment, wait, waitMs = 0 } = await matcher.match(trx, row, final, memo);
      if (wait && !final) {
        postponed.push({
          tenant_id: emission.tenant_id,
          emission_id: emission.emission_id,
          attempts: emission.attempts + 1,
          not_before: new Date(Date.now() + waitMs).toISOString(),
        });
        continue;
      }
      const event = conversionEvent(row, emission.event_name, emission.event_id, enrichment);
      push(events, emission.tenant_id, { event, source: `webhook:${row.gateway}` });
      finished.push(emission);
    }
    for (const [tenantId, inputs] of events) {
      await writeToOutbox(trx, tenantId, inputs, await enabledDestinations(trx, secrets, tenantId));
    }
    for (const [tenantId, entries] of dropped) await appendLedger(trx, tenantId, entries);
    if (postponed.length > 0) {
      await sql`
        update conversion_emissions e set attempts = v.attempts, not_before = v.not_before
        from jsonb_to_recordset(${JSON.stringify(postponed)}::jsonb) as v(tenant_id uuid, emission_id uuid,
          attempts integer, not_before timestamptz)
        where e.tenant_id = v.tenant_id and e.emission_id = v.emission_id`.execute(trx);
    }
    if (finished.length > 0) {
      await trx
        .deleteFrom('conversion_emissions')
        .where(
          keyIn(
            ['tenant_id', 'emission_id'],
            finished.map((e) => [e.tenant_id, e.emission_id]),
          ),
        )
        .execute();
    }
    return due.length;
  });
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
