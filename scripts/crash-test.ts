/**
 * Crash test: sustained traffic through the public API while the Rastro processes are SIGKILLed at
 * random moments and restarted; then drain and check against the Meta emulator that no
 * acknowledged event was lost, none was sent twice, and nothing refused was half-stored.
 *
 *   npx tsx scripts/crash-test.ts --events 2000 --kills 3 --engine pglite
 *   npx tsx scripts/crash-test.ts --events 100000 --kills 20 --engine pg --topology split --rate 1000
 *
 * Options: --events N (2000), --kills K (3), --engine pg|pglite (pg when DATABASE_URL is set),
 * --topology all|split (all: one `serve --role all`; split: `--role api` + `--role worker`, pg only),
 * --rate events/s (400), --concurrency N (16), --lease-ms N (RASTRO_DELIVERY_LEASE_MS of the
 * children; Rastro's default 120 s when absent), --drain-timeout-s N (300), --keep (keep data and logs),
 * --json FILE (write the report). PostgreSQL: DATABASE_URL, else the local test server
 * (scripts/postgres-local.sh, 127.0.0.1:55432). Exits 1 when a property fails.
 */
import { writeFileSync } from 'node:fs';
import { formatReport, runCrashTest, type Engine, type Topology } from './lib/crash.ts';

const args = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, fallback: number): number => {
  const n = Number(value(name));
  return value(name) !== undefined && Number.isFinite(n) ? n : fallback;
};

const engine = (value('--engine') ?? (process.env.DATABASE_URL ? 'pg' : 'pglite')) as Engine;
if (!['pg', 'pglite'].includes(engine)) throw new Error('--engine must be pg or pglite');
const topology = (value('--topology') ?? 'all') as Topology;
const serverUrl =
  engine === 'pg' ? (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres') : undefined;

const report = await runCrashTest({
  events: num('--events', 2000),
  kills: num('--kills', 3),
  engine,
  topology,
  serverUrl,
  rate: num('--rate', 400),
  concurrency: num('--concurrency', 16),
  leaseMs: value('--lease-ms') ? num('--lease-ms', 0) : undefined,
  drainTimeoutMs: num('--drain-timeout-s', 300) * 1000,
  keep: args.includes('--keep'),
  log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
});
console.log(`\n${formatReport(report)}`);
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
