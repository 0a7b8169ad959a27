/**
 * What one request log line costs the server's main thread: Rastro's logger (pino with its redaction
 * paths, src/runtime/start.ts) against the request logger of src/http/observability.ts (a child
 * without them), writing to /dev/null synchronously as `serve` writes to stdout.
 *
 *   npx tsx bench/log-line.ts
 */
import pino from 'pino';
import { REDACT } from '../src/runtime/start.ts';
import { fmt, table } from './support.ts';

const LINES = 200_000;
const root = pino(
  { level: 'info', redact: REDACT, base: { service: 'rastro' } },
  pino.destination({ dest: '/dev/null', sync: true }),
);
const loggers = { 'with redaction paths (every other line)': root, 'request logger': root.child({}, { redact: [] }) };

const line = () => ({
  request_id: '01a20ca1-d86e-7618-86ca-156f1cfa5f15',
  method: 'POST',
  route: '/api/v1/track/:event',
  status: 202,
  duration_ms: 12.34,
  tenant_id: '01a20ca1-d86e-7618-86ca-133172104eaa',
});

const rows: string[][] = [];
for (const [name, log] of Object.entries(loggers)) {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    for (let i = 0; i < LINES; i++) log.info(line(), 'request');
    best = Math.min(best, ((performance.now() - started) * 1000) / LINES);
  }
  rows.push([name, fmt(best, 2)]);
}
console.log(`bench/log-line: ${fmt(LINES)} request lines per run, best of 3, Node ${process.version}\n`);
console.log(table(['logger', 'µs per line'], rows));
