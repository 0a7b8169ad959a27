/**
 * autocannon in a worker thread, so the server under test and the load generator each get one of
 * the machine's two cores. Requests cycle through a pool prepared by the caller (bodies and headers,
 * e.g. signed webhooks); every successful response time is kept at full precision (autocannon's own
 * histogram has whole milliseconds). Loopback only; bounded by `seconds`.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  connections: number;
  seconds: number;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  rate?: number;
  headers?: Record<string, string>;
  /** Request pool, cycled through; each entry's headers are merged over `headers`. */
  pool?: { body?: string; headers?: Record<string, string> }[];
}

export interface LoadResult {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  ok: number;
  failed: number;
  errors: number;
  timeouts: number;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const o = workerData.options;
let next = 0;
const opts = {
  url: o.url,
  method: o.method || 'GET',
  connections: o.connections,
  pipelining: 1,
  duration: o.seconds,
  headers: o.headers || {},
  ...(o.rate ? { overallRate: o.rate } : {}),
};
if (o.pool && o.pool.length > 0) {
  opts.requests = [{ setupRequest: (req) => {
    const item = o.pool[next++ % o.pool.length];
    return { ...req, body: item.body, headers: { ...req.headers, ...(item.headers || {}) } };
  } }];
}
let latencies = new Float64Array(1 << 20);
let n = 0;
const instance = autocannon(opts, (err, raw) => {
  if (err) { parentPort.postMessage({ error: String(err) }); return; }
  const r = autocannon.aggregateResult([raw], opts);
  const sorted = latencies.subarray(0, n).sort();
  const at = (p) => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]);
  parentPort.postMessage({
    rps: r.requests.total / (r.duration || 1), p50: at(50), p95: at(95), p99: at(99),
    requests: r.requests.total, ok: n, failed: r.requests.total - n, errors: r.errors, timeouts: r.timeouts,
  });
});
instance.on('response', (_client, status, _bytes, ms) => {
  if (status >= 400) return;
  if (n === latencies.length) { const b = new Float64Array(n * 2); b.set(latencies); latencies = b; }
  latencies[n++] = ms;
});
`;

const autocannonPath = createRequire(import.meta.url).resolve('autocannon');

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { autocannon: autocannonPath, options } });
    worker.once('message', (m: LoadResult & { error?: string }) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}
