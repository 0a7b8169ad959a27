import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { estimateEmq, identifiersOf, maskOf, type IdentifiedEvent } from '../../src/quality/emq.ts';
import { latencyBucket, LATENCY_BUCKET_SQL } from '../../src/quality/latency.ts';
import { ALL_DESTINATIONS } from '../../src/quality/fold.ts';
import { computeBucket, MASK_SQL } from '../../src/quality/rollup.ts';
import { QualityRollup } from '../../src/quality/task.ts';
import { floorHour, HOUR_MS, uuidV7Floor } from '../../src/quality/time.ts';
import { waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { purchase, startMetaRig, type MetaRig } from '../support/meta.ts';

interface Point {
  t?: string;
  received: number;
  deliveries: number;
  delivered: number;
  failed: number;
  dead: number;
  deduplicated: number;
  skipped: number;
  pending: number;
  delivery_rate: number | null;
  dedup_rate: number | null;
  latency_ms: { p50: number; p95: number; p99: number } | null;
  emq: number | null;
  coverage: Record<string, number> | null;
}
interface Report {
  bucket: string;
  totals: Point;
  series: Point[];
  event_names: (Point & { event_name: string })[];
  destinations: (Point & { destination_id: string; name: string })[];
  errors: { message: string; count: number }[];
  computed_at: string | null;
  backfilling: number;
}

const pageview = (overrides: Record<string, unknown> = {}) => ({
  event_name: 'page_view',
  url: 'https://shop.example.com/',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
  ip: '198.51.100.4',
  fbp: 'fb.1.1700000000000.1234567890',
  ...overrides,
});

describe('signal quality API (hourly rollup)', () => {
  let emulator: MetaEmulator;
  let t: TestRastro;
  let tenant: TestTenant;
  let destinationId: string;
  let rollup: QualityRollup;
  let rig: MetaRig;

  beforeAll(async () => {
    rig = await startMetaRig({
      tenant: 'quality shop',
      deliveryPolicy: { baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 2, breakerThreshold: 1000 },
    });
    ({ emulator, t, tenant, destinationId } = rig);
    rollup = new QualityRollup(t.rastro.ctx.db);
  });
  afterAll(() => rig.close());

  const send = async (events: Record<string, unknown>[], key = tenant.keys.admin) => {
    const res = await t.call('POST', '/api/v1/events', key, { events });
    expect(res.statusCode, res.body).toBe(202);
    return (res.json() as { events: { id: string }[] }).events;
  };
  const report = async (query = '', key = tenant.keys.admin): Promise<Report> => {
    const res = await t.call('GET', `/api/v1/quality${query}`, key);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Report;
  };
  /** Recomputes until the report satisfies `check` (workers also run the rollup in the background). */
  const settle = (check: (r: Report) => boolean, query = '', what = 'report') =>
    waitFor(
      async () => {
        await rollup.drain();
        const r = await report(query);
        return check(r) ? r : undefined;
      },
      20_000,
      what,
    );

  it('computes the same identifier mask in SQL as identifiersOf() in TypeScript', async () => {
    const samples: IdentifiedEvent[] = [
      {},
      { user: { em: ['a'], ph: [] }, client_ip: '1.2.3.4' },
      { user: { external_id: ['x'], fn: ['f'], ln: ['l'], ct: ['c'], st: ['s'], zp: ['z'], country: ['br'] } },
      { user: { db: ['d'], ge: ['f'] }, user_agent: 'UA', click_ids: { fbc: 'fb.1.1.x', fbp: '' } },
      { click_ids: { fbp: 'fb.1.2.3' }, client_ip: '', user_agent: 'UA', user: { em: 'single-string' } },
    ];
    for (const payload of samples) {
      const { rows } = await sql<{ mask: number }>`
        select ${sql.raw(MASK_SQL)} as mask from (select ${JSON.stringify(payload)}::json as payload) e`.execute(
        t.rastro.ctx.db,
      );
      expect(rows[0]?.mask, JSON.stringify(payload)).toBe(maskOf(identifiersOf(payload)));
    }
  });

  it('computes the same latency bucket in SQL as in TypeScript', async () => {
    for (const ms of [0, 5, 10, 10.5, 12.5, 13, 99, 250, 1000, 1234.5, 60_000, 3_600_000, 1e10]) {
      const { rows } = await sql<{ b: number }>`
        select ${sql.raw(LATENCY_BUCKET_SQL(`${ms}::double precision`))} as b`.execute(t.rastro.ctx.db);
      expect(rows[0]?.b, String(ms)).toBe(latencyBucket(ms));
    }
  });

  it('reports volumes, rates, latency, coverage and the EMQ estimate of live traffic', async () => {
    emulator.injectFaults({ type: '5xx', count: 2 });
    const [doomed] = await send([purchase({ event_id: 'quality-dead-1' })]);
    await waitFor(async () => {
      const d = (await t.call('GET', `/api/v1/events/${doomed!.id}`, tenant.keys.admin)).json();
      return d.deliveries[0]?.status === 'dead';
    });
    await send([
      purchase({ event_id: 'q-p1' }),
      purchase({ event_id: 'q-p2' }),
      pageview({ event_id: 'q-v1' }),
      pageview({ event_id: 'q-v2' }),
      pageview({ event_id: 'q-v3', consent: { ads: false } }),
    ]);
    await send([purchase({ event_id: 'q-p1' })]); // same event_id and name: deduplicated

    const r = await settle((x) => x.totals.received === 7 && x.totals.pending === 0, '', 'live traffic');
    expect(r.bucket).toBe('hour');
    expect(r.series).toHaveLength(25);
    expect(r.totals).toMatchObject({
      received: 7,
      deliveries: 7,
      delivered: 4,
      dead: 1,
      failed: 0,
      deduplicated: 1,
      skipped: 1,
      pending: 0,
      delivery_rate: 0.8,
    });
    expect(r.totals.dedup_rate).toBeCloseTo(1 / 7, 3);
    expect(r.totals.latency_ms?.p50).toBeGreaterThan(0);
    expect(r.totals.latency_ms!.p99).toBeGreaterThanOrEqual(r.totals.latency_ms!.p50);
    // 4 purchases carry email, phone, name, city, IP and UA; 3 pageviews carry fbp, IP and UA.
    const strong = estimateEmq(['em', 'ph', 'fn', 'ct', 'client_ip', 'user_agent']);
    const weak = estimateEmq(['fbp', 'client_ip', 'user_agent']);
    expect(r.totals.emq).toBeCloseTo((4 * strong + 3 * weak) / 7, 1);
    expect(r.totals.coverage).toEqual({
      em: 0.571,
      ph: 0.571,
      fbc: 0,
      fbp: 0.429,
      ip_ua: 1,
      external_id: 0,
    });
    const current = r.series[r.series.length - 1]!;
    expect(current.received).toBe(7);
    expect(r.series.slice(0, -1).every((p) => p.received === 0)).toBe(true);
    expect(r.event_names.map((e) => [e.event_name, e.received])).toEqual([
      ['purchase', 4],
      ['page_view', 3],
    ]);
    expect(r.destinations).toHaveLength(1);
    expect(r.destinations[0]).toMatchObject({ destination_id: destinationId, name: 'main pixel', delivered: 4 });
    expect(r.errors[0]?.count).toBe(1);
    expect(r.computed_at).not.toBeNull();

    const purchases = await report(`?event_name=purchase&destination_id=${destinationId}`);
    expect(purchases.totals).toMatchObject({ received: 4, delivered: 2, dead: 1, deduplicated: 1 });
    expect(purchases.totals.emq).toBe(strong);
    const days = await report('?bucket=day');
    expect(days.series).toHaveLength(31);
    expect(days.totals.received).toBe(7);
  });

  it("stores each event's identifier mask at ingest, equal to the one derived from its payload", async () => {
    const { rows } = await sql<{ stored: number | null; derived: number }>`
      select e.id_mask as stored, ${sql.raw(MASK_SQL)} as derived from events e where e.tenant_id = ${tenant.id}`.execute(
      t.rastro.ctx.db,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.stored).toBe(r.derived);
    expect(new Set(rows.map((r) => r.derived)).size).toBeGreaterThan(1);
  });

  it('reopens the hour of a replayed delivery and counts it delivered', async () => {
    const replay = await t.call('POST', '/api/v1/replay', tenant.keys.admin, { destination_id: destinationId });
    expect(replay.json()).toEqual({ replayed: 1 });
    const r = await settle((x) => x.totals.dead === 0 && x.totals.pending === 0, '', 'replay counted');
    expect(r.totals).toMatchObject({ delivered: 5, dead: 0, delivery_rate: 1 });
  });

  it('keeps tenants apart', async () => {
    const other = await t.createTenant('other');
    await rollup.drain();
    const r = await report('', other.keys.admin);
    expect(r.totals.received).toBe(0);
    expect(r.event_names).toEqual([]);
    const ingest = await t.call('GET', '/api/v1/quality', tenant.keys.ingest);
    expect(ingest.statusCode).toBe(403);
  });

  it('backfills the history of a tenant it has not seen, and lets settled hours rest', async () => {
    const db = t.rastro.ctx.db;
    const old = await t.createTenant('history');
    const base = floorHour(Date.now() - 3 * 24 * HOUR_MS).getTime();
    const rows = Array.from({ length: 30 }, (_, i) => {
      const at = base + i * 2 * HOUR_MS + 1234;
      return {
        tenant_id: old.id,
        id: uuidV7Floor(at).replace(/0{12}$/, String(i).padStart(12, '0')),
        event_id: `old-${i}`,
        event_name: i % 3 === 0 ? 'lead' : 'page_view',
        event_time: new Date(at),
        received_at: new Date(at),
        source: 'api',
        payload: JSON.stringify({ user: i % 3 === 0 ? { em: ['h'] } : {}, click_ids: {}, client_ip: '1.1.1.1' }),
        consent_ads: true,
        is_test: false,
      };
    });
    await db.insertInto('events').values(rows).execute();
    // The worker's own rollup pass may hold a bucket while this drain runs (an hour without events
    // too, so all 30 events can be counted while it is still leased): poll until every hour of the
    // range is computed (a bucket lost for good still fails, at the timeout).
    const range = `?from=${new Date(base).toISOString()}&to=${new Date(base + 60 * HOUR_MS).toISOString()}`;
    const r = await waitFor(
      async () => {
        await rollup.drain();
        const x = await report(range, old.keys.admin);
        return x.totals.received === 30 && x.backfilling === 0 ? x : undefined;
      },
      20_000,
      'backfill of 30 events',
    );
    expect(r.totals.received).toBe(30);
    expect(r.series.filter((p) => p.received > 0)).toHaveLength(30);
    expect(r.backfilling).toBe(0);
    expect(r.event_names.find((e) => e.event_name === 'lead')).toMatchObject({
      received: 10,
      emq: estimateEmq(['em', 'client_ip']),
    });
    const open = await db
      .selectFrom('quality_buckets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', old.id)
      .where('next_check_at', 'is not', null)
      .where('hour', '<', new Date(Date.now() - 2 * HOUR_MS))
      .executeTakeFirstOrThrow();
    expect(Number(open.n)).toBe(0);
  });

  it('recomputes a bucket idempotently', async () => {
    const db = t.rastro.ctx.db;
    const hour = floorHour(new Date());
    const before = await db.selectFrom('quality_hourly').selectAll().where('tenant_id', '=', tenant.id).execute();
    await computeBucket(db, tenant.id, hour);
    await computeBucket(db, tenant.id, hour);
    const after = await db.selectFrom('quality_hourly').selectAll().where('tenant_id', '=', tenant.id).execute();
    const key = (r: { destination_id: string; event_name: string }) => `${r.destination_id}|${r.event_name}`;
    expect(after.map(key).sort()).toEqual(before.map(key).sort());
    expect(after.find((r) => r.destination_id === ALL_DESTINATIONS && r.event_name === 'purchase')?.received).toBe(4);
  });

  it('recomputes one bucket from concurrent callers without colliding', async () => {
    const db = t.rastro.ctx.db;
    const hour = floorHour(new Date());
    await Promise.all(Array.from({ length: 6 }, () => computeBucket(db, tenant.id, hour)));
    const after = await db.selectFrom('quality_hourly').selectAll().where('tenant_id', '=', tenant.id).execute();
    expect(after.find((r) => r.destination_id === ALL_DESTINATIONS && r.event_name === 'purchase')?.received).toBe(4);
  });

  it('refuses bad ranges', async () => {
    const now = new Date().toISOString();
    const res = await t.call('GET', `/api/v1/quality?from=${now}&to=${now}`, tenant.keys.admin);
    expect(res.statusCode).toBe(400);
    const long = await t.call('GET', '/api/v1/quality?from=2020-01-01T00:00:00Z&bucket=hour', tenant.keys.admin);
    expect(long.statusCode).toBe(400);
    expect(long.json().error.code).toBe('validation_failed');
  });

  it("times the worker's folds for /metrics", async () => {
    await send([pageview({ event_id: 'q-metrics', consent: { ads: false } })]);
    await waitFor(async () => {
      const metric = await t.rastro.ctx.metrics.getSingleMetric('rastro_quality_pass_seconds')!.get();
      const values = metric.values as { metricName?: string; labels: Record<string, unknown>; value: number }[];
      const folds = values.find(
        (v) => v.metricName === 'rastro_quality_pass_seconds_count' && v.labels.kind === 'fold',
      );
      return (folds?.value ?? 0) > 0;
    });
    const res = await t.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain('rastro_quality_pass_seconds_bucket{le="0.001",kind="fold"}');
  });
});
