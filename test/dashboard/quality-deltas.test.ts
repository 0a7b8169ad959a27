import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/delivery/dispatcher.ts';
import { DEFAULT_POLICY } from '../../src/delivery/policy.ts';
import { DestinationRateLimiter } from '../../src/delivery/rate-limit.ts';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { pendingDeltaHours } from '../../src/quality/deltas.ts';
import { computeBucket, foldDeltas } from '../../src/quality/rollup.ts';
import { QualityRollup } from '../../src/quality/task.ts';
import { floorHour } from '../../src/quality/time.ts';
import { startTestRastro, waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { addMetaDestination, purchase, startEmulator } from '../support/meta.ts';

/**
 * The rollup keeps hours current from the deltas each change writes (src/quality/deltas.ts). After
 * every kind of change (acceptance with consent denied and duplicates, delivered, failed, dead after
 * retries, a destination disabled then deleted, a replay and its redelivery), the rows folded from
 * deltas must equal a recomputation of the hour from its events and deliveries.
 */
describe('signal quality deltas', () => {
  let emulator: MetaEmulator;
  let t: TestRastro;
  let tenant: TestTenant;
  let main: string;
  let second: string;
  let rollup: QualityRollup;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestRastro({ env: { RASTRO_META_GRAPH_URL: emulator.url } });
    rollup = new QualityRollup(t.rastro.ctx.db);
    dispatcher = new Dispatcher({
      db: t.rastro.ctx.db,
      secrets: t.rastro.ctx.secrets,
      policy: {
        ...DEFAULT_POLICY,
        baseDelayMs: 1,
        maxDelayMs: 2,
        maxAttempts: 2,
        breakerThreshold: 1000,
        destinationsRefreshMs: 0,
      },
      rateLimiter: new DestinationRateLimiter(),
      sendContext: { baseUrls: { meta: emulator.url }, userAgent: 'rastro-test' },
      metrics: new Registry(),
      log: t.rastro.app.log,
    });
    tenant = await t.createTenant('deltas');
    main = await addMetaDestination(t, tenant);
    second = await addMetaDestination(t, tenant, { pixel_id: '998877665544332' }, { name: 'second pixel' });
  });
  afterAll(async () => {
    await t.close();
    await emulator.close();
  });

  const rows = async () => {
    const all = await t.rastro.ctx.db
      .selectFrom('quality_hourly')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .orderBy('hour')
      .orderBy('destination_id')
      .orderBy('event_name')
      .execute();
    return all.map((r) => ({ ...r, hour: new Date(r.hour).toISOString() }));
  };
  /**
   * Folds the deltas (only: the worker's pass would also recompute replayed hours), then recomputes
   * the hour and expects the same rows.
   */
  const expectFoldEqualsRecompute = async () => {
    for (const h of await pendingDeltaHours(t.rastro.ctx.db, 100))
      await foldDeltas(t.rastro.ctx.db, h.tenant_id, h.hour);
    const folded = await rows();
    expect(folded.length).toBeGreaterThan(0);
    const hours = new Set(folded.map((r) => r.hour));
    for (const hour of hours) await computeBucket(t.rastro.ctx.db, tenant.id, new Date(hour));
    expect(await rows()).toEqual(folded);
    return folded;
  };
  /** Runs the dispatcher until the main pixel has nothing queued (retries wait at least 250 ms). */
  const dispatchUntilIdle = () =>
    waitFor(
      async () => {
        await dispatcher.runOnce();
        const open = await t.rastro.ctx.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('tenant_id', '=', tenant.id)
          .where('destination_id', '=', main)
          .where('status', 'in', ['pending', 'processing'])
          .executeTakeFirstOrThrow();
        return Number(open.n) === 0;
      },
      15_000,
      'main pixel idle',
    );
  const send = async (events: Record<string, unknown>[]) => {
    const res = await t.call('POST', '/api/v1/events', tenant.keys.admin, { events });
    expect(res.statusCode, res.body).toBe(202);
  };

  it('match a recomputation after acceptance, outcomes, a deletion and a replay', async () => {
    await send([
      purchase({ event_id: 'd-p1' }),
      purchase({ event_id: 'd-p2' }),
      purchase({ event_id: 'd-p3', currency: undefined }), // fails locally: Purchase needs a currency
      {
        event_name: 'page_view',
        url: 'https://shop.example.com/',
        ip: '198.51.100.4',
        user_agent: 'UA/1.0',
        event_id: 'd-v1',
      },
      {
        event_name: 'lead',
        url: 'https://shop.example.com/',
        ip: '198.51.100.5',
        user_agent: 'UA/1.0',
        consent: { ads: false },
      },
    ]);
    await send([purchase({ event_id: 'd-p1' })]); // repeated: deduplicated for both destinations
    const accepted = await expectFoldEqualsRecompute();
    const byDest = (d: string, name: string) => accepted.find((r) => r.destination_id === d && r.event_name === name);
    expect(byDest(main, 'purchase')).toMatchObject({ received: 4, deduplicated: 1, pending: 3 });

    // The second pixel is disabled: its deliveries stay queued while the main one's go out.
    expect(
      (await t.call('PATCH', `/api/v1/destinations/${second}`, tenant.keys.admin, { enabled: false })).statusCode,
    ).toBe(200);
    await dispatchUntilIdle();
    const sent = await expectFoldEqualsRecompute();
    expect(sent.find((r) => r.destination_id === main && r.event_name === 'purchase')).toMatchObject({
      delivered: 2,
      failed: 1,
      deduplicated: 1,
      pending: 0,
    });
    expect(sent.find((r) => r.destination_id === second && r.event_name === 'purchase')?.pending).toBe(3);

    // The platform fails until the retries run out: dead.
    await send([purchase({ event_id: 'd-p4' })]);
    emulator.injectFaults({ type: '5xx', count: 10 });
    await dispatchUntilIdle();
    emulator.clearFaults();
    const dead = await expectFoldEqualsRecompute();
    expect(dead.find((r) => r.destination_id === main && r.event_name === 'purchase')).toMatchObject({ dead: 1 });

    // Deleting the second pixel skips what it still had queued (it was disabled before d-p4 came).
    expect((await t.call('DELETE', `/api/v1/destinations/${second}`, tenant.keys.admin)).statusCode).toBe(204);
    const skipped = await expectFoldEqualsRecompute();
    expect(skipped.find((r) => r.destination_id === second && r.event_name === 'purchase')).toMatchObject({
      received: 4,
      deduplicated: 1,
      skipped: 3,
      pending: 0,
    });

    // A replay takes the dead and the failed deliveries back to pending; the dead one is then delivered
    // (its latency is not counted: a replay) and the invalid one fails again.
    const replay = await t.call('POST', '/api/v1/replay', tenant.keys.admin, { destination_id: main });
    expect(replay.json()).toEqual({ replayed: 2 });
    const reopened = await expectFoldEqualsRecompute();
    expect(reopened.find((r) => r.destination_id === main && r.event_name === 'purchase')).toMatchObject({
      dead: 0,
      failed: 0,
      pending: 2,
    });
    await dispatchUntilIdle();
    const done = await expectFoldEqualsRecompute();
    const purchases = done.find((r) => r.destination_id === main && r.event_name === 'purchase');
    expect(purchases).toMatchObject({ received: 5, delivered: 3, failed: 1, dead: 0, deduplicated: 1, pending: 0 });
    expect(Object.values(purchases!.latency).reduce((a, b) => a + b, 0)).toBe(2);
    expect(done.every((r) => new Date(r.hour).getTime() === floorHour(Date.now()).getTime() || r.received === 0)).toBe(
      true,
    );
  });

  it("leaves no deltas behind once the worker's pass folded them", async () => {
    await send([
      { event_name: 'page_view', url: 'https://shop.example.com/', ip: '198.51.100.6', user_agent: 'UA/1.0' },
    ]);
    await rollup.drain();
    const left = await t.rastro.ctx.db
      .selectFrom('quality_deltas')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenant.id)
      .executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(0);
    // A tenant whose events all came with deltas is not backfilled: its hour waits only for the
    // reconciliation after it closes.
    const buckets = await t.rastro.ctx.db
      .selectFrom('quality_buckets')
      .select(['hour', 'next_check_at', 'computed_at'])
      .where('tenant_id', '=', tenant.id)
      .execute();
    expect(buckets).toHaveLength(1);
    expect(new Date(buckets[0]!.next_check_at!).getTime()).toBe(new Date(buckets[0]!.hour).getTime() + 62 * 60_000);
    expect(buckets[0]!.computed_at).not.toBeNull();
  });
});
