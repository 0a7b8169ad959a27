/**
 * HTTP overhead benchmark: what Fastify, Rastro's hooks (request id, metrics, error handling) and
 * API-key auth cost, next to a bare Fastify hello-world measured in the same run.
 *
 *   npx tsx bench/http.ts                  # embedded PGlite, plus PostgreSQL when DATABASE_URL is set
 *   npx tsx bench/http.ts --pg             # also PostgreSQL on the local test server (127.0.0.1:55432)
 *   npx tsx bench/http.ts --duration 10 --connections 8 --warmup 2
 *
 * The servers run on this process's main thread; autocannon runs in a worker thread, so the server
 * and the load generator each get one of the machine's two cores. Loopback only. Logs are silent
 * (a JSON line per request to stdout would be measured otherwise).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { startRastro } from '../src/runtime/start.ts';
import {
  argValue,
  benchConfig,
  createBenchDatabase,
  fmt,
  OPERATOR_TOKEN,
  peakRssMiB,
  postgresServerUrl,
  table,
  type EngineChoice,
  withHelloWorld,
  relaunchWithServerFlags,
} from './support.ts';

const args = process.argv.slice(2);
const DURATION_S = argValue(args, '--duration', 10);
const WARMUP_S = argValue(args, '--warmup', 2);
const CONNECTIONS = argValue(args, '--connections', 8);

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon in a worker thread (plain JS: the worker needs no TypeScript loader). */
const AUTOCANNON_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
// autocannon's own histogram keeps whole milliseconds; every 2xx response time is kept here instead.
let latencies = new Float64Array(1 << 20);
let n = 0;
const instance = autocannon(workerData.options, (err, raw) => {
  if (err) { parentPort.postMessage({ error: String(err) }); return; }
  // Off the main thread autocannon hands back raw histograms; aggregate them here.
  const r = autocannon.aggregateResult([raw], workerData.options);
  const sorted = latencies.subarray(0, n).sort();
  const at = (p) => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]);
  parentPort.postMessage({
    rps: r.requests.total / (r.duration || 1),
    p50: at(50),
    p99: at(99),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  });
});
instance.on('response', (_client, status, _bytes, ms) => {
  if (status >= 300) return;
  if (n === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[n++] = ms;
});
`;
const autocannonPath = createRequire(import.meta.url).resolve('autocannon');

function load(url: string, seconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(AUTOCANNON_WORKER, {
      eval: true,
      workerData: {
        autocannon: autocannonPath,
        options: { url, connections: CONNECTIONS, pipelining: 1, duration: seconds, headers },
      },
    });
    worker.once('message', (m: LoadResult & { error?: string }) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}

async function measure(url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  if (WARMUP_S > 0) await load(url, WARMUP_S, headers);
  const result = await load(url, DURATION_S, headers);
  if (result.non2xx > 0 || result.errors > 0) {
    console.error(`  ${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result;
}

interface Row {
  name: string;
  result: LoadResult;
}

async function helloWorld(): Promise<Row> {
  return withHelloWorld(async (url) => ({ name: 'bare Fastify hello-world', result: await measure(url) }));
}

async function rastroRows(engine: EngineChoice, serverUrl?: string): Promise<Row[]> {
  const database = await createBenchDatabase(engine, serverUrl);
  const rastro = await startRastro({ config: benchConfig(database), logger: false });
  try {
    const created = await rastro.app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      payload: { name: 'bench' },
    });
    if (created.statusCode !== 201) throw new Error(`tenant: ${created.statusCode} ${created.body}`);
    const { keys } = created.json() as { keys: { ingest: string } };
    const health = await measure(`${rastro.url}/healthz`);
    const me = await measure(`${rastro.url}/api/v1/me`, { authorization: `Bearer ${keys.ingest}` });
    return [
      { name: `Rastro GET /healthz (${engine})`, result: health },
      { name: `Rastro GET /api/v1/me, ingest key (${engine})`, result: me },
    ];
  } finally {
    await rastro.stop();
    await database.drop();
  }
}

async function main(): Promise<void> {
  relaunchWithServerFlags();
  const serverUrl = postgresServerUrl(args);
  console.log(
    `bench/http: ${DURATION_S} s per target after ${WARMUP_S} s warm-up, ${CONNECTIONS} connections, ` +
      `autocannon in a worker thread, servers on the main thread, Node ${process.version}`,
  );
  const rows: Row[] = [await helloWorld()];
  rows.push(...(await rastroRows('pglite')));
  if (serverUrl) rows.push(...(await rastroRows('postgres', serverUrl)));
  // The ceiling is measured again at the end so drift (thermal, neighbours) shows up.
  const again = await helloWorld();
  rows.push({ ...again, name: 'bare Fastify hello-world (again)' });

  const ceiling = Math.max(rows[0]!.result.rps, again.result.rps);
  console.log('');
  console.log(
    table(
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'vs hello-world'],
      rows.map(({ name, result: r }) => [
        name,
        fmt(r.rps),
        fmt(r.p50, 2),
        fmt(r.p99, 2),
        fmt(r.requests),
        fmt(r.non2xx + r.errors),
        `${fmt((100 * r.rps) / ceiling, 1)} %`,
      ]),
    ),
  );
  console.log(`\npeak RSS (servers + load generator thread): ${fmt(peakRssMiB())} MiB`);
}

await main();
