import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.ts';
import { Registry } from 'prom-client';
import { claimDue, claimLocked, releaseExpiredLeases } from '../../src/delivery/claim.ts';
import { Dispatcher } from '../../src/delivery/dispatcher.ts';
import { DEFAULT_POLICY } from '../../src/delivery/policy.ts';
import { DestinationRateLimiter } from '../../src/delivery/rate-limit.ts';
import { recordOutcome, type Transition } from '../../src/delivery/record.ts';
import type { Rastro } from '../../src/runtime/start.ts';
import { nodesOnOneDatabase } from '../support/nodes.ts';
import { OPERATOR_TOKEN, waitFor } from '../support/harness.ts';
import { PIXEL, purchase, TOKEN } from '../support/meta.ts';

/**
 * How a worker holds the deliveries it sends (src/delivery/claim.ts): row locks in an open
 * transaction on PostgreSQL, up to `lockedBatches` per process, leases beyond that. PGlite always
 * leases (its one connection must not wait on a platform), so this file needs a PostgreSQL server.
 */
describe.skipIf(!process.env.DATABASE_URL)('deliveries held by row locks (PostgreSQL)', () => {
  const cluster = nodesOnOneDatabase();
  const start = (role: 'api') => cluster.start(role);

  /** A tenant with one Meta destination and `n` accepted purchases, through the API of `node`. */
  const seed = async (node: Rastro, prefix: string, n: number, batchSize = 100) => {
    const inject = (url: string, key: string, payload: unknown) =>
      node.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
    const tenant = (await inject('/api/v1/tenants', OPERATOR_TOKEN, { name: prefix })).json();
    const dest = (
      await inject('/api/v1/destinations', tenant.keys.admin, {
        type: 'meta_capi',
        name: 'p',
        config: { pixel_id: PIXEL, access_token: TOKEN },
        batch_size: batchSize,
      })
    ).json();
    const events = Array.from({ length: n }, (_, i) => purchase({ event_id: `${prefix}-${i}` }));
    expect((await inject('/api/v1/events', tenant.keys.admin, { events })).statusCode).toBe(202);
    return { tenantId: tenant.id as string, destinationId: dest.id as string };
  };

  /** A dispatcher driven by hand (no worker loops), sending to the cluster's emulator. */
  const dispatcherOf = (node: Rastro, db: Kysely<Database>, lockedBatches: number) =>
    new Dispatcher({
      db,
      secrets: node.ctx.secrets,
      policy: { ...DEFAULT_POLICY, lockedBatches, destinationsRefreshMs: 0 },
      rateLimiter: new DestinationRateLimiter(),
      sendContext: { baseUrls: { meta: cluster.emulator.url }, userAgent: 'rastro-test' },
      metrics: new Registry(),
      log: node.app.log,
    });

  const statuses = async (tenantId: string) =>
    cluster.database.db
      .selectFrom('deliveries')
      .select(['status', 'attempts', 'attempt_log'])
      .where('tenant_id', '=', tenantId)
      .execute();

  it('sends one batch under locks and leases the next; each delivery row is written once per attempt', async () => {
    // The dispatcher is driven by hand (no worker loops): two passes overlap while the platform is slow.
    const api = await start('api');
    const { tenantId } = await seed(api, 'held', 10, 5);
    const dispatcher = dispatcherOf(api, cluster.database.db, 1);
    cluster.emulator.injectFaults({ faults: [], latencyMs: 3_000 });
    try {
      const first = dispatcher.runOnce(); // takes the one lock slot
      await waitFor(async () => (await sendingUnderLocks()) === 1);
      const second = dispatcher.runOnce(); // leases
      await waitFor(async () => (await statuses(tenantId)).filter((d) => d.status === 'processing').length === 5);
      // Both batches are in flight: the locked one still reads `pending`, the leased one `processing`.
      expect((await statuses(tenantId)).filter((d) => d.status === 'pending')).toHaveLength(5);
      // Locked rows are invisible to any other claim.
      expect(await claimDue(cluster.database.db, (await destinationOf(tenantId))!, 100, 'other', 60_000)).toHaveLength(
        0,
      );
      expect((await first) + (await second)).toBe(10);
      const done = await statuses(tenantId);
      expect(done.map((d) => d.status)).toEqual(Array(10).fill('delivered'));
      // One attempt each, whichever way it was held; the attempt names its batch.
      expect(done.map((d) => d.attempts)).toEqual(Array(10).fill(1));
      for (const d of done) {
        expect(d.attempt_log).toHaveLength(1);
        expect(d.attempt_log[0]).toMatchObject({ status: 'delivered', batch_id: expect.any(String) });
      }
      const got = cluster.emulator.received().filter((e) => e.eventId?.startsWith('held-'));
      expect(new Set(got.map((e) => e.eventId)).size).toBe(10);
      expect(got).toHaveLength(10);
    } finally {
      cluster.emulator.clearFaults();
    }
  }, 60_000);

  it('probes the queue before a locked claim only when the last claim was short', async () => {
    // The probe spares an idle destination a transaction; behind a backlog it only walks the index
    // entries the claim walks next, so a destination whose last claim came back full skips it.
    const api = await start('api');
    const { destinationId } = await seed(api, 'probe', 12, 5);
    const pool = new pg.Pool({ connectionString: cluster.database.url, max: 4 });
    let probes = 0;
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        // Other tests' destinations share the database: count this one's probes.
        if (e.query.sql.includes('select exists') && e.query.parameters.includes(destinationId)) probes += 1;
      },
    });
    const dispatcher = dispatcherOf(api, db, 4);
    try {
      // 5 (probed first), 5 (full before: no probe), 2 (full before: no probe), then empty (short
      // before: probed, and no transaction opened).
      const passes = [];
      for (let i = 0; i < 4; i++) passes.push(await dispatcher.runOnce());
      expect(passes).toEqual([5, 5, 2, 0]);
      expect(probes).toBe(2);
    } finally {
      await db.destroy();
    }
  }, 60_000);

  /**
   * Transactions of this database waiting on their client with row locks taken: a batch being sent
   * under locks. Read from pg_stat_activity: probing the rows with a lock of its own would take them
   * from the claim it waits for.
   */
  const sendingUnderLocks = async () => {
    const r = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state = 'idle in transaction' and backend_xid is not null`.execute(
      cluster.database.db,
    );
    return r.rows[0]!.n;
  };

  const destinationOf = async (tenantId: string) =>
    (
      await cluster.database.db
        .selectFrom('destinations')
        .select('destination_id')
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
    )?.destination_id;

  it("a dead worker's locked deliveries are due again at once, without waiting for any lease", async () => {
    const api = cluster.nodes[0]!;
    const { destinationId } = await seed(api, 'dead', 4);
    // The dying worker has a connection of its own, like a process of its own.
    const pool = new pg.Pool({ connectionString: cluster.database.url, max: 1 });
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const worker = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    let claimed = (): void => undefined;
    const holding = new Promise<void>((resolve) => (claimed = resolve));
    let pid = 0;
    const sending = worker
      .transaction()
      .execute(async (trx) => {
        pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
        expect(await claimLocked(trx, destinationId, 100)).toHaveLength(4);
        claimed();
        await new Promise((r) => setTimeout(r, 3_000)); // "sending"; the process dies meanwhile
      })
      .then(
        () => 'committed',
        () => 'lost',
      );
    await holding;
    expect(await claimDue(cluster.database.db, destinationId, 100, 'other', 60_000)).toHaveLength(0);
    // The worker process dies: its connection goes, and PostgreSQL rolls its transaction back.
    await sql`select pg_terminate_backend(${pid}::int)`.execute(cluster.database.db);
    const taken = await waitFor(async () => {
      const rows = await claimDue(cluster.database.db, destinationId, 100, 'survivor', 60_000);
      return rows.length > 0 ? rows : undefined;
    }, 5_000);
    expect(taken).toHaveLength(4);
    // Its attempt was never counted: the rollback took the count with it.
    expect(taken.map((d) => d.attempts)).toEqual([1, 1, 1, 1]);
    expect(await sending).toBe('lost');
    await worker.destroy();
  }, 90_000);

  it('an outcome recorded after the lease was taken over changes nothing', async () => {
    const api = cluster.nodes[0]!;
    const { tenantId, destinationId } = await seed(api, 'late', 3);
    const first = await claimDue(cluster.database.db, destinationId, 100, 'slow-worker', 200);
    expect(first).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(await releaseExpiredLeases(cluster.database.db)).toBeGreaterThanOrEqual(3);
    const second = await claimDue(cluster.database.db, destinationId, 100, 'fast-worker', 60_000);
    expect(second).toHaveLength(3);
    const delivered = (workerId: string, claimed: typeof first) => {
      const transitions: Transition[] = claimed.map((c) => ({
        tenantId,
        deliveryId: c.delivery_id,
        rowRef: c.row_ref,
        status: 'delivered',
      }));
      return recordOutcome(
        cluster.database.db,
        { kind: 'lease', workerId },
        destinationId,
        undefined,
        transitions,
        't',
      );
    };
    // The slow worker's answer arrives late: its row addresses are old versions, its lease is gone.
    await delivered('slow-worker', first);
    expect((await statuses(tenantId)).map((d) => d.status)).toEqual(['processing', 'processing', 'processing']);
    await delivered('fast-worker', second);
    const rows = await statuses(tenantId);
    expect(rows.map((d) => [d.status, d.attempts])).toEqual(Array(3).fill(['delivered', 2]));
  }, 30_000);
});
