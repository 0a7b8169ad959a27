/**
 * Shared helpers of the benchmarks: a throwaway database per run (embedded PGlite in a temp folder,
 * or a fresh database on the PostgreSQL server named by DATABASE_URL, dropped afterwards), a fresh
 * Rastro configuration, percentiles and plain-text tables.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config/env.ts';
import { SecretBox } from '../src/core/crypto/secret-box.ts';
import { missingServerFlags } from '../src/runtime/node-flags.ts';
import type { Rastro } from '../src/runtime/start.ts';
import { runLoad } from './load-worker.ts';

/**
 * Benches run Rastro in their own process: with the V8 flags `rastro serve` runs with
 * (src/runtime/node-flags.ts), or they would measure a server nobody runs. Without them, this runs
 * the same command again with them and exits with its status.
 */
export function relaunchWithServerFlags(): void {
  const missing = missingServerFlags();
  if (missing.length === 0) return;
  const run = spawnSync(process.execPath, [...missing, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}

export const OPERATOR_TOKEN = 'bench-operator-token-0123456789';
export const BENCH_PIXEL = '123456789012345';
export const BENCH_TOKEN = 'EAAbenchtoken1234567890';

export type EngineChoice = 'pglite' | 'postgres';

export interface BenchDatabase {
  engine: EngineChoice;
  /** For `postgres`: the URL of the fresh database, its name and the server's URL. */
  databaseUrl?: string;
  databaseName?: string;
  serverUrl?: string;
  /** Data folder (PGlite lives in `<dataDir>/pgdata`, as with `rastro serve`). */
  dataDir: string;
  /** One RASTRO_SECRET_KEY per database: every node on it must open the same sealed secrets. */
  secretKey: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server to use: DATABASE_URL, else the local test server when `--pg` was given. */
export function postgresServerUrl(args: string[]): string | undefined {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  return args.includes('--pg') ? 'postgres://postgres@127.0.0.1:55432/postgres' : undefined;
}

/** Databases not dropped yet: an interrupted run (Ctrl-C, SIGTERM) drops them before it exits. */
const live = new Set<BenchDatabase>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: dropping ${live.size} bench database(s)`);
    void Promise.allSettled([...live].map((d) => d.drop())).then(() => process.exit(130));
  });
}

export async function createBenchDatabase(engine: EngineChoice, serverUrl?: string): Promise<BenchDatabase> {
  const database = await openBenchDatabaseSpec(engine, serverUrl);
  const drop = database.drop;
  database.drop = async () => {
    live.delete(database);
    await drop();
  };
  live.add(database);
  return database;
}

async function openBenchDatabaseSpec(engine: EngineChoice, serverUrl?: string): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-bench-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  const secretKey = SecretBox.generateKey();
  if (engine === 'pglite') return { engine, dataDir, secretKey, drop: async () => removeDir() };
  if (!serverUrl) throw new Error('postgres engine needs a server URL');
  const name = `rastro_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  // BENCH_AUTO_EXPLAIN_MS=n logs the plan of every statement slower than n ms to the server's log.
  const explainMs = Number(process.env.BENCH_AUTO_EXPLAIN_MS);
  if (explainMs > 0) {
    await admin.query(`alter database ${name} set session_preload_libraries = 'auto_explain'`);
    await admin.query(`alter database ${name} set auto_explain.log_min_duration = ${Math.round(explainMs)}`);
    await admin.query(`alter database ${name} set auto_explain.log_analyze = on`);
    await admin.query(`alter database ${name} set auto_explain.log_buffers = on`);
    await admin.query(`alter database ${name} set auto_explain.log_wal = on`);
  }
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    engine,
    databaseUrl: url.toString(),
    databaseName: name,
    serverUrl,
    dataDir,
    secretKey,
    drop: async () => {
      // BENCH_KEEP_DATABASE=1 leaves the database on the server for inspection (psql, EXPLAIN).
      if (process.env.BENCH_KEEP_DATABASE === '1') {
        console.log(`  kept database ${name}`);
        return removeDir();
      }
      // `with (force)` ends connections a task (or an interrupted run) may still hold; a client that
      // sees its connection terminated would crash the run without this guard.
      const terminated = (err: Error & { code?: string }) => {
        if (err.code !== '57P01' && err.message !== 'Connection terminated unexpectedly') throw err;
      };
      process.on('uncaughtException', terminated);
      try {
        const dropper = new pg.Client({ connectionString: serverUrl });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        process.off('uncaughtException', terminated);
      }
      removeDir();
    },
  };
}

/** Tuning knobs of the delivery engine and ingest, taken from this process's environment for experiments. */
const tuningFromEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        /^RASTRO_(DELIVERY|INGEST|REDIRECT)_/.test(entry[0]) && entry[1] !== undefined,
    ),
  );

/** The environment of a bench's Rastro (in process through benchConfig, or a spawned `rastro serve`). */
export const benchEnv = (database: BenchDatabase): Record<string, string> => ({
  ...tuningFromEnv(),
  HOST: '127.0.0.1',
  RASTRO_DATA_DIR: database.dataDir,
  RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
  RASTRO_SECRET_KEY: database.secretKey,
  LOG_LEVEL: 'silent',
  ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
});

export function benchConfig(database: BenchDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({ ...benchEnv(database), PORT: '0', ...env });
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';

/** Peak resident set size of this process so far, in MiB. */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

export function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const raw = i >= 0 ? args[i + 1] : undefined;
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * CPU time spent by the PostgreSQL backends serving one database, read from /proc (the server runs
 * on this machine). Wall-clock rates on a shared 2-core box swing with whatever else runs; CPU time
 * per event does not, so the benchmarks report both. Backends are sampled while the run goes on and
 * the largest total seen per backend is kept; a backend that exits between samples loses at most
 * one interval. The server's own background processes (WAL writer, checkpointer) are not counted.
 */
export class PostgresCpu {
  /** Largest cumulative CPU ms seen per backend, and whether it was a client backend. */
  private readonly seen = new Map<number, { ms: number; client: boolean }>();
  private baseline = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private client: pg.Client | undefined;

  constructor(
    private readonly serverUrl: string,
    private readonly database: string,
  ) {}

  async start(intervalMs = 250): Promise<void> {
    this.client = new pg.Client({ connectionString: this.serverUrl });
    await this.client.connect();
    await this.sample();
    this.baseline = new Map([...this.seen].map(([pid, s]) => [pid, s.ms]));
    this.timer = setInterval(() => void this.sample().catch(() => undefined), intervalMs);
  }

  private async sample(): Promise<void> {
    if (!this.client) return;
    const { rows } = await this.client.query<{ pid: number; backend_type: string }>(
      'select pid, backend_type from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [this.database],
    );
    for (const { pid, backend_type } of rows) {
      try {
        const ms = procCpuMs(pid).own;
        const client = backend_type === 'client backend';
        this.seen.set(pid, { ms: Math.max(ms, this.seen.get(pid)?.ms ?? 0), client });
      } catch {
        // gone between the query and the read
      }
    }
  }

  /** CPU milliseconds used since start() by the database's client backends and by autovacuum/other workers. */
  async stop(): Promise<{ clients: number; background: number }> {
    clearInterval(this.timer);
    await this.sample();
    await this.client?.end();
    const total = { clients: 0, background: 0 };
    for (const [pid, s] of this.seen)
      total[s.client ? 'clients' : 'background'] += s.ms - (this.baseline.get(pid) ?? 0);
    return total;
  }
}

/** CPU milliseconds (user + system, all threads) of this process. */
export const processCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * A process's CPU milliseconds from `/proc/<pid>/stat` (user + system, in USER_HZ ticks of 10 ms):
 * its own (utime + stime) and its reaped children's (cutime + cstime). Throws if it is gone.
 */
function procCpuMs(pid: number | 'self'): { own: number; reapedChildren: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces and parentheses.
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { own: (f[11]! + f[12]!) * 10, reapedChildren: (f[13]! + f[14]!) * 10 };
}

/**
 * CPU milliseconds of this process's reaped children (wrk, once it has exited): /proc/self/stat's
 * cutime + cstime, in USER_HZ ticks of 10 ms.
 */
export const childrenCpuMs = (): number => procCpuMs('self').reapedChildren;

/** CPU milliseconds (user + system) of a process and all its descendants now alive (`/proc`). */
export function processTreeCpuMs(rootPid: number): number {
  let total = 0;
  const visit = (pid: number): void => {
    try {
      total += procCpuMs(pid).own;
      for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
        if (child) visit(Number(child));
      }
    } catch {
      // gone meanwhile
    }
  };
  visit(rootPid);
  return total;
}

/** The whole machine's busy share between two readings of /proc/stat (every core, every process). */
/** Every core's ticks since boot (/proc/stat): busy (neither idle nor iowait), steal (taken by the hypervisor), all. */
export function cpuTicks(): { busy: number; steal: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), steal: ticks[7] ?? 0, total };
}

export class MachineCpu {
  private readonly start = cpuTicks();

  /** Busy fraction (0–1) of all cores since construction. */
  busy(): number {
    const now = cpuTicks();
    const total = now.total - this.start.total;
    return total > 0 ? (now.busy - this.start.busy) / total : Number.NaN;
  }
}

/**
 * Each run starts from a settled database: the vacuum and analyze the previous run made due done now
 * (as pgbench does before each run), its dirty pages written (CHECKPOINT), and any autovacuum still
 * running finished. Waiting for autovacuum alone was not enough: its launcher wakes once a minute, so
 * the vacuum of the tables a saturated run had just filled often began during the next run (seen:
 * a fixed-rate run's p99 7.9 ms alone, 13.5 and 28.6 ms overlapping that vacuum).
 */
export async function settle(rastro: Rastro): Promise<void> {
  if (rastro.ctx.engine === 'postgres') await sql`vacuum (analyze)`.execute(rastro.ctx.db);
  await sql`checkpoint`.execute(rastro.ctx.db);
  if (rastro.ctx.engine !== 'postgres') return;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'`.execute(rastro.ctx.db);
    if (Number(r.rows[0]?.n ?? 0) === 0) return;
    await sleep(250);
  }
}

/**
 * A bare Fastify answering `GET /` and `POST /` for the duration of `use` (given its URL): the ceiling
 * every bench measures in the same run, and a reading of how fast the shared machine is right then.
 */
export async function withHelloWorld<T>(use: (url: string) => Promise<T>): Promise<T> {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  app.post('/', async () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    return await use(`${url}/`);
  } finally {
    await app.close();
  }
}

/**
 * The machine's speed at this moment: a hello-world's closed-loop requests/s (64 connections). On
 * this shared VM it moves by a third between quiet and busy periods, and every figure with it.
 */
export const helloWorldRate = (seconds = 3): Promise<number> =>
  withHelloWorld(async (url) => (await runLoad({ url, connections: 64, seconds })).rps);
