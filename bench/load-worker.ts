/**
 * Load generators off the server's thread: wrk in its own process, or a worker thread. Requests
 * cycle through a pool prepared by the caller (bodies and headers, e.g. signed webhooks).
 * Loopback only; bounded by `seconds`.
 *
 * Two shapes of load, because they answer different questions:
 * - **closed loop** (no `rate`): wrk (bench/wrk-pool.lua) or autocannon, each connection sends its
 *   next request when the last one is answered — "how fast can it go";
 * - **open loop** (`rate`): requests leave on a fixed schedule (one every 1000/rate ms, wrk2 style)
 *   whatever the server does, over an undici pool of `connections` sockets, and each latency is
 *   counted from the moment the request was *due*, so a stalled server is charged for the requests
 *   it delayed (no coordinated omission) — "how fast does it answer at this offered rate".
 *   autocannon's own `overallRate` is not used for that: it lets every connection fire its share of
 *   the second back to back and then idle, a burst at the saturated rate every second.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  connections: number;
  seconds: number;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  rate?: number;
  /** Open loop only: seconds at the same rate before measuring, unrecorded (default 1). */
  warmupSeconds?: number;
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
  /** Open loop: successful requests of the unrecorded warm-up (they reached the server too). */
  warmupOk?: number;
  /** Open loop: the three 100 ms slots (by due time) with the slowest answers, epoch ms. */
  worst?: { at: number; maxMs: number; lateMs: number }[];
}

const CLOSED_WORKER = `
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

/** Open loop: request k is due at start + k·(1000/rate) ms; its latency runs from then to the answer's end. */
const PACED_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Pool } = require(workerData.undici);
const o = workerData.options;
const target = new URL(o.url);
const pool = new Pool(target.origin, { connections: o.connections, pipelining: 1, keepAliveTimeout: 60_000 });
const path = target.pathname + target.search;
const method = o.method || 'GET';
const intervalMs = 1000 / o.rate;
let nextItem = 0;

// One schedule of "seconds" at the rate; resolves with its latencies once every request settled
// (or 10 s after the last one was due: the rest count as timeouts).
const phase = (seconds) => new Promise((resolve) => {
  const total = Math.max(1, Math.round(o.rate * seconds));
  const latencies = new Float64Array(total);
  // The slowest answer per 100 ms of due time, to line the tail up with what the machine did.
  const slotMax = new Float64Array(Math.ceil(seconds * 10) + 1);
  // And how late this thread itself sent each slot's requests (its own GC, or no CPU for it).
  const slotLate = new Float64Array(slotMax.length);
  let n = 0, failed = 0, errors = 0, sent = 0, settled = 0, done = false;
  const start = performance.now();
  const startedAt = Date.now();
  const finish = () => {
    if (done) return;
    done = true;
    const worst = [...slotMax.keys()].sort((a, b) => slotMax[b] - slotMax[a]).slice(0, 3)
      .map((s) => ({ at: startedAt + s * 100, maxMs: slotMax[s], lateMs: slotLate[s] }));
    resolve({ latencies: latencies.subarray(0, n), failed, errors, settled, total, worst, seconds: (performance.now() - start) / 1000 });
  };
  const send = (k) => {
    const due = start + k * intervalMs;
    const item = o.pool && o.pool.length > 0 ? o.pool[nextItem++ % o.pool.length] : {};
    const slot = Math.floor((k * intervalMs) / 100);
    const late = performance.now() - due;
    if (late > slotLate[slot]) slotLate[slot] = late;
    pool
      .request({ path, method, body: item.body, headers: { ...(o.headers || {}), ...(item.headers || {}) } })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode < 400) {
          const ms = performance.now() - due;
          latencies[n++] = ms;
          if (ms > slotMax[slot]) slotMax[slot] = ms;
        } else failed++;
      }, () => { errors++; })
      .finally(() => { if (++settled === total) finish(); });
  };
  const tick = () => {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < due) send(sent++);
    if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
  };
  setTimeout(finish, seconds * 1000 + 10_000).unref();
  tick();
});

(async () => {
  // The generator warms up first, at the same rate and on the same sockets, unrecorded: a fresh
  // worker runs cold (interpreted undici, new connections) and, since latency counts from the due
  // time, its own slow first second would be charged to the server.
  const warm = o.warmupSeconds > 0 ? await phase(o.warmupSeconds) : undefined;
  const r = await phase(o.seconds);
  const sorted = r.latencies.sort();
  const n = sorted.length;
  const at = (p) => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]);
  parentPort.postMessage({
    rps: r.settled / r.seconds, p50: at(50), p95: at(95), p99: at(99),
    requests: r.settled, ok: n, failed: r.failed, errors: r.errors, timeouts: r.total - r.settled,
    warmupOk: warm ? warm.latencies.length : 0, worst: r.worst,
  });
  void pool.close();
})();
`;

const resolveHere = createRequire(import.meta.url).resolve;
const autocannonPath = resolveHere('autocannon');
const undiciPath = resolveHere('undici');

/**
 * The closed-loop generator: wrk (Debian's `wrk`, written in C) when it is installed, else
 * autocannon. On two shared cores the generator's own CPU per request is taken from the server
 * under test: autocannon spends about 50–110 µs per request here, wrk a fraction of that, so wrk
 * measures the server, autocannon partly itself. `RASTRO_BENCH_GENERATOR=autocannon` forces the
 * other, to compare with figures taken before wrk was used.
 */
export type ClosedLoopGenerator = 'wrk' | 'autocannon';

export const closedLoopGenerator: ClosedLoopGenerator = (() => {
  const asked = process.env.RASTRO_BENCH_GENERATOR;
  if (asked === 'autocannon' || asked === 'wrk') return asked;
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return 'wrk';
  } catch (error) {
    // wrk --version exits 1 after printing its usage: present all the same.
    return (error as { status?: number }).status === 1 ? 'wrk' : 'autocannon';
  }
})();

const wrkScript = new URL('./wrk-pool.lua', import.meta.url).pathname;

/** One closed-loop run of wrk (one thread: one core), its pool written to a file its script reads. */
function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rastro-wrk-'));
  const poolFile = join(dir, 'pool.tsv');
  const items = options.pool && options.pool.length > 0 ? options.pool : [{}];
  const lines = items.map((item) => {
    const headers = { ...(options.headers ?? {}), ...(item.headers ?? {}) };
    const fields = Object.entries(headers).flat();
    return [...fields, item.body ?? ''].join('\t');
  });
  writeFileSync(poolFile, `${lines.join('\n')}\n`);
  const argv = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    wrkScript,
    options.url,
    '--',
    options.method ?? 'GET',
    poolFile,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', argv, { maxBuffer: 1 << 20 }, (error, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      if (error) return reject(error);
      const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
      if (!line) return reject(new Error(`wrk printed no summary:\n${stdout}`));
      const s = JSON.parse(line) as Record<'requests' | 'duration_us' | 'status' | 'p50' | 'p95' | 'p99', number> &
        Record<'connect' | 'read' | 'write' | 'timeout', number>;
      resolve({
        rps: s.requests / (s.duration_us / 1e6),
        p50: s.p50 / 1000,
        p95: s.p95 / 1000,
        p99: s.p99 / 1000,
        requests: s.requests,
        ok: s.requests - s.status,
        failed: s.status,
        errors: s.connect + s.read + s.write,
        timeouts: s.timeout,
      });
    });
  });
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (!options.rate && closedLoopGenerator === 'wrk') return runWrk(options);
  return new Promise((resolve, reject) => {
    const worker = options.rate
      ? new Worker(PACED_WORKER, {
          eval: true,
          workerData: { undici: undiciPath, options: { warmupSeconds: 1, ...options } },
        })
      : new Worker(CLOSED_WORKER, { eval: true, workerData: { autocannon: autocannonPath, options } });
    worker.once('message', (m: LoadResult & { error?: string }) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}
