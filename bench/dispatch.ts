/**
 * Delivery benchmark: events from the database to the Meta emulator.
 *
 *   npx tsx bench/dispatch.ts                 # PostgreSQL (DATABASE_URL or --pg) then embedded PGlite
 *   npx tsx bench/dispatch.ts --pg --engine postgres --events 200000 --rate 1000 --seconds 30
 *
 * (a) throughput: N events are committed first as pending deliveries (acceptEvents, 2,000 per
 *     transaction, no workers running), then a worker node starts and the drain rate is measured
 *     (Meta batches of up to 1,000). Rate = delivered / (last delivered_at - worker start); the
 *     "steady" rate is over the 10th..90th percentile of delivered_at, without start-up and tail.
 * (b) latency: a child process offers `rate` events/s for `seconds` s in small batches through
 *     POST /api/v1/events of a listening Rastro (role `all`, workers running); commit-to-delivered
 *     is deliveries.delivered_at - committed_at for every event (both stamped by Rastro's clock).
 *
 * Each scenario uses a fresh database (dropped afterwards). The Meta emulator (storeEvents off,
 * full request validation) runs in a child process; Rastro runs on this process's main thread with
 * production delivery defaults, except the destination's token bucket, raised to 100,000 events/s
 * (Meta's own default in Rastro is 1,000/s, which would be the figure measured otherwise).
 * Besides wall-clock rates it prints CPU time per 1,000 events of Rastro, of the PostgreSQL backends
 * serving the bench database (from /proc) and of the emulator: on a shared machine that figure holds
 * still while the rates move with the neighbours' load. The same-run ceiling is a bare Fastify
 * hello-world measured for 3 s before the first scenario and after the last (with nothing else
 * running: right after a preload or a drain, PostgreSQL's checkpoint and vacuum would share it).
 *
 * Options: --engine postgres|pglite, --only throughput|latency, --events N, --chunk N (preload
 * transaction size), --rate N, --seconds N, --warmup S (unmeasured offer before (b), default 3),
 * --batch N (events per request in (b)), --drain-timeout S, --keep (keep (a)'s database),
 * --delivery-only (only the delivery worker task), --trace-sql (time per statement),
 * --profile DIR (CPU profiles of Rastro's side); BENCH_AUTO_EXPLAIN_MS=n logs slow plans to the
 * PostgreSQL server's log; BENCH_CPU_PROF_DIR=dir profiles the emulator.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { sql, type LogEvent } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../src/db/database.ts';
import type { EmulatorStats } from '../src/emulators/meta/server.ts';
import { acceptEvents } from '../src/events/accept.ts';
import type { EventInput } from '../src/events/input-schema.ts';
import { startRastro, type Rastro } from '../src/runtime/start.ts';
import { deliveryTask } from '../src/delivery/task.ts';
import { workerTaskFactories } from '../src/workers/tasks.ts';
import {
  argValue,
  BENCH_PIXEL,
  BENCH_TOKEN,
  benchConfig,
  createBenchDatabase,
  fmt,
  helloWorldRate,
  OPERATOR_TOKEN,
  peakRssMiB,
  percentile,
  PostgresCpu,
  processCpuMs,
  postgresServerUrl,
  sleep,
  table,
  type BenchDatabase,
  type EngineChoice,
  relaunchWithServerFlags,
} from './support.ts';

const args = process.argv.slice(2);
const EVENTS = argValue(args, '--events', 200_000);
const PRELOAD_CHUNK = argValue(args, '--chunk', 2_000);
const RATE = argValue(args, '--rate', 1_000);
const SECONDS = argValue(args, '--seconds', 30);
const REQUEST_BATCH = argValue(args, '--batch', 10);
const WARMUP_S = argValue(args, '--warmup', 3);
const DRAIN_TIMEOUT_S = argValue(args, '--drain-timeout', 600);
/** `--keep`: leave the throughput scenario's database in place, to look at its rows afterwards. */
const KEEP = args.includes('--keep');
const RATE_LIMIT = 100_000;
/**
 * `--delivery-only`: run only the delivery task in the worker nodes. By default every worker task of
 * `rastro serve` runs (webhook receipts, conversion emissions, retention, the quality rollup, which
 * recomputes hourly aggregates while deliveries change); this isolates the delivery path.
 */
const DELIVERY_ONLY = args.includes('--delivery-only');
if (DELIVERY_ONLY) {
  const keep = workerTaskFactories.filter((f) => f === deliveryTask);
  workerTaskFactories.splice(0, workerTaskFactories.length, ...keep);
}
/** Event ids differ between runs and scenarios: the emulator counts a repeated event_id as a duplicate. */
const RUN = randomBytes(3).toString('hex');
const engineArg = args.includes('--engine') ? args[args.indexOf('--engine') + 1] : undefined;

// ---- The Meta emulator child process ------------------------------------------------------------

interface EmulatorChild {
  url: string;
  stats(): Promise<{ stats: EmulatorStats; maxRssKiB: number; cpuMs: number }>;
  stop(): Promise<void>;
}

async function startEmulatorChild(): Promise<EmulatorChild> {
  const child: ChildProcess = fork(new URL('./meta-emulator-process.ts', import.meta.url), [], {
    // BENCH_CPU_PROF_DIR=dir also profiles the emulator (run this process with node --cpu-prof for Rastro's side).
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    child.once('message', (m: { type: string; url: string }) => resolve(m.url));
  });
  child.removeAllListeners('exit');
  return {
    url,
    stats: () =>
      new Promise((resolve) => {
        const onMessage = (m: { type: string; stats: EmulatorStats; maxRssKiB: number; cpuMs: number }) => {
          if (m.type !== 'stats') return;
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
        child.send({ type: 'stats' });
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

/** `--profile DIR`: CPU profiles of this process (Rastro's side) during (a)'s drain and (b)'s offering. */
const PROFILE_DIR = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;

async function startProfiler(): Promise<{ stop(name: string): Promise<void> } | undefined> {
  if (!PROFILE_DIR) return undefined;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      session.disconnect();
      mkdirSync(PROFILE_DIR, { recursive: true });
      const file = join(PROFILE_DIR, `${name}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`  CPU profile: ${file}`);
    },
  };
}

// ---- Rastro on a bench database -------------------------------------------------------------------

const benchEvent = (prefix: string, i: number): EventInput => ({
  event_name: 'purchase',
  event_id: `${prefix}-${i}`,
  url: 'https://shop.example.com/obrigado',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
  ip: '203.0.113.7',
  user: {
    email: `buyer${i}@example.com`,
    phone: `(11) 9${String(10_000_000 + (i % 89_999_999))}`,
    first_name: 'Maria',
  },
  value: 197,
  currency: 'BRL',
  order_id: `order-${prefix}-${i}`,
});

/** `--trace-sql`: time of every statement, summed by statement text (printed after each scenario). */
const TRACE_SQL = args.includes('--trace-sql');
const sqlTimes = new Map<string, { n: number; ms: number }>();

const traceLog = (event: LogEvent): void => {
  const key = event.query.sql
    .replace(/\s+/g, ' ')
    .replace(/\$\d+(, \$\d+)*/g, '$…')
    .slice(0, 120);
  const entry = sqlTimes.get(key) ?? { n: 0, ms: 0 };
  entry.n += 1;
  entry.ms += event.queryDurationMillis;
  sqlTimes.set(key, entry);
};

function printSqlTimes(title: string): void {
  if (!TRACE_SQL) return;
  const rows = [...sqlTimes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15);
  console.log(`\n  statements by total time (${title}):`);
  console.log(
    table(
      ['statement', 'calls', 'total ms', 'avg ms'],
      rows.map(([k, v]) => [k, fmt(v.n), fmt(v.ms), fmt(v.ms / v.n, 2)]),
    ),
  );
  sqlTimes.clear();
}

async function openBenchDatabase(database: BenchDatabase): Promise<DatabaseHandle> {
  // The pool size of `rastro serve` (openDatabase's default) on PostgreSQL; PGlite in the data folder.
  // --trace-sql adds Kysely's query log (on PostgreSQL the time includes waiting for a connection).
  const log = TRACE_SQL ? traceLog : undefined;
  return database.databaseUrl
    ? openDatabase({ databaseUrl: database.databaseUrl, log })
    : openDatabase({ pgliteDir: `${database.dataDir}/pgdata`, log });
}

async function startNode(
  database: BenchDatabase,
  handle: DatabaseHandle,
  role: 'all' | 'api' | 'worker',
  emulatorUrl: string,
  listen = false,
): Promise<Rastro> {
  return startRastro({
    config: benchConfig(database, { RASTRO_ROLE: role, RASTRO_META_GRAPH_URL: emulatorUrl }),
    logger: false,
    listen,
    database: handle,
  });
}

async function setUpTenant(node: Rastro): Promise<{ tenantId: string; adminKey: string }> {
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const created = await node.app.inject({
    method: 'POST',
    url: '/api/v1/tenants',
    headers: auth(OPERATOR_TOKEN),
    payload: { name: 'bench' },
  });
  if (created.statusCode !== 201) throw new Error(`tenant: ${created.statusCode} ${created.body}`);
  const tenant = created.json() as { id: string; keys: { admin: string } };
  const destination = await node.app.inject({
    method: 'POST',
    url: '/api/v1/destinations',
    headers: auth(tenant.keys.admin),
    payload: {
      type: 'meta_capi',
      name: 'bench pixel',
      config: { pixel_id: BENCH_PIXEL, access_token: BENCH_TOKEN, default_phone_region: 'BR' },
      rate_per_second: RATE_LIMIT,
      batch_size: 1000,
    },
  });
  if (destination.statusCode !== 201) throw new Error(`destination: ${destination.statusCode} ${destination.body}`);
  return { tenantId: tenant.id, adminKey: tenant.keys.admin };
}

/** Samples this process's RSS while a scenario runs (process maxRSS only ever grows across scenarios). */
function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 250);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) / 2 ** 20;
    },
  };
}

async function statusCounts(handle: DatabaseHandle): Promise<Record<string, number>> {
  const rows = await handle.db
    .selectFrom('deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

// ---- (a) throughput ---------------------------------------------------------------------------------

interface ThroughputResult {
  engine: EngineChoice;
  events: number;
  preloadPerSecond: number;
  delivered: number;
  seconds: number;
  perSecond: number;
  steadyPerSecond: number;
  batches: number;
  avgBatch: number;
  batchMsP50: number;
  emulatorEvents: number;
  duplicates: number;
  statuses: Record<string, number>;
  /** The machine's 1-minute load average when the drain ended (2 cores). */
  loadAverage: number;
  /** CPU milliseconds per 1,000 delivered events, by process, during the drain. */
  cpuPer1000: CpuPer1000;
  rssMiB: number;
  emulatorRssMiB: number;
}

async function throughput(
  engine: EngineChoice,
  emulator: EmulatorChild,
  serverUrl?: string,
): Promise<ThroughputResult> {
  const database = await createBenchDatabase(engine, serverUrl);
  const handle = await openBenchDatabase(database);
  const rss = rssSampler();
  try {
    const before = (await emulator.stats()).stats;
    const api = await startNode(database, handle, 'api', emulator.url);
    const { tenantId } = await setUpTenant(api);
    const preloadStart = performance.now();
    for (let done = 0; done < EVENTS; done += PRELOAD_CHUNK) {
      const n = Math.min(PRELOAD_CHUNK, EVENTS - done);
      const inputs = Array.from({ length: n }, (_, i) => benchEvent(`tp-${engine}-${RUN}`, done + i));
      await acceptEvents(api.ctx, tenantId, inputs, 'bench');
      if (done + n === EVENTS || (done + n) % 50_000 < PRELOAD_CHUNK) console.log(`      preloaded ${fmt(done + n)}`);
    }
    const preloadSeconds = (performance.now() - preloadStart) / 1000;
    await api.stop();
    console.log(`  (a) ${engine}: preloaded ${fmt(EVENTS)} events in ${fmt(preloadSeconds, 1)} s; starting workers`);

    sqlTimes.clear(); // --trace-sql reports the drain only
    const profiler = await startProfiler();
    const pgCpu =
      database.serverUrl && database.databaseName
        ? new PostgresCpu(database.serverUrl, database.databaseName)
        : undefined;
    await pgCpu?.start();
    const cpuBefore = { rastro: processCpuMs(), emulator: (await emulator.stats()).cpuMs };
    const startedAt = Date.now();
    const worker = await startNode(database, handle, 'worker', emulator.url);
    const deadline = startedAt + DRAIN_TIMEOUT_S * 1000;
    let lastPrint = startedAt;
    let lastCount = 0;
    let progressAt = startedAt;
    let progress = 0;
    for (;;) {
      await sleep(250);
      const received = (await emulator.stats()).stats.eventsReceived - before.eventsReceived;
      const now = Date.now();
      if (received > progress) [progress, progressAt] = [received, now];
      if (now - progressAt > 30_000) {
        console.error(`  no delivery for 30 s: ${JSON.stringify(await statusCounts(handle))}`);
        break;
      }
      if (now - lastPrint >= 5000) {
        const rate = ((received - lastCount) * 1000) / (now - lastPrint);
        console.log(`      t=${fmt((now - startedAt) / 1000, 0)} s  sent ${fmt(received)}  (${fmt(rate)} events/s)`);
        lastPrint = now;
        lastCount = received;
      }
      if (received >= EVENTS) {
        const counts = await statusCounts(handle);
        if (!counts.pending && !counts.processing) break;
      }
      if (now > deadline) {
        console.error(`  drain timed out after ${DRAIN_TIMEOUT_S} s`);
        break;
      }
    }
    const cpu = {
      rastro: processCpuMs() - cpuBefore.rastro,
      emulator: (await emulator.stats()).cpuMs - cpuBefore.emulator,
      ...((await pgCpu?.stop()) ?? { clients: 0, background: 0 }),
    };
    await worker.stop();
    await profiler?.stop(`dispatch-drain-${engine}`);

    const summary = await sql<{ n: number; first: Date; last: Date; p10: Date; p90: Date }>`
      select count(*) as n, min(delivered_at) as first, max(delivered_at) as last,
        percentile_disc(0.1) within group (order by delivered_at) as p10,
        percentile_disc(0.9) within group (order by delivered_at) as p90
      from deliveries where status = 'delivered'`.execute(handle.db);
    const s = summary.rows[0]!;
    const batches = await sql<{ n: number; avg_size: number; p50_ms: number }>`
      select count(*) as n, avg(size)::float8 as avg_size,
        percentile_disc(0.5) within group (order by duration_ms) as p50_ms
      from delivery_batches where outcome = 'delivered'`.execute(handle.db);
    const b = batches.rows[0]!;
    const after = await emulator.stats();
    const delivered = Number(s.n);
    const seconds = (new Date(s.last).getTime() - startedAt) / 1000;
    const steadySeconds = (new Date(s.p90).getTime() - new Date(s.p10).getTime()) / 1000;
    return {
      engine,
      events: EVENTS,
      preloadPerSecond: EVENTS / preloadSeconds,
      delivered,
      seconds,
      perSecond: delivered / seconds,
      steadyPerSecond: steadySeconds > 0 ? (0.8 * delivered) / steadySeconds : Number.NaN,
      batches: Number(b.n),
      avgBatch: Number(b.avg_size),
      batchMsP50: Number(b.p50_ms),
      emulatorEvents: after.stats.eventsReceived - before.eventsReceived,
      duplicates: after.stats.duplicateEvents - before.duplicateEvents,
      statuses: await statusCounts(handle),
      loadAverage: loadavg()[0]!,
      cpuPer1000: {
        rastro: (1000 * cpu.rastro) / delivered,
        postgres: (1000 * cpu.clients) / delivered,
        autovacuum: (1000 * cpu.background) / delivered,
        emulator: (1000 * cpu.emulator) / delivered,
      },
      rssMiB: rss.stop(),
      emulatorRssMiB: after.maxRssKiB / 1024,
    };
  } finally {
    rss.stop();
    await handle.close();
    if (KEEP) console.log(`  kept database ${database.databaseName ?? database.dataDir}`);
    else await database.drop();
  }
}

// ---- (b) latency at a steady offered rate ------------------------------------------------------------

/**
 * Open-loop load: batches leave on schedule whether or not earlier ones were answered. Runs as a
 * child process (`node -e`), so its CPU is neither Rastro's nor counted as Rastro's.
 */
const OFFER_PROCESS = `
const { url, key, rate, seconds, batch, prefix } = JSON.parse(process.argv[1]);
const intervalMs = (1000 * batch) / rate;
const total = Math.round((rate * seconds) / batch);
const acks = [];
const statuses = {};
let sent = 0, done = 0, i = 0;
const event = (n) => ({
  event_name: 'purchase', event_id: prefix + n, url: 'https://shop.example.com/obrigado',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0', ip: '203.0.113.7',
  user: { email: 'buyer' + n + '@example.com', phone: '(11) 9' + String(10000000 + n), first_name: 'Maria' },
  value: 197, currency: 'BRL', order_id: 'order-' + prefix + n,
});
const start = performance.now();
const post = async () => {
  const events = [];
  for (let k = 0; k < batch; k++) events.push(event(i++));
  const t0 = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + key },
      body: JSON.stringify({ events }),
    });
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] || 0) + 1;
  } catch (e) {
    const why = 'error:' + ((e && e.cause && e.cause.code) || (e && e.name) || 'unknown');
    statuses[why] = (statuses[why] || 0) + 1;
  }
  acks.push(performance.now() - t0);
  if (++done === total) process.send({ acks, statuses, seconds: (performance.now() - start) / 1000, events: i });
};
const tick = () => {
  const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
  while (sent < due) { sent++; void post(); }
  if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
};
tick();
`;

interface LatencyResult {
  engine: EngineChoice;
  offered: number;
  offeredPerSecond: number;
  accepted: number;
  requests: number;
  ackP50: number;
  ackP99: number;
  delivered: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Batches delivered during the measured run. */
  batches: number;
  emulatorEvents: number;
  duplicates: number;
  /** Answers to the load generator's requests by HTTP status (`error:<code>`: no answer). */
  httpStatuses: Record<string, number>;
  /** The machine's 1-minute load average when the scenario ended (2 cores). */
  loadAverage: number;
  statuses: Record<string, number>;
  /** CPU milliseconds per 1,000 events, accepted and delivered, while offered and drained. */
  cpuPer1000: CpuPer1000;
  rssMiB: number;
  emulatorRssMiB: number;
}

interface OfferResult {
  acks: number[];
  statuses: Record<string, number>;
  seconds: number;
  events: number;
}

/** Runs OFFER_PROCESS: RATE events/s for `seconds` s, event ids starting with `prefix`. */
function offerLoad(url: string, key: string, seconds: number, prefix: string): Promise<OfferResult> {
  return new Promise<OfferResult>((resolve, reject) => {
    const settings = { url, key, rate: RATE, seconds, batch: REQUEST_BATCH, prefix };
    const child = spawn(process.execPath, ['-e', OFFER_PROCESS, JSON.stringify(settings)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m: OfferResult) => {
      child.kill();
      resolve(m);
    });
    child.once('error', reject);
    child.once('exit', (code) => code && reject(new Error(`load generator exited with ${code}`)));
  });
}

/** Waits (up to a minute) until nothing is pending or in flight. */
async function drained(handle: DatabaseHandle): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const counts = await statusCounts(handle);
    if ((!counts.pending && !counts.processing) || Date.now() > deadline) return;
    await sleep(100);
  }
}

async function latency(engine: EngineChoice, emulator: EmulatorChild, serverUrl?: string): Promise<LatencyResult> {
  const database = await createBenchDatabase(engine, serverUrl);
  const handle = await openBenchDatabase(database);
  const rss = rssSampler();
  let node: Rastro | undefined;
  try {
    node = await startNode(database, handle, 'all', emulator.url, true);
    const { adminKey } = await setUpTenant(node);
    console.log(
      `  (b) ${engine}: offering ${fmt(RATE)} events/s for ${SECONDS} s, ${REQUEST_BATCH} per request, to ${node.url}`,
    );
    // A cold node (JIT, first connections, the emulator's first requests) answers its first second
    // or two slowly; that start-up belongs to no steady rate, so a warm-up is offered and drained
    // first, unmeasured, and only the measured run's events are counted below.
    if (WARMUP_S > 0) {
      await offerLoad(`${node.url}/api/v1/events`, adminKey, WARMUP_S, `warm-${engine}-${RUN}-`);
      await drained(handle);
    }
    const prefix = `lat-${engine}-${RUN}-`;
    const profiler = await startProfiler();
    const pgCpu =
      database.serverUrl && database.databaseName
        ? new PostgresCpu(database.serverUrl, database.databaseName)
        : undefined;
    await pgCpu?.start();
    const before = await emulator.stats();
    const cpuBefore = { rastro: processCpuMs(), emulator: before.cpuMs };
    const measuredFrom = new Date();
    const offer = await offerLoad(`${node.url}/api/v1/events`, adminKey, SECONDS, prefix);
    await profiler?.stop(`dispatch-offer-${engine}`);
    const accepted = (offer.statuses['202'] ?? 0) * REQUEST_BATCH;
    await drained(handle);
    const cpu = {
      rastro: processCpuMs() - cpuBefore.rastro,
      emulator: (await emulator.stats()).cpuMs - cpuBefore.emulator,
      ...((await pgCpu?.stop()) ?? { clients: 0, background: 0 }),
    };
    const rows = await sql<{ ms: number }>`
      select extract(epoch from (delivered_at - committed_at)) * 1000 as ms
      from deliveries where status = 'delivered' and starts_with(event_id, ${prefix})`.execute(handle.db);
    const ms = Float64Array.from(rows.rows.map((r) => Number(r.ms))).sort();
    const batches = await sql<{ n: number }>`
      select count(*)::int as n from delivery_batches where outcome = 'delivered' and started_at >= ${measuredFrom}`.execute(
      handle.db,
    );
    const acks = Float64Array.from(offer.acks).sort();
    const statuses = await statusCounts(handle);
    const after = await emulator.stats();
    await node.stop();
    node = undefined;
    return {
      engine,
      offered: offer.events,
      offeredPerSecond: offer.events / offer.seconds,
      accepted,
      requests: offer.acks.length,
      ackP50: percentile(acks, 50),
      ackP99: percentile(acks, 99),
      delivered: ms.length,
      p50: percentile(ms, 50),
      p95: percentile(ms, 95),
      p99: percentile(ms, 99),
      max: ms.length ? ms[ms.length - 1]! : Number.NaN,
      emulatorEvents: after.stats.eventsReceived - before.stats.eventsReceived,
      batches: Number(batches.rows[0]?.n ?? 0),
      duplicates: after.stats.duplicateEvents - before.stats.duplicateEvents,
      httpStatuses: offer.statuses,
      loadAverage: loadavg()[0]!,
      statuses,
      cpuPer1000: {
        rastro: (1000 * cpu.rastro) / ms.length,
        postgres: (1000 * cpu.clients) / ms.length,
        autovacuum: (1000 * cpu.background) / ms.length,
        emulator: (1000 * cpu.emulator) / ms.length,
      },
      rssMiB: rss.stop(),
      emulatorRssMiB: (await emulator.stats()).maxRssKiB / 1024,
    };
  } finally {
    rss.stop();
    await node?.stop();
    await handle.close();
    await database.drop();
  }
}

type CpuPer1000 = { rastro: number; postgres: number; autovacuum: number; emulator: number };

/**
 * CPU time per event does not swing with whatever else loads the machine; wall-clock rates do.
 * Capacity: on PostgreSQL, 2 cores / total; on PGlite the database runs on Rastro's main thread, so
 * 1 core / Rastro's time (an upper bound: the process time includes GC and I/O helper threads).
 */
function printCpu(what: string, results: { engine: EngineChoice; cpuPer1000: CpuPer1000 }[]): void {
  console.log(
    `\nCPU ms per 1,000 events ${what}; total = rastro + postgres client backends + emulator ` +
      '(autovacuum apart: it runs when it runs)',
  );
  console.log(
    table(
      ['engine', 'rastro', 'postgres', 'autovacuum', 'emulator', 'total', 'capacity events/s', 'without emulator'],
      results.map(({ engine, cpuPer1000: c }) => {
        const total = c.rastro + c.postgres + c.emulator;
        const pg = engine === 'postgres';
        return [
          engine,
          fmt(c.rastro),
          pg ? fmt(c.postgres) : 'in rastro',
          pg ? fmt(c.autovacuum) : '-',
          fmt(c.emulator),
          fmt(total),
          pg ? `${fmt((2000 * 1000) / total)} (2 cores)` : `${fmt((1000 * 1000) / c.rastro)} (1 thread)`,
          pg ? fmt((2000 * 1000) / (c.rastro + c.postgres)) : '-',
        ];
      }),
    ),
  );
}

// ---- main -------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  relaunchWithServerFlags();
  const serverUrl = postgresServerUrl(args);
  const engines: EngineChoice[] =
    engineArg === 'postgres' || engineArg === 'pglite' ? [engineArg] : serverUrl ? ['postgres', 'pglite'] : ['pglite'];
  if (engines.includes('postgres') && !serverUrl) throw new Error('--engine postgres needs DATABASE_URL or --pg');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  console.log(
    `bench/dispatch: ${engines.join(', ')}; (a) ${fmt(EVENTS)} preloaded events; (b) ${fmt(RATE)} events/s offered ` +
      `for ${SECONDS} s in requests of ${REQUEST_BATCH}; Meta emulator in a child process; ` +
      `${DELIVERY_ONLY ? 'delivery task only' : 'all worker tasks'}; Node ${process.version}`,
  );
  const helloBefore = await helloWorldRate();
  const emulator = await startEmulatorChild();
  const tp: ThroughputResult[] = [];
  const lat: LatencyResult[] = [];
  try {
    for (const engine of engines) {
      if (only !== 'latency') {
        tp.push(await throughput(engine, emulator, serverUrl));
        printSqlTimes(`(a) ${engine}, drain`);
      }
      if (only !== 'throughput') {
        lat.push(await latency(engine, emulator, serverUrl));
        printSqlTimes(`(b) ${engine}`);
      }
    }
  } finally {
    await emulator.stop();
  }

  if (tp.length > 0) {
    console.log(
      '\n(a) throughput: preloaded pending deliveries drained to the emulator (target ≥ 20,000/s on PostgreSQL)',
    );
    console.log(
      table(
        [
          'engine',
          'events',
          'delivered',
          'seconds',
          'events/s',
          'steady/s',
          'batches',
          'avg batch',
          'batch p50 ms',
          'emulator got',
          'dups',
          'preload/s',
          'peak RSS MiB',
          'emulator RSS MiB',
        ],
        tp.map((r) => [
          r.engine,
          fmt(r.events),
          fmt(r.delivered),
          fmt(r.seconds, 1),
          fmt(r.perSecond),
          fmt(r.steadyPerSecond),
          fmt(r.batches),
          fmt(r.avgBatch),
          fmt(r.batchMsP50),
          fmt(r.emulatorEvents),
          fmt(r.duplicates),
          fmt(r.preloadPerSecond),
          fmt(r.rssMiB),
          fmt(r.emulatorRssMiB),
        ]),
      ),
    );
    printCpu('during the drain', tp);
    for (const r of tp) {
      console.log(`  ${r.engine}: load average ${fmt(r.loadAverage, 1)}; final statuses ${JSON.stringify(r.statuses)}`);
    }
  }
  if (lat.length > 0) {
    console.log('\n(b) latency: commit-to-delivered at a steady offered rate (target p95 ≤ 500 ms on PostgreSQL)');
    console.log(
      table(
        [
          'engine',
          'offered',
          'offered/s',
          'accepted',
          'ack p50 ms',
          'ack p99 ms',
          'delivered',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'batches',
          'events/batch',
          'emulator got',
          'dups',
          'peak RSS MiB',
          'emulator RSS MiB',
        ],
        lat.map((r) => [
          r.engine,
          fmt(r.offered),
          fmt(r.offeredPerSecond),
          fmt(r.accepted),
          fmt(r.ackP50, 1),
          fmt(r.ackP99, 1),
          fmt(r.delivered),
          fmt(r.p50),
          fmt(r.p95),
          fmt(r.p99),
          fmt(r.max),
          fmt(r.batches),
          fmt(r.batches ? r.delivered / r.batches : Number.NaN, 1),
          fmt(r.emulatorEvents),
          fmt(r.duplicates),
          fmt(r.rssMiB),
          fmt(r.emulatorRssMiB),
        ]),
      ),
    );
    printCpu('accepted (POST /api/v1/events) and delivered, while offered and drained', lat);
    for (const r of lat) {
      console.log(
        `  ${r.engine}: load average ${fmt(r.loadAverage, 1)}; HTTP answers ${JSON.stringify(r.httpStatuses)}; ` +
          `final statuses ${JSON.stringify(r.statuses)}`,
      );
    }
  }
  console.log(
    `\nsame-run ceiling (how fast the machine was): bare Fastify hello-world, 3 s at 64 connections, ` +
      `${fmt(helloBefore)} req/s before the scenarios, ${fmt(await helloWorldRate())} req/s after`,
  );
  console.log(`\npeak RSS of this process over the whole run: ${fmt(peakRssMiB())} MiB`);
}

await main();
