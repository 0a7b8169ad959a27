/**
 * Scale-out with plain processes: N `rastro serve --role api` and M `--role worker` on one
 * PostgreSQL database plus Redis (a throwaway redis-server), traffic spread over the API processes.
 * Checks that no delivery is sent twice, every worker takes part, and the per-destination rate limit
 * holds across all workers (measured at the Meta emulator).
 *
 *   npx tsx scripts/scale-out.ts                       # 2 api, 2 workers, 150 events/s per destination
 *   npx tsx scripts/scale-out.ts --apis 3 --workers 4 --rate-limit 300 --events 10000 --offered 1500
 *   npx tsx scripts/scale-out.ts --no-redis            # control: each worker has its own bucket
 *
 * PostgreSQL: DATABASE_URL, else the local test server (scripts/postgres-local.sh). Needs
 * `redis-server` on the PATH (apt-get install redis-server). Exits 1 when a property fails.
 */
import { formatScaleReport, runScaleOut } from './lib/scale.ts';

const args = process.argv.slice(2);
const num = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const n = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(n) ? n : fallback;
};

const report = await runScaleOut({
  apis: num('--apis', 2),
  workers: num('--workers', 2),
  serverUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres',
  redis: !args.includes('--no-redis'),
  ratePerSecond: num('--rate-limit', 150),
  events: num('--events', 3000),
  offeredRate: num('--offered', 600),
  log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
});
console.log(`\n${formatScaleReport(report)}`);
process.exit(report.ok ? 0 : 1);
