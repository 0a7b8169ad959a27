/**
 * Load test: a real `rastro serve` process (role all) driven by autocannon over loopback, bounded in
 * time, with the Meta emulator in a process of its own (counters only).
 *
 *   npx tsx bench/load.ts --short                  # about 2 minutes per engine
 *   npx tsx bench/load.ts                          # the seeds' durations (100 req/s for 5 minutes...)
 *   npx tsx bench/load.ts --engine pg --short      # pg | pglite | both (default both)
 *
 * Scenarios, each on the same server, one after the other:
 *   seed-100rps    POST /api/v1/track/purchase, one event per request, 100 req/s for 300 s (--short: 30 s)
 *   seed-webhooks  signed generic webhooks (one approved order each) at 10,000/min for 60 s (--short: 20 s)
 *   e2e-1000eps    POST /api/v1/track, batches of 10, 100 req/s = 1,000 events/s for 60 s (--short: 20 s)
 *   max-single     closed loop, 64 connections, one event per request, 20 s (--short: 10 s)
 *   max-batch      closed loop, 32 connections, batches of 100 events, 20 s (--short: 10 s)
 *
 * Printed per scenario: accepted events/s and requests/s, ack latency p50/p95/p99 (every response
 * timed), end-to-end latency p50/p95/p99 (commit -> delivered for track events, webhook received ->
 * delivered for webhooks; from the database, after a drain), error rate (non-2xx + transport errors),
 * the time the pipeline needed after the scenario to deliver everything (drain), and the server's
 * peak RSS (VmHWM). PostgreSQL: DATABASE_URL, else the local test server
 * (scripts/postgres-local.sh). The destination's rate limit is raised to 100,000/s so that Rastro,
 * not the token bucket, is measured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { EmulatorProcess, freePort, RastroProcess, sleep } from '../scripts/lib/children.ts';
import { call, META_TOKEN, OPERATOR_TOKEN, setupTenant, type Tenant } from '../scripts/lib/traffic.ts';
import { openDatabase } from '../src/db/database.ts';
import { signWebhook } from '../src/gateways/sign.ts';
import { createBenchDatabase, fmt, percentile, table, type BenchDatabase } from './support.ts';

const args = process.argv.slice(2);
const short = args.includes('--short');
const engineArg = args.includes('--engine') ? args[args.indexOf('--engine') + 1] : 'both';
const engines = (engineArg === 'both' ? ['pglite', 'pg'] : [engineArg]) as ('pg' | 'pglite')[];
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
const PIXEL = '123456789012345';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

interface Scenario {
  name: string;
  seconds: number;
  connections: number;
  /** Requests per second across all connections; absent = as fast as possible (closed loop). */
  rate?: number;
  eventsPerRequest: number;
  /** Prefix of the event_ids (track) or order ids (webhooks) of this scenario. */
  tag: string;
  kind: 'track-one' | 'track-batch' | 'webhook';
}

const SCENARIOS: Scenario[] = [
  {
    name: 'seed-100rps',
    seconds: short ? 30 : 300,
    connections: 10,
    rate: 100,
    eventsPerRequest: 1,
    tag: 's100',
    kind: 'track-one',
  },
  {
    name: 'seed-webhooks',
    seconds: short ? 20 : 60,
    connections: 64,
    rate: 10_000 / 60,
    eventsPerRequest: 1,
    tag: 'swh',
    kind: 'webhook',
  },
  {
    name: 'e2e-1000eps',
    seconds: short ? 20 : 60,
    connections: 32,
    rate: 100,
    eventsPerRequest: 10,
    tag: 'e2e',
    kind: 'track-batch',
  },
  { name: 'max-single', seconds: short ? 10 : 20, connections: 64, eventsPerRequest: 1, tag: 'mx1', kind: 'track-one' },
  {
    name: 'max-batch',
    seconds: short ? 10 : 20,
    connections: 32,
    eventsPerRequest: 100,
    tag: 'mxb',
    kind: 'track-batch',
  },
];

interface Measured {
  scenario: Scenario;
  requests: number;
  ok: number;
  errors: number;
  ack: number[];
  seconds: number;
  e2e?: number[];
  /** Seconds from the end of the scenario until its last event was delivered. */
  drainSeconds?: number;
  rssMiB: number;
}

const trackEvent = (id: string, name = 'purchase') => ({
  event_name: name,
  event_id: id,
  url: 'https://shop.example.com/obrigado',
  user: { email: 'maria.silva@example.com', phone: '+5511987654321', external_id: 'cust-1' },
  value: 197,
  currency: 'BRL',
});

function requestsFor(s: Scenario, tenant: Tenant): autocannon.Request[] {
  const ingest = {
    authorization: `Bearer ${tenant.keys.ingest}`,
    'content-type': 'application/json',
    'user-agent': UA,
  };
  if (s.kind === 'track-one') {
    const { event_name: _n, ...body } = trackEvent(`${s.tag}-[<id>]`);
    return [{ method: 'POST', path: '/api/v1/track/purchase', headers: ingest, body: JSON.stringify(body) }];
  }
  if (s.kind === 'track-batch') {
    const events = Array.from({ length: s.eventsPerRequest }, (_, i) => trackEvent(`${s.tag}-[<id>]-${i}`));
    return [{ method: 'POST', path: '/api/v1/track', headers: ingest, body: JSON.stringify({ events }) }];
  }
  const connection = tenant.connections.generic!;
  let seq = 0;
  return [
    {
      method: 'POST',
      path: connection.path,
      setupRequest: (req) => {
        const orderId = `${s.tag}-${process.pid}-${++seq}`;
        const payload = JSON.stringify({
          event_type: 'order.paid',
          order_id: orderId,
          status: 'approved',
          amount: 349.9,
          currency: 'BRL',
          occurred_at: new Date().toISOString(),
          buyer: { email: `${orderId}@example.com`, phone: '+5511976543210', first_name: 'Helena', country: 'BR' },
          products: [{ id: 'SKU-1', quantity: 1, price: 349.9 }],
          tracking: { landing_url: 'https://shop.example.com/lp', user_agent: UA, client_ip: '201.17.42.9' },
        });
        const signed = signWebhook('generic', payload, connection.secret);
        return {
          ...req,
          headers: Object.fromEntries(Object.entries(signed.headers).filter((e): e is [string, string] => !!e[1])),
          body: signed.rawBody.toString('utf8'),
        };
      },
    },
  ];
}

async function runScenario(s: Scenario, url: string, tenant: Tenant, server: RastroProcess): Promise<Measured> {
  const ack: number[] = [];
  let ok = 0;
  const started = performance.now();
  let done: (result: autocannon.Result) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url,
      connections: s.connections,
      duration: s.seconds,
      ...(s.rate ? { overallRate: Math.round(s.rate) } : {}),
      idReplacement: true,
      requests: requestsFor(s, tenant),
      timeout: 30,
    },
    (error, result) => (error ? failed(error) : done(result)),
  );
  instance.on('response', (_client, status, _bytes, responseTime) => {
    ack.push(responseTime);
    if (status >= 200 && status < 300) ok += 1;
  });
  const result = await finished;
  const seconds = (performance.now() - started) / 1000;
  return {
    scenario: s,
    requests: result.requests.total,
    ok,
    errors: result.errors + result.timeouts + result.non2xx,
    ack: ack.sort((a, b) => a - b),
    seconds,
    rssMiB: peakRssMiB(server.pid),
  };
}

/** Peak resident set size of a process (VmHWM), MiB. */
function peakRssMiB(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

/**
 * Waits until the emulator has received `expected` events in all (every acknowledged track event and
 * webhook so far: receipts and emissions are not visible as pending deliveries) and nothing is
 * pending, or until nothing has moved for 20 s, or `timeoutMs`. Returns the seconds it took.
 */
async function drain(
  url: string,
  tenant: Tenant,
  emulator: EmulatorProcess,
  expected: number,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  const busy = async (status: string) => {
    const res = await call('GET', `${url}/api/v1/events?status=${status}&limit=1`, { key: tenant.keys.admin });
    return ((res.body as { items?: unknown[] }).items ?? []).length > 0;
  };
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const received = await emulator.received();
    if (received !== last) [last, lastChange] = [received, Date.now()];
    const pending = (await busy('pending')) || (await busy('processing'));
    if (!pending && (received >= expected || Date.now() - lastChange > 20_000)) break;
    await sleep(250);
  }
  return (performance.now() - started) / 1000;
}

/** End-to-end latencies (ms) per scenario tag, read from the database after the server stopped. */
async function endToEnd(database: BenchDatabase, tenant: Tenant): Promise<Map<string, number[]>> {
  const handle = await openDatabase(
    database.databaseUrl
      ? { databaseUrl: database.databaseUrl, poolSize: 2 }
      : { pgliteDir: join(database.dataDir, 'pgdata') },
  );
  try {
    const track = await sql<{ tag: string; ms: number }>`
      select split_part(d.event_id, '-', 1) as tag,
             extract(epoch from (d.delivered_at - d.committed_at)) * 1000 as ms
      from deliveries d
      where d.tenant_id = ${tenant.id} and d.status = 'delivered' and d.event_id like '%-%'`.execute(handle.db);
    const webhooks = await sql<{ tag: string; ms: number }>`
      select split_part(r.order_id, '-', 1) as tag,
             extract(epoch from (d.delivered_at - r.received_at)) * 1000 as ms
      from webhook_receipts r
      join events e on e.tenant_id = r.tenant_id and e.source = 'webhook:generic'
        and e.payload->'custom_data'->>'order_id' = r.order_id
      join deliveries d on d.tenant_id = e.tenant_id and d.event_ref = e.id and d.status = 'delivered'
      where r.tenant_id = ${tenant.id}`.execute(handle.db);
    const out = new Map<string, number[]>();
    for (const r of [...track.rows, ...webhooks.rows]) {
      const list = out.get(r.tag) ?? [];
      list.push(Number(r.ms));
      out.set(r.tag, list);
    }
    for (const list of out.values()) list.sort((a, b) => a - b);
    return out;
  } finally {
    await handle.close();
  }
}

async function runEngine(engine: 'pg' | 'pglite'): Promise<Measured[]> {
  const database = await createBenchDatabase(engine === 'pg' ? 'postgres' : 'pglite', serverUrl);
  const emulator = await EmulatorProcess.start({ tokens: { [META_TOKEN]: ['*'] }, storeEvents: false });
  const server = new RastroProcess({
    name: 'all',
    role: 'all',
    port: await freePort(),
    env: {
      RASTRO_DATA_DIR: database.dataDir,
      RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
      RASTRO_SECRET_KEY: database.secretKey,
      RASTRO_META_GRAPH_URL: emulator.url,
      LOG_LEVEL: 'warn',
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    },
    logFile: join(database.dataDir, 'server.log'),
  });
  const measured: Measured[] = [];
  try {
    await server.start();
    const tenant = await setupTenant(server.url, { pixels: [PIXEL] });
    let expected = 0;
    for (const s of SCENARIOS) {
      console.log(`[${engine}] ${s.name}: ${s.seconds} s${s.rate ? ` at ${fmt(s.rate)} req/s` : ', closed loop'}...`);
      const m = await runScenario(s, server.url, tenant, server);
      expected += m.ok * s.eventsPerRequest;
      m.drainSeconds = await drain(server.url, tenant, emulator, expected, 600_000);
      measured.push(m);
      console.log(
        `[${engine}] ${s.name}: ${fmt(m.ok / m.seconds)} req/s accepted, ${m.errors} errors, drained ${fmt(m.drainSeconds, 1)} s after`,
      );
    }
    await server.stop();
    const e2e = await endToEnd(database, tenant);
    for (const m of measured) m.e2e = e2e.get(m.scenario.tag) ?? [];
    return measured;
  } finally {
    await server.kill();
    await emulator.close();
    await database.drop();
  }
}

function report(engine: string, measured: Measured[]): string {
  const ms = (v: number) => fmt(v, v < 10 ? 1 : 0);
  const rows = measured.map((m) => [
    m.scenario.name,
    fmt((m.ok * m.scenario.eventsPerRequest) / m.seconds),
    fmt(m.ok / m.seconds),
    ms(percentile(m.ack, 50)),
    ms(percentile(m.ack, 95)),
    ms(percentile(m.ack, 99)),
    ms(percentile(m.e2e ?? [], 50)),
    ms(percentile(m.e2e ?? [], 95)),
    ms(percentile(m.e2e ?? [], 99)),
    `${fmt((100 * m.errors) / Math.max(1, m.requests), 2)} %`,
    fmt(m.drainSeconds ?? Number.NaN, 1),
    fmt(m.rssMiB),
  ]);
  return `\n${engine}\n${table(
    [
      'scenario',
      'events/s',
      'req/s',
      'ack p50 ms',
      'ack p95',
      'ack p99',
      'e2e p50 ms',
      'e2e p95',
      'e2e p99',
      'errors',
      'drain s',
      'peak RSS MiB',
    ],
    rows,
  )}`;
}

const results: string[] = [];
for (const engine of engines) results.push(report(engine === 'pg' ? 'PostgreSQL' : 'PGlite', await runEngine(engine)));
console.log(results.join('\n'));
console.log(
  '\nTargets: seeds 10,000 events/min, webhook ack p95 < 300 ms, e2e p95 < 60 s; Rastro >= 10,000 events/s accepted ' +
    '(durable, PostgreSQL), ack p99 <= 25 ms at 2,000 events/s, e2e p95 <= 1 s at 1,000 events/s (e2e-1000eps).',
);
process.exit(0);
