import { Counter, Histogram } from 'prom-client';
import { registered } from '../core/metrics.ts';
import { newId } from '../core/ids.ts';
import { sql, type RawBuilder } from 'kysely';
import { outboxStatement, type AcceptedEvent, type OutboxInput } from '../delivery/outbox.ts';
import { enabledDestinationsCached, type ResolvedDestination } from '../destinations/store.ts';
import { canonicalizeEvents } from '../events/accept.ts';
import type { EventInput } from '../events/input-schema.ts';
import type { AppContext } from '../http/context.ts';
import { queuedEvent, queueTouchesCte, type QueuedEvent } from '../sessions/queue.ts';
import { sessionTouchOf, sessionUpsertCall, type TrackExtras } from '../sessions/record.ts';
import { GroupCommitter, type Outcome } from './group-commit.ts';
import type { TrackEventInput } from './track-schema.ts';

/** One track request: its events, where they came from, and how to name their fields in errors. */
export interface TrackSubmission {
  tenantId: string;
  inputs: TrackEventInput[];
  clientIp?: string;
  userAgent?: string;
  /** Error path of input `i`: `body` for one event, `body.events.<i>` for a batch. */
  field: (i: number) => string;
}

/**
 * Events per group. Rows travel as one parameter per column, so this is not a bind-parameter limit:
 * it bounds one statement's size and how long its requests wait together.
 */
export const MAX_GROUP_EVENTS = 1000;

const splitExtras = (input: TrackEventInput): [EventInput, TrackExtras] => {
  const { click_id, first_touch, last_touch, ...event } = input;
  return [event, { click_id, first_touch, last_touch }];
};

/** A group's requests made ready to write: canonical events with their ids, and those that reveal a session. */
export interface PreparedTrack {
  tenantId: string;
  outbox: OutboxInput[];
  sessions: QueuedEvent[];
}

/**
 * Canonicalizes one request (hashing at the edge) and lists its events that reveal a session, to be
 * folded later. Runs when the request arrives, before it joins a group: a bad request is refused at
 * once (it throws `validation_failed`) and never waits for a commit, and the group's turn on the
 * database connection is spent only on building and running its statement, while the next requests
 * are canonicalized beside it. `targets` only lend their default phone region; the deliveries are
 * decided from the destinations read when the group commits.
 */
export function prepareTrack(item: TrackSubmission, targets: ResolvedDestination[]): PreparedTrack {
  const split = item.inputs.map(splitExtras);
  const outbox = canonicalizeEvents(
    split.map(([e]) => e),
    'track',
    targets,
    { clientIp: item.clientIp, userAgent: item.userAgent },
    item.field,
  );
  const sessions: QueuedEvent[] = [];
  outbox.forEach((o, i) => {
    o.id = newId();
    const queued = queuedEvent(o.id, o.event, split[i]![1]);
    if (queued) sessions.push(queued);
  });
  return { tenantId: item.tenantId, outbox, sessions };
}

/**
 * How a group's sessions are written: `queue` (PostgreSQL) names the events that reveal a session in
 * one row the fold reads later (src/sessions/queue.ts); `inline` (PGlite) upserts the sessions right
 * after the events, in the same transaction. PGlite is one connection in this process: deferring the
 * upsert frees nothing there, and reading the events back to fold them cost more than the upsert.
 */
export type SessionWrite = 'queue' | 'inline';

/** RASTRO_INGEST_SESSIONS, or the engine's default. */
export const sessionWrite = (ctx: AppContext): SessionWrite =>
  ctx.config.ingestSessions ?? (ctx.engine === 'pglite' ? 'inline' : 'queue');

/**
 * One tenant's statements of a group: its events, deliveries and queued sessions in one statement,
 * or (`inline`) that statement without the queue and the sessions' upsert call after it.
 */
export function trackStatements(
  tenantId: string,
  ready: PreparedTrack[],
  targets: ResolvedDestination[],
  sessions: SessionWrite = 'queue',
): RawBuilder<unknown>[] {
  const mine = ready.filter((p) => p.tenantId === tenantId);
  if (mine.length === 0) return [];
  const outbox = mine.flatMap((p) => p.outbox);
  const queued = mine.flatMap((p) => p.sessions);
  if (sessions === 'queue')
    return [outboxStatement(tenantId, outbox, targets, queueTouchesCte(tenantId, queued)).statement];
  const events = new Map(outbox.map((o) => [o.id!, o.event]));
  const now = new Date();
  const upsert = sessionUpsertCall(
    tenantId,
    queued.map((q) => sessionTouchOf(events.get(q.id)!, q.x, now)!),
  );
  const { statement } = outboxStatement(tenantId, outbox, targets);
  return upsert ? [statement, sql`select ${upsert}`] : [statement];
}

/**
 * The track API's accept path: the same transactional outbox as `acceptEvents`, for a group of
 * requests prepared on arrival (`prepareTrack`). The destinations of each tenant come from a
 * one-second cache; the events, their deliveries and their sessions (see SessionWrite) of a tenant
 * are written by one statement (atomic by itself, one round trip) when sessions are queued, and a
 * group of several statements (several tenants, or sessions upserted inline) runs them in one
 * transaction.
 */
export async function commitTrackGroup(ctx: AppContext, ready: PreparedTrack[]): Promise<Outcome<AcceptedEvent[]>[]> {
  const tenants = [...new Set(ready.map((i) => i.tenantId))].sort();
  const statements = (
    await Promise.all(
      tenants.map(async (t) =>
        trackStatements(t, ready, await enabledDestinationsCached(ctx.db, ctx.secrets, t), sessionWrite(ctx)),
      ),
    )
  ).flat();
  if (statements.length === 1) await statements[0]!.execute(ctx.db);
  else if (statements.length > 1) {
    await ctx.db.transaction().execute(async (trx) => {
      for (const statement of statements) await statement.execute(trx);
    });
  }
  return ready.map((p) => ({
    ok: true,
    value: p.outbox.map((o) => ({ id: o.id!, event_id: o.event.event_id, event_name: o.event.event_name })),
  }));
}

/**
 * Accepts one track request: prepared now (a bad one throws `validation_failed` here), answered
 * once its group has committed.
 */
export async function submitTrack(
  ctx: AppContext,
  committer: GroupCommitter<PreparedTrack, AcceptedEvent[]>,
  item: TrackSubmission,
): Promise<AcceptedEvent[]> {
  const targets = await enabledDestinationsCached(ctx.db, ctx.secrets, item.tenantId);
  return committer.submit(prepareTrack(item, targets));
}

/** One group committer per app: the track routes submit to it and await their own group's commit. */
export function createTrackCommitter(ctx: AppContext): GroupCommitter<PreparedTrack, AcceptedEvent[]> {
  const groups = registered(
    ctx.metrics,
    'rastro_ingest_group_size',
    (name) =>
      new Histogram({
        name,
        help: 'Track requests committed per transaction (group commit)',
        buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
        registers: [ctx.metrics],
      }),
  );
  const groupSeconds = registered(
    ctx.metrics,
    'rastro_ingest_group_seconds',
    (name) =>
      new Histogram({
        name,
        help: 'Time to commit one group of track requests (prepare and transaction)',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [ctx.metrics],
      }),
  );
  const fallbacks = registered(
    ctx.metrics,
    'rastro_ingest_group_fallbacks_total',
    (name) =>
      new Counter({
        name,
        help: 'Groups whose transaction failed and whose requests were committed one by one',
        registers: [ctx.metrics],
      }),
  );
  return new GroupCommitter<PreparedTrack, AcceptedEvent[]>({
    windowMs: ctx.config.ingestWindowMs,
    maxWeight: MAX_GROUP_EVENTS,
    // PGlite has one connection. On PostgreSQL two groups overlap (one commits while the next is
    // prepared); more parallel groups only make smaller groups, i.e. more statements per event.
    maxConcurrent: ctx.engine === 'pglite' ? 1 : 2,
    weight: (p) => p.outbox.length,
    commit: (items) => commitTrackGroup(ctx, items),
    onGroup: (size, _weight, ms) => {
      groups.observe(size);
      groupSeconds.observe(ms / 1000);
    },
    onFallback: () => fallbacks.inc(),
  });
}
