/**
 * Scale-out: several `rastro serve --role api` and `--role worker` processes on one PostgreSQL
 * database plus Redis (the topology of docker-compose.yml, with plain processes). Traffic is spread
 * over the API processes; the emulator measures what reaches Meta.
 *
 * Checked: every acknowledged event delivered once (no double send across workers), every worker
 * took part, and the per-destination rate limit holds across all workers together (the average
 * receive rate stays at the limit; the busiest sliding second stays under twice the limit, the most
 * a one-second window limiter allows across a window boundary).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createBenchDatabase } from '../../bench/support.ts';
import { openDatabase } from '../../src/db/database.ts';
import { EmulatorProcess, freePort, RastroProcess, sleep } from './children.ts';
import { call, META_TOKEN, OPERATOR_TOKEN, PIXELS, setupTenant, Traffic } from './traffic.ts';

export interface ScaleOptions {
  apis: number;
  workers: number;
  serverUrl: string;
  /** Shared rate limit; without it every worker keeps its own bucket (the control run). */
  redis: boolean;
  /** rate_per_second of each destination. */
  ratePerSecond: number;
  events: number;
  /** Events per second offered (above the limit, so that it binds). */
  offeredRate: number;
  log?: (line: string) => void;
}

export interface ScaleReport {
  options: Omit<ScaleOptions, 'log' | 'serverUrl'>;
  seconds: { start: number; traffic: number; drain: number };
  acked: number;
  ackedEvents: number;
  /** Acknowledged requests per API process. */
  perApi: number[];
  /** Events delivered per worker (from the ledger). */
  perWorker: Record<string, number>;
  /** Per pixel: events received, average rate over the receive span, busiest sliding second. */
  perPixel: Record<string, { received: number; averagePerSecond: number; peakPerSecond: number }>;
  lost: number;
  duplicates: number;
  ok: boolean;
}

/** A throwaway redis-server on a free loopback port (no persistence). */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  const { Redis } = await import('ioredis');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await Promise.race([client.connect(), failed]);
      await client.ping();
      client.disconnect();
      break;
    } catch (error) {
      client.disconnect();
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function runScaleOut(options: ScaleOptions): Promise<ScaleReport> {
  const log = options.log ?? (() => {});
  const runDir = mkdtempSync(join(tmpdir(), 'rastro-scale-'));
  mkdirSync(join(runDir, 'logs'));
  const database = await createBenchDatabase('postgres', options.serverUrl);
  const emulator = await EmulatorProcess.start({ tokens: { [META_TOKEN]: ['*'] } });
  const redis = options.redis ? await startRedis() : undefined;
  const env: Record<string, string> = {
    DATABASE_URL: database.databaseUrl!,
    RASTRO_DATA_DIR: database.dataDir,
    RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
    RASTRO_SECRET_KEY: database.secretKey,
    RASTRO_META_GRAPH_URL: emulator.url,
    LOG_LEVEL: 'warn',
    ...(redis ? { REDIS_URL: redis.url } : {}),
  };
  const make = async (role: 'api' | 'worker', i: number) =>
    new RastroProcess({
      name: `${role}-${i}`,
      role,
      port: await freePort(),
      env,
      logFile: join(runDir, 'logs', `${role}-${i}.log`),
    });
  const apis = await Promise.all(Array.from({ length: options.apis }, (_, i) => make('api', i + 1)));
  const workers = await Promise.all(Array.from({ length: options.workers }, (_, i) => make('worker', i + 1)));
  const all = [...apis, ...workers];
  try {
    const startedAt = performance.now();
    // The first applies the migrations; the others start together (they would wait on the migration lock).
    await apis[0]!.start();
    await Promise.all(all.slice(1).map((p) => p.start()));
    const startSeconds = (performance.now() - startedAt) / 1000;
    log(`started ${apis.length} api + ${workers.length} worker processes in ${startSeconds.toFixed(1)} s`);
    const tenant = await setupTenant(apis[0]!.url, { ratePerSecond: options.ratePerSecond, batchSize: 100 });

    // Spread over the API processes, as a load balancer would.
    const traffic = new Traffic({
      apiUrls: () => apis.map((p) => p.url),
      tenant,
      rate: options.offeredRate,
      concurrency: 16,
      totalEvents: options.events,
    });
    const trafficStarted = performance.now();
    await traffic.runAll();
    const trafficSeconds = (performance.now() - trafficStarted) / 1000;
    const perApi = apis.map((p) => traffic.ackedPerUrl[p.url] ?? 0);
    const expected = new Set(traffic.items.filter((i) => i.acked && !i.bad).flatMap((i) => i.ids));
    log(`traffic done in ${trafficSeconds.toFixed(1)} s: ${expected.size} events acknowledged`);

    const drainStarted = performance.now();
    const deadline = Date.now() + (expected.size / options.ratePerSecond) * 1000 * 2 + 60_000;
    for (;;) {
      const { counts } = await emulator.summary();
      const done = PIXELS.every((p) => [...expected].every((id) => counts[p]?.[id]));
      if (done || Date.now() > deadline) break;
      await sleep(500);
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await sleep(1_000); // a late duplicate would land here
    const summary = await emulator.summary();
    const busy = await call('GET', `${apis[0]!.url}/api/v1/events?status=pending&limit=1`, { key: tenant.keys.admin });
    log(`drained in ${drainSeconds.toFixed(1)} s (pending left: ${(busy.body as { items: unknown[] }).items.length})`);

    const perWorker = await deliveredPerWorker(database.databaseUrl!, tenant.id);
    const perPixel: ScaleReport['perPixel'] = {};
    let lost = 0;
    let duplicates = 0;
    for (const pixel of PIXELS) {
      const counts = summary.counts[pixel] ?? {};
      for (const id of expected) if (!counts[id]) lost += 1;
      for (const times of Object.values(counts)) if (times > 1) duplicates += times - 1;
      const received = Object.values(counts).reduce((a, b) => a + b, 0);
      const [first, last] = summary.span[pixel] ?? [0, 0];
      perPixel[pixel] = {
        received,
        // n events over (n - 1) inter-arrival gaps; the first second's burst is part of the span.
        averagePerSecond: last > first ? ((received - 1) * 1000) / (last - first) : Number.NaN,
        peakPerSecond: summary.peakPerWindow[pixel] ?? 0,
      };
    }
    const limit = options.ratePerSecond;
    const rateHolds = Object.values(perPixel).every(
      (p) => p.averagePerSecond <= limit * 1.1 && p.peakPerSecond <= limit * 2,
    );
    const { log: _log, serverUrl: _url, ...shown } = options;
    return {
      options: shown,
      seconds: { start: startSeconds, traffic: trafficSeconds, drain: drainSeconds },
      acked: traffic.items.filter((i) => i.acked).length,
      ackedEvents: expected.size,
      perApi,
      perWorker,
      perPixel,
      lost,
      duplicates,
      ok:
        lost === 0 &&
        duplicates === 0 &&
        Object.keys(perWorker).length === options.workers &&
        (!options.redis || rateHolds),
    };
  } finally {
    await Promise.all(all.map((p) => p.stop(10_000)));
    await emulator.close();
    await redis?.stop();
    await database.drop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Delivered events per worker, from the ledger entries the workers wrote for their batches. */
async function deliveredPerWorker(databaseUrl: string, tenantId: string): Promise<Record<string, number>> {
  const handle = await openDatabase({ databaseUrl, poolSize: 1 });
  try {
    const rows = await sql<{ actor: string; delivered: number }>`
      select actor, sum(coalesce((data->'counts'->>'delivered')::int, 0))::int as delivered
      from ledger_entries where tenant_id = ${tenantId} and type = 'delivery.batch_delivered'
      group by actor`.execute(handle.db);
    return Object.fromEntries(rows.rows.map((r) => [r.actor.replace(/^worker:/, ''), Number(r.delivered)]));
  } finally {
    await handle.close();
  }
}

export function formatScaleReport(r: ScaleReport): string {
  const limit = r.options.ratePerSecond;
  return [
    `scale-out: ${r.options.apis} api + ${r.options.workers} worker processes, one PostgreSQL${r.options.redis ? ' + Redis' : ' (no Redis: per-process buckets)'}`,
    `  start           ${r.seconds.start.toFixed(1)} s; traffic ${r.seconds.traffic.toFixed(1)} s at ${r.options.offeredRate} events/s offered; drain ${r.seconds.drain.toFixed(1)} s`,
    `  acknowledged    ${r.acked} requests, ${r.ackedEvents} events; requests per api process ${JSON.stringify(r.perApi)}`,
    `  per worker      ${Object.entries(r.perWorker)
      .map(([w, n]) => `${w.replace(/:[^:]+$/, '')}: ${n}`)
      .join(', ')} events delivered`,
    ...Object.entries(r.perPixel).map(
      ([pixel, p]) =>
        `  pixel ${pixel} ${p.received} received, ${p.averagePerSecond.toFixed(1)}/s on average, busiest second ${p.peakPerSecond} (limit ${limit}/s)`,
    ),
    `  lost ${r.lost}, sent twice ${r.duplicates}`,
    `  result          ${r.ok ? 'PASS' : 'FAIL'}`,
  ].join('\n');
}
