/**
 * The durable floor: the least a track API can do on this machine and still honour Rastro's rule
 * that an acknowledged event is committed together with its pending delivery. A bare Fastify with
 * the same group committer (src/ingest/group-commit.ts, same window and concurrency) writes each
 * event as one row (id, payload as jsonb) and one pending delivery row, in one statement per group,
 * and answers 202 with the event's id. No authentication, validation, hashing, sessions, dedup keys
 * or quality counts: everything Rastro does beyond that is measured as the distance to this floor.
 *
 * bench/ingest.ts runs it in the same process and with the same load as Rastro's rows, so the two
 * compare on the machine as it was at that moment (the hello-world ceiling says how fast a server
 * that writes nothing is; this says how fast one that writes the minimum is).
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { GroupCommitter, type Outcome } from '../src/ingest/group-commit.ts';

export interface DurableFloor {
  /** `POST {url}/track/:event` (one event) and `POST {url}/track` (`{events: [...]}`). */
  url: string;
  /** Events committed so far. */
  committed(): Promise<number>;
}

const SCHEMA = `
  create table floor_events (tenant_id uuid not null, id uuid not null, payload jsonb not null,
    received_at timestamptz not null default now(), primary key (tenant_id, id));
  create table floor_deliveries (tenant_id uuid not null, delivery_id uuid not null, event_ref uuid not null,
    destination_id uuid not null, status text not null, next_attempt_at timestamptz not null default now(),
    primary key (tenant_id, delivery_id));
  create index floor_deliveries_due on floor_deliveries (destination_id, next_attempt_at) where status = 'pending'`;

const INSERT = `
  with e as (
    insert into floor_events (tenant_id, id, payload)
    select $1, unnest($2::uuid[]), unnest($3::jsonb[]) returning id
  )
  insert into floor_deliveries (tenant_id, delivery_id, event_ref, destination_id, status)
  select $1, gen_random_uuid(), id, $4, 'pending' from e`;

/** Runs the floor on `databaseUrl` (a fresh database) for the duration of `use`. */
export async function withDurableFloor<T>(
  databaseUrl: string,
  windowMs: number,
  use: (floor: DurableFloor) => Promise<T>,
): Promise<T> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  await pool.query(SCHEMA);
  const tenantId = randomUUID();
  const destinationId = randomUUID();
  const committer = new GroupCommitter<string[], string[]>({
    windowMs,
    maxWeight: 1000,
    maxConcurrent: 2,
    weight: (payloads) => payloads.length,
    commit: async (groups): Promise<Outcome<string[]>[]> => {
      const ids = groups.map((payloads) => payloads.map(() => randomUUID()));
      await pool.query(INSERT, [tenantId, ids.flat(), groups.flat(), destinationId]);
      return ids.map((value) => ({ ok: true, value }));
    },
  });
  const app = Fastify({ logger: false });
  app.post('/track/:event', async (request, reply) => {
    const event = { ...(request.body as object), event_name: (request.params as { event: string }).event };
    const [id] = await committer.submit([JSON.stringify(event)]);
    return reply.status(202).send({ event_id: id });
  });
  app.post('/track', async (request, reply) => {
    const { events } = request.body as { events: unknown[] };
    const ids = await committer.submit(events.map((e) => JSON.stringify(e)));
    return reply.status(202).send({ events: ids.map((id) => ({ event_id: id })) });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    return await use({
      url,
      committed: async () => Number((await pool.query('select count(*)::int as n from floor_events')).rows[0].n),
    });
  } finally {
    await app.close();
    await committer.close();
    await pool.end();
  }
}
