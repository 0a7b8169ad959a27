import type { Insertable, Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../db/schema.ts';
import type { DeliveryStatus } from '../db/tables/delivery.ts';
import type { EventInput } from '../events/input-schema.ts';
import { toCanonicalEvent } from '../events/to-canonical.ts';
import { identifierMask } from '../quality/emq.ts';
import { markDue } from '../quality/schedule.ts';
import { floorHour, HOUR_MS } from '../quality/time.ts';
import { journeyEvent, newVisitor, type DemoEvent, type Random, type Visitor } from './traffic.ts';

/** Demo history is labelled so it is never mistaken for traffic that went through the delivery engine. */
export const HISTORY_SOURCE = 'demo:history';

const logNormal = (random: Random, median: number, sigma: number) => {
  const u = Math.max(1e-9, random());
  const v = random();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
};

/**
 * Writes `days` of past traffic for the demo tenant straight into events and deliveries (the public
 * API can only receive events now, and charts need a past). Outcomes follow a healthy integration:
 * mostly delivered within a second, retries now and then, a short platform outage that left dead
 * letters, duplicates and denied consent. Every row says `demo:history` and its attempt says it was
 * not sent. The quality rollup is told to recompute those hours.
 */
export async function seedHistory(
  db: Kysely<Database>,
  tenantId: string,
  destinationId: string,
  random: Random,
  days: number,
  now = Date.now(),
): Promise<number> {
  const start = floorHour(now - days * 24 * HOUR_MS).getTime();
  const end = floorHour(now).getTime();
  const outageHour = start + Math.floor(days * 24 * 0.6) * HOUR_MS + 14 * HOUR_MS;
  const visitors: Visitor[] = [];
  const events: Insertable<Database['events']>[] = [];
  const deliveries: Record<string, unknown>[] = [];
  let seq = 0;
  for (let hour = start; hour < end; hour += HOUR_MS) {
    // Brazil's evening peak (UTC−3): quiet at dawn, busiest around 21:00 local.
    const local = (new Date(hour).getUTCHours() + 21) % 24;
    const volume = Math.round(
      (40 + 560 * Math.max(0, Math.sin(((local - 6) / 18) * Math.PI))) * (0.7 + random() * 0.6),
    );
    for (let i = 0; i < volume; i++) {
      const at = hour + Math.floor(random() * HOUR_MS);
      if (visitors.length < 20 || random() < 0.35) visitors.push(newVisitor(random, at));
      if (visitors.length > 300) visitors.shift();
      const visitor = visitors[Math.floor(random() * visitors.length)] as Visitor;
      const input: DemoEvent = {
        ...journeyEvent(random, visitor, at, seq++, tenantId),
        event_time: Math.floor(at / 1000),
      };
      const denied = random() < 0.02;
      const roll = random();
      // One purchase in sixteen came from a checkout that forgot the currency: the Meta mapping refuses
      // it (failed), and the stored event shows why. Other events never fail for it.
      const failing = input.event_name === 'purchase' && roll >= 0.94;
      if (failing) delete input.currency;
      const canonical = toCanonicalEvent(
        { ...(input as unknown as EventInput), ...(denied ? { consent: { ads: false } } : {}) },
        { now: new Date(at), defaultPhoneRegion: 'BR' },
      );
      const id = uuidv7({ msecs: at });
      events.push({
        tenant_id: tenantId,
        id,
        event_id: canonical.event_id,
        event_name: canonical.event_name,
        event_time: new Date(canonical.event_time * 1000),
        received_at: new Date(at),
        source: HISTORY_SOURCE,
        payload: JSON.stringify(canonical),
        session_id: null,
        consent_ads: !denied,
        is_test: false,
        id_mask: identifierMask(canonical),
      });

      const inOutage = at >= outageHour && at < outageHour + HOUR_MS;
      let status: DeliveryStatus = 'delivered';
      if (denied) status = 'skipped';
      else if (roll < 0.02) status = 'deduplicated';
      else if (inOutage ? roll < 0.35 : roll < 0.027) status = 'dead';
      else if (failing) status = 'failed';
      const retried = status === 'delivered' && (inOutage || random() < 0.03);
      const latency = logNormal(random, 380, 0.7) + (retried ? 2_000 + random() * 40_000 : 0);
      const attempt = (outcome: string, http: number | null, message: string, offset: number, last = true) => ({
        at: new Date(at + offset).toISOString(),
        batch_id: null,
        outcome,
        http_status: http,
        status: last ? status : 'pending',
        message: `${message} (demo history: not sent)`,
        trace_id: `demo${Math.floor(random() * 1e12).toString(36)}`,
        duration_ms: Math.round(80 + random() * 300),
      });
      const log =
        status === 'delivered'
          ? [
              ...(retried ? [attempt('retryable', 500, 'An unknown error occurred', 200)] : []),
              attempt('delivered', 200, 'ok', latency),
            ]
          : status === 'dead'
            ? [1, 2, 3].map((n) => attempt('retryable', 503, 'Service temporarily unavailable', n * 1500, n === 3))
            : status === 'failed'
              ? [attempt('permanent', 400, 'Invalid parameter: custom_data.currency', 300)]
              : [];
      deliveries.push({
        tenant_id: tenantId,
        delivery_id: uuidv7({ msecs: at }),
        event_ref: id,
        destination_id: destinationId,
        event_id: canonical.event_id,
        event_name: canonical.event_name,
        status,
        attempts: log.length,
        next_attempt_at: new Date(at),
        created_at: new Date(at),
        updated_at: new Date(at + latency),
        committed_at: new Date(at),
        delivered_at: status === 'delivered' ? new Date(at + latency) : null,
        last_error:
          status === 'dead'
            ? 'gave up after 3 attempts: (#2) Service temporarily unavailable'
            : status === 'failed'
              ? 'invalid for meta_capi: Purchase needs custom_data.currency'
              : status === 'deduplicated'
                ? 'already sent within 48 h (same event_id and event_name)'
                : status === 'skipped'
                  ? 'consent denied: stored, never sent'
                  : null,
        payload: null,
        attempt_log: JSON.stringify(log),
      });
    }
  }
  for (let i = 0; i < events.length; i += 400) {
    await db
      .insertInto('events')
      .values(events.slice(i, i + 400))
      .execute();
    await db
      .insertInto('deliveries')
      .values(deliveries.slice(i, i + 400) as never)
      .execute();
  }
  const hours: Date[] = [];
  for (let hour = start; hour < end; hour += HOUR_MS) hours.push(new Date(hour));
  await markDue(db, tenantId, hours);
  return events.length;
}
