/**
 * Ingest benchmark: durable events/s and ack latency of the track API (one event per request and
 * batches), and redirect latency of `/go/:slug`, on embedded PGlite and on PostgreSQL, next to two
 * ceilings measured in the same run: a bare Fastify hello-world (a server that writes nothing) and,
 * on PostgreSQL, the durable floor (bench/durable-floor.ts: a server that commits each event and its
 * pending delivery and nothing else; `--no-floor` skips it).
 *
 *   npx tsx bench/ingest.ts                 # PGlite, plus PostgreSQL when DATABASE_URL is set
 *   npx tsx bench/ingest.ts --pg            # also PostgreSQL on the local test server (127.0.0.1:55432)
 *   npx tsx bench/ingest.ts --duration 10 --connections 256 --batch-connections 32 --batch 100 --rate 2000
 *   npx tsx bench/ingest.ts --pg --engines postgres --only single,rate
 *   npx tsx bench/ingest-cpu.ts             # the same ingest work per event, in process, no HTTP or database
 *
 * Rastro runs on this process's main thread with role `api` (no delivery workers: ingest alone is
 * measured; each event still writes its pending delivery to the outbox for one Meta destination, and
 * its session touch, queued; the worker's fold of those touches is timed after the track runs). The load generator (bench/load-worker.ts) is, for saturated runs, wrk in its own
 * process when installed (`apt-get install wrk`; else autocannon in a worker thread) and, for
 * fixed-rate runs, an open-loop paced generator in a worker thread. Server, generator and database
 * share the machine's two cores. Loopback only; every run is bounded in time.
 *
 * "Durable" is checked, not assumed: after each run the events committed in the database are counted
 * and compared with the 202s answered; events/s is committed events divided by the run's duration.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { freePort, RastroProcess } from '../scripts/lib/children.ts';
import { openDatabase } from '../src/db/database.ts';
import type { Rastro } from '../src/runtime/start.ts';
import { startRastro } from '../src/runtime/start.ts';
import { foldQueuedTouches } from '../src/sessions/queue.ts';
import { foldLanes } from '../src/sessions/task.ts';
import { withDurableFloor } from './durable-floor.ts';
import { closedLoopGenerator, runLoad, type LoadResult } from './load-worker.ts';
import { StallWatch } from './stalls.ts';
import { batchBodies, singleBodies } from './track-bodies.ts';
import {
  argValue,
  BENCH_PIXEL,
  BENCH_TOKEN,
  benchConfig,
  benchEnv,
  childrenCpuMs,
  createBenchDatabase,
  fmt,
  MachineCpu,
  OPERATOR_TOKEN,
  peakRssMiB,
  PostgresCpu,
  processCpuMs,
  processTreeCpuMs,
  postgresServerUrl,
  settle,
  sleep,
  table,
  withHelloWorld,
  type BenchDatabase,
  type EngineChoice,
  relaunchWithServerFlags,
} from './support.ts';

const args = process.argv.slice(2);
const DURATION_S = argValue(args, '--duration', 10);
const WARMUP_S = argValue(args, '--warmup', 2);
/**
 * Connections of the saturated single-event runs. A closed loop of few connections measures latency,
 * not capacity: at 64, each connection waits for its group's commit and Rastro's thread idles a third
 * of the time. A site sending 10,000 events/s does so from thousands of browsers, each on its own
 * connection; 256 keeps the server busy. The hello-world ceiling keeps 64 (its best).
 */
const CONNECTIONS = argValue(args, '--connections', 256);
/**
 * Connections of the saturated batch runs, for the same reason: on PostgreSQL at 16 (1,600 events in
 * flight) each connection waits for its group's commit and the machine idles a fifth of the time;
 * from 32 on the figure is flat (docs/performance.md, session 17: 8 → 30,100, 16 → 45,500,
 * 24 → 44,100, 32 → 48,870, 48 → 48,750, 64 → 47,620 events/s). A hub's batches come from many
 * senders at once. PGlite commits on this process's thread, which 16 already keep 100 % busy: more
 * would only queue. `--batch-connections` sets both.
 */
const batchConnections = (engine: EngineChoice): number =>
  argValue(args, '--batch-connections', engine === 'pglite' ? 16 : 32);
const RATE_CONNECTIONS = argValue(args, '--rate-connections', 64);
const HELLO_CONNECTIONS = 64;
/** PostgreSQL's saturated runs are repeated against a cluster of this many API processes (1: not). */
const PROCESSES = argValue(args, '--processes', 2);
const BATCH = argValue(args, '--batch', 100);
const RATE = argValue(args, '--rate', 2000);
const REDIRECT_RATE = argValue(args, '--redirect-rate', 1000);
const listArg = (name: string, all: string[]): string[] => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]!.split(',') : all;
};
/** `--only single,batch,rate,redirect` and `--engines pglite,postgres` narrow a run. */
const ONLY = new Set(listArg('--only', ['single', 'batch', 'rate', 'redirect']));
const ENGINES = new Set(listArg('--engines', ['pglite', 'postgres']));

type Kind = 'hello' | 'single' | 'batch' | 'redirect';

interface LoadOptions {
  url: string;
  kind: Kind;
  seconds: number;
  connections: number;
  /** Requests per second over all connections (fixed-rate run); absent: as fast as answered. */
  rate?: number;
  batch?: number;
  /** Fixed rates on PostgreSQL: the server and database, whose waits explain the slowest slots. */
  postgres?: { serverUrl: string; database: string };
}

/** `elu`: the main thread's event-loop utilization during the load; `busyMs`: its busy time then. */
type Result = LoadResult & {
  elu?: number;
  busyMs?: number;
  /** CPU ms of the whole server process (every thread: GC helpers, libuv) and of wrk, during the load. */
  processMs?: number;
  generatorMs?: number;
  /** The machine's busy share (both cores, every process) during the load. */
  machineBusy?: number;
  /** Fixed rates: the slowest 100 ms slots with the GC pauses and disk writes around them. */
  stalls?: string;
};

function bodiesFor(options: LoadOptions): { body: string }[] | undefined {
  if (options.kind === 'single') return singleBodies().map((body) => ({ body }));
  if (options.kind === 'batch') return batchBodies(options.batch ?? BATCH).map((body) => ({ body }));
  return undefined;
}

/** Runs the load (bench/load-worker.ts); `elu` is the main thread's event-loop utilization meanwhile (the server's CPU share). */
async function load(options: LoadOptions, headers: Record<string, string> = {}): Promise<Result> {
  const pool = bodiesFor(options);
  const before = performance.eventLoopUtilization();
  const machine = new MachineCpu();
  const processBefore = processCpuMs();
  const childrenBefore = childrenCpuMs();
  const watch = options.rate ? new StallWatch(options.postgres) : undefined;
  await watch?.start();
  const result = await runLoad({
    url: options.url,
    method: pool ? 'POST' : 'GET',
    connections: options.connections,
    seconds: options.seconds,
    ...(options.rate ? { rate: options.rate } : {}),
    headers: { 'content-type': 'application/json', ...headers },
    ...(pool ? { pool } : {}),
  });
  const used = performance.eventLoopUtilization(before);
  await watch?.stop();
  const wrk = closedLoopGenerator === 'wrk' && !options.rate;
  return {
    ...result,
    ...(watch && result.worst ? { stalls: watch.describe(result.worst) } : {}),
    elu: used.utilization,
    busyMs: used.active,
    machineBusy: machine.busy(),
    // With autocannon the generator is a thread of this process: its CPU is in neither figure.
    ...(wrk ? { processMs: processCpuMs() - processBefore, generatorMs: childrenCpuMs() - childrenBefore } : {}),
  };
}

interface Row {
  name: string;
  result: Result;
  /** Events committed during the measured run (track rows only). */
  committed?: number;
  eventsPerRequest?: number;
  /** Mean requests per group commit and mean time to commit a group. */
  group?: { size: number; ms: number };
  /**
   * Milliseconds per 1,000 committed events of the server's main thread (busy time: event-loop
   * utilization × duration) and of the PostgreSQL backends serving the run (from /proc). Rates move
   * with the machine's other load; these hold still, so they compare builds across runs.
   */
  cpuPer1000?: { server: number; process?: number; postgres?: number; generator?: number };
  /** Saturated PostgreSQL runs, Rastro's and the durable floor's, compared by shape at the end. */
  versus?: { shape: Kind; floor: boolean };
}

async function helloWorld(name: string): Promise<Row> {
  return withHelloWorld(async (url) => {
    const options = { url, kind: 'hello' as const, connections: HELLO_CONNECTIONS };
    if (WARMUP_S > 0) await load({ ...options, seconds: WARMUP_S });
    return { name, result: await load({ ...options, seconds: DURATION_S }) };
  });
}

/** Group commit so far: groups committed, requests in them, seconds spent committing. */
async function groupStats(rastro: Rastro): Promise<{ groups: number; requests: number; seconds: number }> {
  const read = async (name: string, suffix: string) => {
    const metric = rastro.ctx.metrics.getSingleMetric(name);
    if (!metric) return 0;
    const values = (await metric.get()).values as { metricName?: string; value: number }[];
    return values.find((v) => v.metricName === `${name}_${suffix}`)?.value ?? 0;
  };
  return {
    groups: await read('rastro_ingest_group_size', 'count'),
    requests: await read('rastro_ingest_group_size', 'sum'),
    seconds: await read('rastro_ingest_group_seconds', 'sum'),
  };
}

async function countEvents(rastro: Rastro): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from events`.execute(rastro.ctx.db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * One run whose every 202 must be durable: warm-up, the measured load, the CPU each party spent, and
 * the check that the events committed meanwhile (`count`) cover every acknowledgement. `onStart` is
 * told just before the measured load begins.
 */
async function durableRun(
  name: string,
  options: LoadOptions,
  eventsPerRequest: number,
  how: {
    headers?: Record<string, string>;
    count: () => Promise<number>;
    pgCpu?: PostgresCpu;
    onStart?: () => Promise<void>;
    /** A server in other processes: their cumulative CPU ms (replaces this thread's busy time). */
    serverCpuMs?: () => number;
  },
): Promise<Pick<Row, 'result' | 'committed' | 'cpuPer1000'>> {
  if (WARMUP_S > 0) await load({ ...options, seconds: WARMUP_S }, how.headers);
  await sleep(200); // let the warm-up's last groups commit
  const before = await how.count();
  await how.onStart?.();
  await how.pgCpu?.start();
  const serverBefore = how.serverCpuMs?.();
  let result = await load(options, how.headers);
  if (how.serverCpuMs && serverBefore !== undefined) {
    const serverMs = how.serverCpuMs() - serverBefore;
    result = { ...result, elu: undefined, busyMs: serverMs, processMs: serverMs };
  }
  await sleep(200);
  const pg = await how.pgCpu?.stop();
  // The open-loop generator's own warm-up requests reached the server too.
  const committed = (await how.count()) - before - (result.warmupOk ?? 0) * eventsPerRequest;
  if (result.failed > 0 || result.errors > 0) {
    console.error(`  ${name}: ${result.failed} non-2xx/3xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  // Every 202 answered was committed before it was sent.
  if (committed < result.ok * eventsPerRequest) {
    console.error(`  ${name}: ${result.ok * eventsPerRequest} events acknowledged but only ${committed} committed`);
  }
  // CPU was spent on the open-loop generator's warm-up requests too: they count here.
  const processed = committed + (result.warmupOk ?? 0) * eventsPerRequest;
  const per1000 = (ms: number) => (processed > 0 ? (1000 * ms) / processed : Number.NaN);
  const cpuPer1000 = {
    server: per1000(result.busyMs ?? Number.NaN),
    ...(result.processMs !== undefined ? { process: per1000(result.processMs) } : {}),
    ...(pg ? { postgres: per1000(pg.clients) } : {}),
    ...(result.generatorMs !== undefined ? { generator: per1000(result.generatorMs) } : {}),
  };
  return { result, committed, cpuPer1000 };
}

async function rastroRows(engine: EngineChoice, serverUrl?: string): Promise<Row[]> {
  const database = await createBenchDatabase(engine, serverUrl);
  const rastro = await startRastro({ config: benchConfig(database, { RASTRO_ROLE: 'api' }), logger: false });
  const rows: Row[] = [];
  try {
    const call = async (method: 'POST', url: string, key: string, payload: unknown) => {
      const res = await rastro.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        payload: payload as object,
      });
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json() as Record<string, unknown>;
    };
    const tenant = (await call('POST', '/api/v1/tenants', OPERATOR_TOKEN, { name: 'bench' })) as {
      keys: { admin: string; ingest: string };
    };
    await call('POST', '/api/v1/destinations', tenant.keys.admin, {
      type: 'meta_capi',
      name: 'bench pixel',
      config: { pixel_id: BENCH_PIXEL, access_token: BENCH_TOKEN, default_phone_region: 'BR' },
    });
    await call('POST', '/api/v1/links', tenant.keys.admin, {
      slug: 'bench',
      target_url: 'https://pay.hotmart.com/X123?off=abc',
      click_id_param: 'sck',
    });
    const auth = { authorization: `Bearer ${tenant.keys.ingest}` };

    const track = async (name: string, options: LoadOptions, eventsPerRequest: number): Promise<Row> => {
      await settle(rastro);
      let groupsBefore = await groupStats(rastro);
      const route = options.kind === 'batch' ? '/api/v1/track' : '/api/v1/track/:event';
      let timed = await serverTimer(rastro, route);
      const run = await durableRun(name, options, eventsPerRequest, {
        headers: auth,
        count: () => countEvents(rastro),
        ...(database.serverUrl && database.databaseName
          ? { pgCpu: new PostgresCpu(database.serverUrl, database.databaseName) }
          : {}),
        onStart: async () => {
          groupsBefore = await groupStats(rastro);
          timed = await serverTimer(rastro, route);
        },
      });
      await timed(name);
      const groupsAfter = await groupStats(rastro);
      const groups = groupsAfter.groups - groupsBefore.groups;
      const group = {
        size: groups > 0 ? (groupsAfter.requests - groupsBefore.requests) / groups : Number.NaN,
        ms: groups > 0 ? (1000 * (groupsAfter.seconds - groupsBefore.seconds)) / groups : Number.NaN,
      };
      const versus = engine === 'postgres' && !options.rate ? { shape: options.kind, floor: false } : undefined;
      return { name, ...run, eventsPerRequest, group, ...(versus ? { versus } : {}) };
    };

    const base = rastro.url;
    const pgTarget =
      database.serverUrl && database.databaseName
        ? { serverUrl: database.serverUrl, database: database.databaseName }
        : undefined;
    if (ONLY.has('single'))
      rows.push(
        await track(
          `track single, saturated (${engine})`,
          { url: `${base}/api/v1/track/page_view`, kind: 'single', seconds: DURATION_S, connections: CONNECTIONS },
          1,
        ),
      );
    if (ONLY.has('batch'))
      rows.push(
        await track(
          `track batch of ${BATCH}, saturated (${engine})`,
          {
            url: `${base}/api/v1/track`,
            kind: 'batch',
            batch: BATCH,
            seconds: DURATION_S,
            connections: batchConnections(engine),
          },
          BATCH,
        ),
      );
    if (ONLY.has('rate'))
      rows.push(
        await track(
          `track single at ${fmt(RATE)} req/s (${engine})`,
          {
            url: `${base}/api/v1/track/page_view`,
            kind: 'single',
            seconds: DURATION_S,
            connections: RATE_CONNECTIONS,
            rate: RATE,
            ...(pgTarget ? { postgres: pgTarget } : {}),
          },
          1,
        ),
      );
    if (ONLY.has('single') || ONLY.has('batch')) folds.push(await measureFold(rastro, engine, database));
    const redirect: LoadOptions = {
      url: `${base}/go/bench?utm_source=facebook&fbclid=IwARbench`,
      kind: 'redirect',
      seconds: DURATION_S,
      connections: 16,
      rate: REDIRECT_RATE,
      ...(pgTarget ? { postgres: pgTarget } : {}),
    };
    const ua = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148' };
    if (ONLY.has('redirect')) {
      await settle(rastro);
      if (WARMUP_S > 0) await load({ ...redirect, seconds: WARMUP_S }, ua);
      const name = `/go/:slug at ${fmt(REDIRECT_RATE)} req/s (${engine})`;
      const timed = await serverTimer(rastro, '/go/:slug');
      rows.push({ name, result: await load(redirect, ua) });
      await timed(name);
    }
    return rows;
  } finally {
    await rastro.stop();
    await database.drop();
  }
}

/** One line per engine: how fast the worker's task folds the session touches the track runs queued. */
const folds: string[] = [];

/**
 * One line per in-process run: the same requests timed by Rastro's own histogram
 * (`rastro_http_request_duration_seconds`, from `onRequest` to the response), as bucket bounds. The
 * load generator times more: the wait before the server reads a request, and its own loop. When the
 * two disagree by far, the difference is outside Rastro's handling.
 */
const serverTimes: string[] = [];

/** Cumulative counts per bucket bound (seconds) of one route's requests, all methods and statuses. */
async function routeBuckets(rastro: Rastro, route: string): Promise<Map<number, number>> {
  const metric = rastro.ctx.metrics.getSingleMetric('rastro_http_request_duration_seconds');
  const buckets = new Map<number, number>();
  for (const v of (await metric?.get())?.values ?? []) {
    const metricName = (v as { metricName?: string }).metricName;
    if (!metricName?.endsWith('_bucket') || v.labels.route !== route) continue;
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + v.value);
  }
  return buckets;
}

/** Times a run's requests by Rastro's histogram: call before the measured load, await the result after. */
async function serverTimer(rastro: Rastro, route: string): Promise<(name: string) => Promise<void>> {
  const before = await routeBuckets(rastro, route);
  return async (name) => {
    const after = await routeBuckets(rastro, route);
    const bounds = [...after.keys()].sort((a, b) => a - b);
    const count = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
    const total = count(Number.POSITIVE_INFINITY);
    if (total === 0) return;
    const bound = (q: number) => {
      const le = bounds.find((b) => count(b) >= q * total) ?? Number.POSITIVE_INFINITY;
      return Number.isFinite(le) ? `≤ ${fmt(le * 1000, le < 0.01 ? 1 : 0)}` : '> 2,500';
    };
    serverTimes.push(`  ${name}: ${fmt(total)} requests; p50 ${bound(0.5)}, p99 ${bound(0.99)}, all ${bound(1)} ms`);
  };
}

/**
 * The track API commits each group's session touches as one queued row; the worker folds them into
 * sessions later (src/sessions/queue.ts), so the rates above do not include that work. This times
 * the worker's own fold of everything the runs queued (role `api` folds nothing meanwhile).
 */
async function measureFold(rastro: Rastro, engine: EngineChoice, database: BenchDatabase): Promise<string> {
  const touches = async () =>
    Number(
      (await sql<{ n: string }>`select coalesce(sum(event_count), 0) as n from sessions`.execute(rastro.ctx.db))
        .rows[0]!.n,
    );
  const queued = await rastro.ctx.db
    .selectFrom('session_touches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  if (Number(queued?.n ?? 0) === 0) return `session fold (${engine}): nothing queued (sessions written inline)`;
  const before = await touches();
  const pgCpu =
    database.serverUrl && database.databaseName
      ? new PostgresCpu(database.serverUrl, database.databaseName)
      : undefined;
  await pgCpu?.start();
  const cpuBefore = processCpuMs();
  const started = performance.now();
  let groups = 0;
  const lanes = Number(process.env.BENCH_FOLD_LANES) || foldLanes(rastro.ctx);
  for (let n = -1; n !== 0; groups += n) n = await foldQueuedTouches(rastro.ctx.db, 50, lanes);
  const seconds = (performance.now() - started) / 1000;
  const serverMs = processCpuMs() - cpuBefore;
  const pg = await pgCpu?.stop();
  const folded = (await touches()) - before;
  const perTouch = (ms: number) => fmt((1000 * ms) / Math.max(1, folded), 1);
  return (
    `session fold (${engine}, ${lanes} lane${lanes > 1 ? 's' : ''}): ${fmt(groups)} queued groups, ${fmt(folded)} touches in ${fmt(seconds, 1)} s = ` +
    `${fmt(folded / seconds)} touches/s; CPU µs per touch: Rastro ${perTouch(serverMs)}` +
    (pg ? `, PostgreSQL ${perTouch(pg.clients)}` : '')
  );
}

/**
 * The same saturated loads against `rastro serve --role api` with RASTRO_API_PROCESSES members (a
 * cluster behind one port, as an operator runs it on a multi-core machine), spawned from this
 * process. Server CPU is the process tree's (primary and members) from /proc.
 */
async function clusterRows(serverUrl: string, processes: number): Promise<Row[]> {
  const database = await createBenchDatabase('postgres', serverUrl);
  const port = await freePort();
  const server = new RastroProcess({
    name: `rastro x${processes}`,
    role: 'api',
    port,
    env: {
      ...benchEnv(database),
      RASTRO_API_PROCESSES: String(processes),
      // Start-up lines only: the bench waits for the primary's "cluster serving".
      LOG_LEVEL: 'info',
      RASTRO_REQUEST_LOG: 'off',
    },
    logFile: join(database.dataDir, 'cluster.log'),
  });
  const counter = await openDatabase({ databaseUrl: database.databaseUrl!, poolSize: 1 });
  try {
    await server.start();
    for (let waited = 0; !server.logTail(200).includes('rastro cluster serving'); waited += 100) {
      if (waited > 60_000) throw new Error(`the cluster did not start all its members\n${server.logTail()}`);
      await sleep(100);
    }
    const call = async (url: string, key: string, payload: unknown) => {
      const res = await fetch(`${server.url}${url}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const tenant = (await call('/api/v1/tenants', OPERATOR_TOKEN, { name: 'bench' })) as {
      keys: { admin: string; ingest: string };
    };
    await call('/api/v1/destinations', tenant.keys.admin, {
      type: 'meta_capi',
      name: 'bench pixel',
      config: { pixel_id: BENCH_PIXEL, access_token: BENCH_TOKEN, default_phone_region: 'BR' },
    });
    const how = {
      headers: { authorization: `Bearer ${tenant.keys.ingest}` },
      count: async () => {
        const r = await sql<{ n: number }>`select count(*)::int as n from events`.execute(counter.db);
        return Number(r.rows[0]?.n ?? 0);
      },
      pgCpu: new PostgresCpu(serverUrl, database.databaseName!),
      serverCpuMs: () => processTreeCpuMs(server.pid!),
    };
    const rows: Row[] = [];
    const versus = (kind: Kind) => ({ shape: kind, floor: false });
    if (ONLY.has('single')) {
      const name = `track single, saturated, ${processes} processes (postgres)`;
      const options: LoadOptions = {
        url: `${server.url}/api/v1/track/page_view`,
        kind: 'single',
        seconds: DURATION_S,
        connections: CONNECTIONS,
      };
      rows.push({ name, ...(await durableRun(name, options, 1, how)), eventsPerRequest: 1, versus: versus('single') });
    }
    if (ONLY.has('batch')) {
      const name = `track batch of ${BATCH}, saturated, ${processes} processes (postgres)`;
      const options: LoadOptions = {
        url: `${server.url}/api/v1/track`,
        kind: 'batch',
        batch: BATCH,
        seconds: DURATION_S,
        connections: batchConnections('postgres'),
      };
      rows.push({
        name,
        ...(await durableRun(name, options, BATCH, how)),
        eventsPerRequest: BATCH,
        versus: versus('batch'),
      });
    }
    return rows;
  } finally {
    await server.stop();
    await counter.close();
    await database.drop();
  }
}

/**
 * The durable floor (bench/durable-floor.ts) under the same loads as Rastro's saturated rows: what a
 * server that only commits each event and its pending delivery reaches on this machine right now.
 */
async function floorRows(serverUrl: string): Promise<Row[]> {
  const database = await createBenchDatabase('postgres', serverUrl);
  try {
    return await withDurableFloor(database.databaseUrl!, benchConfigWindow(), async (floor) => {
      const rows: Row[] = [];
      const measure = async (name: string, options: LoadOptions, eventsPerRequest: number) => {
        const run = await durableRun(name, options, eventsPerRequest, {
          count: () => floor.committed(),
          pgCpu: new PostgresCpu(serverUrl, database.databaseName!),
        });
        rows.push({ name, ...run, eventsPerRequest, versus: { shape: options.kind, floor: true } });
      };
      if (ONLY.has('single'))
        await measure(
          'durable floor, single, saturated',
          { url: `${floor.url}/track/page_view`, kind: 'single', seconds: DURATION_S, connections: CONNECTIONS },
          1,
        );
      if (ONLY.has('batch'))
        await measure(
          `durable floor, batch of ${BATCH}, saturated`,
          {
            url: `${floor.url}/track`,
            kind: 'batch',
            batch: BATCH,
            seconds: DURATION_S,
            connections: batchConnections('postgres'),
          },
          BATCH,
        );
      return rows;
    });
  } finally {
    await database.drop();
  }
}

async function main(): Promise<void> {
  relaunchWithServerFlags();
  const serverUrl = postgresServerUrl(args);
  console.log(
    `bench/ingest: ${DURATION_S} s per run after ${WARMUP_S} s warm-up; connections: single ${CONNECTIONS}, ` +
      `batches ${batchConnections('postgres')} (PGlite ${batchConnections('pglite')}), fixed rate ${RATE_CONNECTIONS}, hello-world ${HELLO_CONNECTIONS}; ` +
      `group-commit window ${benchConfigWindow()} ms, ` +
      `redirects on PostgreSQL ${process.env.RASTRO_REDIRECT_SYNC_COMMIT === 'on' ? 'wait for' : 'do not wait for'} their click's WAL flush, ` +
      `load generator: ${closedLoopGenerator === 'wrk' ? 'wrk (one thread, its own process)' : 'autocannon in a worker thread'} ` +
      `when saturated, an open loop in a worker thread at fixed rates (latency from each request's due time), ` +
      `Rastro on the main thread, Node ${process.version}`,
  );
  const rows: Row[] = [await helloWorld('bare Fastify hello-world')];
  if (ENGINES.has('pglite')) rows.push(...(await rastroRows('pglite')));
  if (serverUrl && ENGINES.has('postgres')) rows.push(...(await rastroRows('postgres', serverUrl)));
  if (serverUrl && ENGINES.has('postgres') && PROCESSES > 1) rows.push(...(await clusterRows(serverUrl, PROCESSES)));
  if (serverUrl && ENGINES.has('postgres') && !args.includes('--no-floor')) rows.push(...(await floorRows(serverUrl)));
  rows.push(await helloWorld('bare Fastify hello-world (again)'));

  const ceiling = Math.max(rows[0]!.result.rps, rows.at(-1)!.result.rps);
  console.log('');
  console.log(
    table(
      [
        'run',
        'req/s',
        'durable events/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        '2xx/3xx',
        'failed',
        'req/group',
        'ms/group',
        'server loop busy',
        'vs hello-world',
      ],
      rows.map(({ name, result: r, committed, group }) => [
        name,
        fmt(r.rps),
        committed === undefined ? '-' : fmt(committed / DURATION_S),
        fmt(r.p50, 2),
        fmt(r.p95, 2),
        fmt(r.p99, 2),
        fmt(r.ok),
        fmt(r.failed + r.errors + r.timeouts),
        group ? fmt(group.size, 1) : '-',
        group ? fmt(group.ms, 1) : '-',
        r.elu === undefined ? '-' : `${fmt(100 * r.elu)} %`,
        `${fmt((100 * r.rps) / ceiling, 1)} %`,
      ]),
    ),
  );
  const tracked = rows.filter((r) => r.cpuPer1000);
  if (tracked.length > 0) {
    console.log(
      '\nCPU ms per 1,000 durable events. server: main-thread busy time; process: the whole server ' +
        'process (GC helper threads, libuv); postgres: its backends for this database; generator: wrk. ' +
        'They hold still when the machine is slower or busier; the rates above do not. Capacity: ' +
        'events/s if two cores ran the server process and PostgreSQL only; machine busy: both cores, ' +
        'every process, during the load (near 100 %: the run was bound by CPU, not by waiting).',
    );
    const dash = (v: number | undefined, digits = 1) => (v === undefined ? '-' : fmt(v, digits));
    console.log(
      table(
        ['run', 'server', 'process', 'postgres', 'generator', 'capacity events/s (2 cores)', 'machine busy'],
        tracked.map(({ name, cpuPer1000: c, result: r }) => [
          name,
          fmt(c!.server, 1),
          dash(c!.process),
          dash(c!.postgres),
          dash(c!.generator),
          c!.postgres === undefined ? '-' : fmt((2 * 1000 * 1000) / ((c!.process ?? c!.server) + c!.postgres)),
          r.machineBusy === undefined ? '-' : `${fmt(100 * r.machineBusy)} %`,
        ]),
      ),
    );
  }
  const pairs = rows
    .filter((r) => r.versus && !r.versus.floor)
    .flatMap((r) => {
      const floor = rows.find((f) => f.versus?.floor && f.versus.shape === r.versus!.shape);
      return floor ? [[r, floor] as const] : [];
    });
  if (pairs.length > 0) {
    console.log('\nRastro against the durable floor (same load, same run): the share of the floor it reaches.');
    console.log(
      table(
        ['run', 'Rastro events/s', 'floor events/s', 'Rastro / floor'],
        pairs.map(([r, f]) => [
          r.name,
          fmt(r.committed! / DURATION_S),
          fmt(f.committed! / DURATION_S),
          `${fmt((100 * r.committed!) / f.committed!, 1)} %`,
        ]),
      ),
    );
  }
  if (folds.length > 0) console.log(`\n${folds.join('\n')}`);
  if (serverTimes.length > 0) {
    console.log(
      "\nThe same requests timed by Rastro's own histogram (onRequest to response, bucket bounds; fixed-rate runs with the generator's own warm-up second; the generator's figures above also hold the wait before Rastro reads a request):",
    );
    console.log(serverTimes.join('\n'));
  }
  const stalls = rows.filter((r) => r.result.stalls);
  if (stalls.length > 0) {
    console.log(
      '\nSlowest 100 ms slots of the fixed-rate runs (by due time, UTC), with what the generator, the server process and the machine did around them:',
    );
    for (const r of stalls) console.log(`  ${r.name}:\n      ${r.result.stalls}`);
  }
  console.log(`\npeak RSS (server + load generator thread): ${fmt(peakRssMiB())} MiB`);
}

function benchConfigWindow(): number {
  return Number(process.env.RASTRO_INGEST_WINDOW_MS ?? 2);
}

await main();
