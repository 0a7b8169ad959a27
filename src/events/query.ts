import { sql, type Kysely } from 'kysely';
import { notFound } from '../core/errors.ts';
import { UUID_PATTERN } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';

/** Which events: by delivery status, name, destination and time of receipt. */
export interface EventMatch {
  /** Events with a delivery in any of these statuses. */
  statuses?: string[];
  event_name?: string;
  destination_id?: string;
  from?: Date;
  to?: Date;
}

export interface EventFilter extends EventMatch {
  limit: number;
  cursor?: string;
}

/** The tenant's events that match `f`, as a query to select from (the list and the count share it). */
function matchingEvents(db: Kysely<Database>, tenantId: string, f: EventMatch & { cursor?: string }) {
  let q = db.selectFrom('events as e').where('e.tenant_id', '=', tenantId);
  if (f.event_name) q = q.where('e.event_name', '=', f.event_name);
  if (f.from) q = q.where('e.received_at', '>=', f.from);
  if (f.to) q = q.where('e.received_at', '<', f.to);
  if (f.cursor) q = q.where('e.id', '<', f.cursor);
  const statuses = f.statuses?.length ? f.statuses : undefined;
  if (statuses || f.destination_id) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('deliveries as d')
          .select(sql`1`.as('one'))
          .whereRef('d.tenant_id', '=', 'e.tenant_id')
          .whereRef('d.event_ref', '=', 'e.id')
          .$if(statuses !== undefined, (s) => s.where('d.status', 'in', statuses as never[]))
          .$if(Boolean(f.destination_id), (s) => s.where('d.destination_id', '=', f.destination_id as string)),
      ),
    );
  }
  return q;
}

/**
 * How many events match, counted up to `cap` (`capped` when there are more): a dashboard's "how
 * many dead letters" without reading pages of them, and without an unbounded scan of a large tenant.
 */
export async function countEvents(db: Kysely<Database>, tenantId: string, f: EventMatch, cap: number) {
  const row = await db
    .selectFrom(
      matchingEvents(db, tenantId, f)
        .select(sql`1`.as('one'))
        .limit(cap + 1)
        .as('m'),
    )
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return { count: Math.min(n, cap), capped: n > cap };
}

/** Events newest first (ids are time-ordered), with each one's delivery states. */
export async function listEvents(db: Kysely<Database>, tenantId: string, f: EventFilter) {
  const q = matchingEvents(db, tenantId, f).select([
    'e.id',
    'e.event_id',
    'e.event_name',
    'e.event_time',
    'e.received_at',
    'e.source',
    'e.consent_ads',
    'e.is_test',
  ]);
  const rows = await q
    .orderBy('e.id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const page = rows.slice(0, f.limit);
  const ids = page.map((r) => r.id);
  const deliveries = ids.length
    ? await db
        .selectFrom('deliveries')
        .select(['event_ref', 'destination_id', 'status', 'attempts', 'last_error'])
        .where('tenant_id', '=', tenantId)
        .where('event_ref', 'in', ids)
        .execute()
    : [];
  return {
    items: page.map((r) => ({
      id: r.id,
      event_id: r.event_id,
      event_name: r.event_name,
      event_time: r.event_time.toISOString(),
      received_at: r.received_at.toISOString(),
      source: r.source,
      consent_ads: r.consent_ads,
      is_test: r.is_test,
      deliveries: deliveries.filter((d) => d.event_ref === r.id).map(({ event_ref: _e, ...d }) => d),
    })),
    next_cursor: rows.length > f.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

/** One event by Rastro id or by event_id: what was received, what was sent, every attempt. */
export async function getEventDetail(db: Kysely<Database>, tenantId: string, idOrEventId: string) {
  let q = db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId);
  q = UUID_PATTERN.test(idOrEventId)
    ? q.where((eb) => eb.or([eb('id', '=', idOrEventId), eb('event_id', '=', idOrEventId)]))
    : q.where('event_id', '=', idOrEventId);
  const event = await q.orderBy('id', 'desc').executeTakeFirst();
  if (!event) throw notFound(`event ${idOrEventId}`);
  const deliveries = await db
    .selectFrom('deliveries as d')
    .leftJoin('destinations as t', (j) =>
      j.onRef('t.tenant_id', '=', 'd.tenant_id').onRef('t.destination_id', '=', 'd.destination_id'),
    )
    .select([
      'd.delivery_id',
      'd.destination_id',
      't.name as destination_name',
      't.type as destination_type',
      'd.status',
      'd.attempts',
      'd.replays',
      'd.next_attempt_at',
      'd.delivered_at',
      'd.committed_at',
      'd.last_error',
      'd.payload',
      'd.attempt_log',
      'd.match_quality',
    ])
    .where('d.tenant_id', '=', tenantId)
    .where('d.event_ref', '=', event.id)
    .execute();
  // Each attempt names the batch request it was part of; the platform's answer is kept there once.
  const batchIds = [
    ...new Set(deliveries.flatMap((d) => d.attempt_log.map((a) => a.batch_id).filter((b): b is string => Boolean(b)))),
  ];
  const batches = batchIds.length
    ? await db
        .selectFrom('delivery_batches')
        .select([
          'batch_id',
          'size',
          'platform_code',
          'response',
          'started_at',
          'duration_ms',
          'outcome',
          'http_status',
          'trace_id',
          'message',
        ])
        .where('tenant_id', '=', tenantId)
        .where('batch_id', 'in', batchIds)
        .execute()
    : [];
  const batchById = new Map(batches.map((b) => [b.batch_id, b]));
  // What each delivery's latest attempt sent: its element of the batch's payloads, picked out by the
  // database (a batch holds up to 1,000 of them); rows from before batches kept it in the delivery.
  const sentPayloads = await Promise.all(
    deliveries.map(async (d) => {
      const latest = d.attempt_log.findLast((a) => a.batch_id);
      if (!latest?.batch_id || latest.batch_index === undefined) return d.payload;
      const row = await db
        .selectFrom('delivery_batches')
        .select(sql<unknown>`payloads::json -> ${latest.batch_index}::int`.as('payload'))
        .where('tenant_id', '=', tenantId)
        .where('batch_id', '=', latest.batch_id)
        .executeTakeFirst();
      return row?.payload ?? d.payload;
    }),
  );
  // An event a sale emitted carries the sale and how it was matched to its click.
  const orderId = (event.payload as { custom_data?: { order_id?: string } }).custom_data?.order_id;
  const conversion =
    event.source.startsWith('webhook:') && orderId
      ? await db
          .selectFrom('conversions')
          .select(['conversion_id', 'gateway', 'order_id', 'status', 'match'])
          .where('tenant_id', '=', tenantId)
          .where('gateway', '=', event.source.slice('webhook:'.length))
          .where('order_id', '=', orderId)
          .executeTakeFirst()
      : undefined;
  return {
    id: event.id,
    event_id: event.event_id,
    event_name: event.event_name,
    event_time: event.event_time.toISOString(),
    received_at: event.received_at.toISOString(),
    source: event.source,
    consent_ads: event.consent_ads,
    is_test: event.is_test,
    received: event.payload,
    conversion: conversion
      ? {
          id: conversion.conversion_id,
          gateway: conversion.gateway,
          order_id: conversion.order_id,
          status: conversion.status,
          match: conversion.match ?? { status: 'pending' },
        }
      : null,
    deliveries: deliveries.map((d, i) => ({
      id: d.delivery_id,
      destination_id: d.destination_id,
      destination_name: d.destination_name,
      destination_type: d.destination_type,
      status: d.status,
      attempts: d.attempts,
      replays: d.replays,
      next_attempt_at: d.status === 'pending' ? d.next_attempt_at.toISOString() : null,
      delivered_at: d.delivered_at?.toISOString() ?? null,
      latency_ms: d.delivered_at ? d.delivered_at.getTime() - d.committed_at.getTime() : null,
      last_error: d.last_error,
      sent_payload: sentPayloads[i] ?? null,
      match_quality: d.match_quality === null ? null : Number(d.match_quality),
      attempts_log: d.attempt_log.map(({ batch_index: _index, ...a }) => {
        const batch = a.batch_id ? batchById.get(a.batch_id) : undefined;
        if (!batch) return a;
        return {
          at: new Date(batch.started_at.getTime() + batch.duration_ms).toISOString(),
          outcome: batch.outcome,
          http_status: batch.http_status,
          message: batch.message,
          ...(batch.trace_id ? { trace_id: batch.trace_id } : {}),
          duration_ms: batch.duration_ms,
          ...a,
          batch_size: batch.size,
          platform_code: batch.platform_code,
          platform_response: batch.response,
        };
      }),
    })),
  };
}
