/**
 * Webhook acknowledgement benchmark (issue 5): signed gateway webhooks (the generic format, HMAC-SHA256
 * over the raw body, a unique order per request) against a listening Rastro, at a fixed 500/s and
 * then as fast as it answers, next to a bare Fastify hello-world measured in the same run.
 *
 *   npx tsx bench/webhooks.ts              # embedded PGlite, plus PostgreSQL when DATABASE_URL is set
 *   npx tsx bench/webhooks.ts --pg         # also the local PostgreSQL test server
 *   npx tsx bench/webhooks.ts --duration 10 --connections 16 --rate 500 --warmup 3
 *   npx tsx bench/webhooks.ts --role=all   # workers in the same process (the embedded default)
 *
 * The acknowledgement covers: signature check, mapping, hashing the buyer, sealing the raw body and
 * committing the receipt. Conversion life-cycle and delivery follow in the workers (running too).
 * With `--role=all` the fixed-rate run is also followed through the pipeline: how long each receipt
 * waited to be applied to its conversion, how long its purchase took to become an event, and how
 * long the backlog took to drain once the load stopped (the tenant's matching grace is 0: no click
 * data will come).
 */
import { sql } from 'kysely';
import { signWebhook } from '../src/gateways/sign.ts';
import { startRastro, type Rastro } from '../src/runtime/start.ts';
import { runLoad, type LoadResult } from './load-worker.ts';
import {
  argValue,
  benchConfig,
  createBenchDatabase,
  fmt,
  OPERATOR_TOKEN,
  peakRssMiB,
  postgresServerUrl,
  settle,
  sleep,
  table,
  type EngineChoice,
  withHelloWorld,
  relaunchWithServerFlags,
} from './support.ts';

relaunchWithServerFlags();
const args = process.argv.slice(2);
const SECONDS = argValue(args, '--duration', 10);
const CONNECTIONS = argValue(args, '--connections', 16);
const RATE = argValue(args, '--rate', 500);
/** Seconds of traffic before measuring: JIT, compiled schemas and the connection pool warm up. */
const WARMUP_S = argValue(args, '--warmup', 3);
const SECRET = 'bench-webhook-secret-0123456789';
/** `api` measures the acknowledgement alone (workers in other processes, as in production); `all` shares the core with them. */
const ROLE = args.includes('--role=all') ? 'all' : 'api';

function signedPool(size: number): { body: string; headers: Record<string, string> }[] {
  const now = new Date().toISOString();
  return Array.from({ length: size }, (_, i) => {
    const payload = {
      event_type: 'order.paid',
      order_id: `bench-${i}-${Math.random().toString(36).slice(2, 8)}`,
      status: 'approved',
      amount: 197,
      currency: 'BRL',
      occurred_at: now,
      buyer: { email: `buyer${i}@example.com`, phone: `+5511${String(900000000 + i)}`, first_name: 'Ana' },
      products: [{ id: 'course', quantity: 1, price: 197 }],
      tracking: { utm_source: 'facebook', fbclid: `IwAR${i}` },
    };
    const signed = signWebhook('generic', payload, SECRET);
    return {
      body: signed.rawBody.toString('utf8'),
      headers: { ...(signed.headers as Record<string, string>), 'content-type': 'application/json' },
    };
  });
}

interface Row {
  name: string;
  r: LoadResult;
}

interface Pipeline {
  name: string;
  receipts: number;
  events: number;
  appliedP50: number;
  appliedP99: number;
  eventP50: number;
  eventP99: number;
  drainS: number;
}
const pipelines: Pipeline[] = [];

/** Waits for every receipt to be applied and every purchase emitted, then reads the lags off the rows. */
async function followPipeline(rastro: Rastro, name: string, loadEndedAt: number): Promise<Pipeline> {
  const db = rastro.ctx.db;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const left = await sql<{ n: number }>`
      select (select count(*) from webhook_receipts where status = 'received')
        + (select count(*) from conversion_emissions) as n`.execute(db);
    if (Number(left.rows[0]?.n) === 0 || Date.now() > deadline) break;
    await sleep(100);
  }
  const drainS = (Date.now() - loadEndedAt) / 1000;
  const lags = await sql<{ receipts: number; events: number; a50: number; a99: number; e50: number; e99: number }>`
    with r as (
      select extract(epoch from processed_at - received_at) * 1000 as applied_ms, draft ->> 'orderId' as order_id,
        received_at
      from webhook_receipts
    ), e as (
      select extract(epoch from ev.received_at - r.received_at) * 1000 as event_ms
      from events ev join r on ev.payload -> 'custom_data' ->> 'order_id' = r.order_id
    )
    select (select count(*) from r)::int as receipts, (select count(*) from e)::int as events,
      (select percentile_cont(0.5) within group (order by applied_ms) from r)::float8 as a50,
      (select percentile_cont(0.99) within group (order by applied_ms) from r)::float8 as a99,
      (select percentile_cont(0.5) within group (order by event_ms) from e)::float8 as e50,
      (select percentile_cont(0.99) within group (order by event_ms) from e)::float8 as e99`.execute(db);
  const l = lags.rows[0]!;
  return {
    name,
    receipts: l.receipts,
    events: l.events,
    appliedP50: l.a50,
    appliedP99: l.a99,
    eventP50: l.e50,
    eventP99: l.e99,
    drainS,
  };
}

async function rastroRows(engine: EngineChoice, serverUrl?: string): Promise<Row[]> {
  const database = await createBenchDatabase(engine, serverUrl);
  const rastro = await startRastro({ config: benchConfig(database, { RASTRO_ROLE: ROLE }), logger: false });
  try {
    const tenant = (
      await rastro.app.inject({
        method: 'POST',
        url: '/api/v1/tenants',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        payload: { name: 'bench' },
      })
    ).json() as { keys: { admin: string } };
    await rastro.app.inject({
      method: 'PUT',
      url: '/api/v1/settings/matching',
      headers: { authorization: `Bearer ${tenant.keys.admin}` },
      payload: { grace_seconds: 0 },
    });
    const connection = (
      await rastro.app.inject({
        method: 'POST',
        url: '/api/v1/gateway-connections',
        headers: { authorization: `Bearer ${tenant.keys.admin}` },
        payload: { gateway: 'generic', name: 'bench', secret: SECRET },
      })
    ).json() as { webhook_url: string };
    const url = `${rastro.url}${new URL(connection.webhook_url).pathname}`;
    if (WARMUP_S > 0) {
      await runLoad({ url, method: 'POST', connections: CONNECTIONS, seconds: WARMUP_S, pool: signedPool(5_000) });
    }
    await settle(rastro);
    if (ROLE === 'all') await sql`delete from webhook_receipts`.execute(rastro.ctx.db); // warm-up's, applied
    const fixed = await runLoad({
      url,
      method: 'POST',
      connections: CONNECTIONS,
      seconds: SECONDS,
      rate: RATE,
      pool: signedPool(RATE * (SECONDS + 1) + 100), // + the generator's own 1 s warm-up
    });
    if (ROLE === 'all') pipelines.push(await followPipeline(rastro, `${RATE}/s (${engine})`, Date.now()));
    await settle(rastro);
    const max = await runLoad({
      url,
      method: 'POST',
      connections: CONNECTIONS,
      seconds: SECONDS,
      pool: signedPool(20_000),
    });
    return [
      { name: `webhooks at ${RATE}/s (${engine}, role ${ROLE})`, r: fixed },
      { name: `webhooks, max rate (${engine}, role ${ROLE})`, r: max },
    ];
  } finally {
    await rastro.stop();
    await database.drop();
  }
}

async function helloWorld(): Promise<Row> {
  return withHelloWorld(async (url) => {
    const r = await runLoad({
      url,
      method: 'POST',
      connections: CONNECTIONS,
      seconds: SECONDS,
      pool: signedPool(1000),
    });
    return { name: 'bare Fastify POST hello-world (ceiling)', r };
  });
}

const rows: Row[] = [await helloWorld(), ...(await rastroRows('pglite'))];
const pgUrl = postgresServerUrl(args);
if (pgUrl) rows.push(...(await rastroRows('postgres', pgUrl)));
console.log(
  table(
    ['scenario', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'ok', 'failed'],
    rows.map(({ name, r }) => [
      name,
      fmt(r.rps),
      fmt(r.p50, 2),
      fmt(r.p95, 2),
      fmt(r.p99, 2),
      r.ok,
      r.failed + r.errors,
    ]),
  ),
);
console.log(`target: p99 ≤ 20 ms at 500 webhooks/s on PostgreSQL; peak RSS ${fmt(peakRssMiB())} MiB`);
if (pipelines.length > 0) {
  console.log('\npipeline of the fixed-rate run (role all): receipt → conversion applied, receipt → purchase event');
  console.log(
    table(
      [
        'offered',
        'receipts',
        'events',
        'applied p50 ms',
        'applied p99 ms',
        'event p50 ms',
        'event p99 ms',
        'drained after load s',
      ],
      pipelines.map((p) => [
        p.name,
        p.receipts,
        p.events,
        fmt(p.appliedP50),
        fmt(p.appliedP99),
        fmt(p.eventP50),
        fmt(p.eventP99),
        fmt(p.drainS, 1),
      ]),
    ),
  );
}
