import { sql, type Kysely } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import type { DeliveryStatus } from '../db/tables/delivery.ts';
import type { ResolvedDestination } from '../destinations/store.ts';
import type { CanonicalEvent } from '../events/canonical.ts';

/** How long the same event_id + event_name is suppressed per destination (Meta's dedup window). */
export const DEDUP_WINDOW_HOURS = 48;

export interface AcceptedEvent {
  id: string;
  event_id: string;
  event_name: string;
}

export interface OutboxInput {
  event: CanonicalEvent;
  source: string;
  /** Rastro's id for the event; generated when absent. */
  id?: string;
}

const dedupKey = (e: CanonicalEvent): string => `${e.event_name}:${e.event_id}`;

/** Why a delivery starts in a terminal state instead of `pending`, if it does. */
function initialStatus(event: CanonicalEvent, destination: ResolvedDestination): [DeliveryStatus, string | null] {
  if (!event.consent.ads) return ['skipped', 'consent denied: stored, never sent'];
  if (event.test && !destination.definition.acceptsTestEvents?.(destination.config)) {
    return ['skipped', 'test event and this destination has no test event code'];
  }
  return ['pending', null];
}

/**
 * The transactional outbox: writes the events and one delivery per enabled destination in the
 * caller's transaction, so an acknowledged event always has its pending work committed with it.
 * Duplicates (same event_name + event_id per destination within 48 h) are recorded as
 * `deduplicated`, never sent again.
 */
export async function writeToOutbox(
  trx: Kysely<Database>,
  tenantId: string,
  inputs: OutboxInput[],
  targets: ResolvedDestination[],
): Promise<AcceptedEvent[]> {
  if (inputs.length === 0) return [];
  const now = new Date();
  const events = inputs.map((input) => ({ ...input, id: input.id ?? newId() }));
  await trx
    .insertInto('events')
    .values(
      events.map(({ id, event, source }) => ({
        tenant_id: tenantId,
        id,
        event_id: event.event_id,
        event_name: event.event_name,
        event_time: new Date(event.event_time * 1000),
        received_at: now,
        source,
        payload: JSON.stringify(event),
        session_id: event.session_id ?? null,
        consent_ads: event.consent.ads,
        is_test: event.test ?? false,
      })),
    )
    .execute();

  const deliveries = [];
  for (const destination of targets) {
    const seenInBatch = new Set<string>();
    const candidates: { deliveryId: string; key: string }[] = [];
    for (const { id, event } of events) {
      const deliveryId = newId();
      let [status, reason] = initialStatus(event, destination);
      const key = dedupKey(event);
      if (status === 'pending') {
        if (seenInBatch.has(key)) [status, reason] = ['deduplicated', 'same event_id and event_name in this request'];
        else {
          seenInBatch.add(key);
          candidates.push({ deliveryId, key });
        }
      }
      deliveries.push({
        tenant_id: tenantId,
        delivery_id: deliveryId,
        event_ref: id,
        destination_id: destination.id,
        event_id: event.event_id,
        event_name: event.event_name,
        status,
        attempts: 0,
        next_attempt_at: now,
        committed_at: now,
        last_error: reason,
        attempt_log: '[]',
        _key: key,
      });
    }
    if (candidates.length === 0) continue;
    // A key is fresh when inserted now or when its previous use is older than the window.
    const fresh = await trx
      .insertInto('dedup_keys')
      .values(
        candidates.map((c) => ({
          tenant_id: tenantId,
          destination_id: destination.id,
          dedup_key: c.key,
          delivery_id: c.deliveryId,
          created_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'destination_id', 'dedup_key'])
          .doUpdateSet({ delivery_id: (eb) => eb.ref('excluded.delivery_id'), created_at: now })
          .where(
            'dedup_keys.created_at',
            '<',
            sql<Date>`${now}::timestamptz - interval '${sql.raw(String(DEDUP_WINDOW_HOURS))} hours'`,
          ),
      )
      .returning('dedup_key')
      .execute();
    const freshKeys = new Set(fresh.map((r) => r.dedup_key));
    for (const d of deliveries) {
      if (d.destination_id === destination.id && d.status === 'pending' && !freshKeys.has(d._key)) {
        d.status = 'deduplicated';
        d.last_error = `already sent within ${DEDUP_WINDOW_HOURS} h (same event_id and event_name)`;
      }
    }
  }
  if (deliveries.length > 0) {
    await trx
      .insertInto('deliveries')
      .values(deliveries.map(({ _key, ...d }) => d))
      .execute();
  }
  return events.map(({ id, event }) => ({ id, event_id: event.event_id, event_name: event.event_name }));
}
