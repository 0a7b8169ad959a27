/**
 * The track API's own CPU per event, without HTTP or a database: what the server's main thread does
 * for each accepted event between the parsed body and the bytes sent to PostgreSQL (canonicalize and
 * hash, list the events that reveal a session, build the group's statement, compile it, encode its parameters).
 * bench/ingest.ts measures the same work inside a loaded server, where the machine's other parties
 * make it move by ±15 %; this one holds still, so it compares builds of the ingest path.
 *
 *   npx tsx bench/ingest-cpu.ts                  # 5 s per shape
 *   npx tsx bench/ingest-cpu.ts --seconds 10 --group 32 --batch 100
 *
 * Shapes, as bench/ingest.ts sends them: `single` (a group of `--group` requests of one page view
 * each) and `batch` (a group of 5 requests of `--batch` events, one in ten a lead with email and
 * phone). The figure per stage is the mean over the run; GC is the collector's pause time within it.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, type RawBuilder } from 'kysely';
import pg from 'pg';
import { newId } from '../src/core/ids.ts';
import type { Database } from '../src/db/schema.ts';
import { getDestinationDefinition } from '../src/destinations/registry.ts';
import type { ResolvedDestination } from '../src/destinations/store.ts';
import { prepareTrack, trackStatements, type TrackSubmission } from '../src/ingest/committer.ts';
import { argValue, BENCH_PIXEL, BENCH_TOKEN, fmt, table } from './support.ts';
import { batchBodies, singleBodies } from './track-bodies.ts';

const args = process.argv.slice(2);
const SECONDS = argValue(args, '--seconds', 5);
const GROUP = argValue(args, '--group', 32);
const BATCH = argValue(args, '--batch', 100);

const tenantId = newId();
const target: ResolvedDestination = {
  tenantId,
  id: newId(),
  type: 'meta_capi',
  name: 'bench pixel',
  definition: getDestinationDefinition('meta_capi')!,
  config: { pixel_id: BENCH_PIXEL, access_token: BENCH_TOKEN, default_phone_region: 'BR' },
  enabled: true,
  status: 'active',
  ratePerSecond: 1000,
  batchSize: 1000,
};
const targets = [target];
// Compiling needs a dialect, not a connection: the pool is never used.
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) });

let gcMs = 0;
const gc = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
gc.observe({ entryTypes: ['gc'] });

const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

interface Stages {
  /** Bytes of the statement's parameters (what PostgreSQL parses), summed. */
  bytes: number;
  parse: number;
  prepare: number;
  statement: number;
  encode: number;
}

/** Runs groups of `requestsPerGroup` bodies for SECONDS; milliseconds per stage and events done. */
function run(
  bodies: string[],
  requestsPerGroup: number,
  toSubmission: (body: unknown) => TrackSubmission,
  seconds: number,
): { stages: Stages; events: number } {
  const stages: Stages = { bytes: 0, parse: 0, prepare: 0, statement: 0, encode: 0 };
  let events = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    let t = performance.now();
    const items: TrackSubmission[] = [];
    for (let i = 0; i < requestsPerGroup; i++) items.push(toSubmission(JSON.parse(bodies[next++ % bodies.length]!)));
    let u = performance.now();
    stages.parse += u - t;
    t = u;
    const ready = items.map((item) => prepareTrack(item, targets));
    u = performance.now();
    stages.prepare += u - t;
    t = u;
    const [statement] = trackStatements(tenantId, ready, [target]) as [RawBuilder<unknown>];
    const compiled = statement.compile(db);
    u = performance.now();
    stages.statement += u - t;
    t = u;
    // What pg does with each parameter before it writes the Bind message: its UTF-8 bytes.
    for (const p of compiled.parameters)
      stages.bytes += Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)).length;
    stages.encode += performance.now() - t;
    events += ready.reduce((n, r) => n + r.outbox.length, 0);
  }
  return { stages, events };
}

const single = singleBodies();
const batch = batchBodies(BATCH);
const edge = { clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' };
const shapes = [
  {
    name: `single: groups of ${GROUP} requests of 1 event`,
    result: (seconds: number) =>
      run(
        single,
        GROUP,
        (body) => ({
          tenantId,
          inputs: [{ ...(body as object), event_name: 'page_view' }],
          ...edge,
          field: () => 'body',
        }),
        seconds,
      ),
  },
  {
    name: `batch: groups of 5 requests of ${BATCH} events`,
    result: (seconds: number) =>
      run(
        batch,
        5,
        (body) => ({
          tenantId,
          inputs: (body as { events: TrackSubmission['inputs'] }).events,
          ...edge,
          field: (i) => `body.events.${i}`,
        }),
        seconds,
      ),
  },
];

console.log(`bench/ingest-cpu: ${SECONDS} s per shape after a 1 s warm-up, Node ${process.version}`);
const rows: (string | number)[][] = [];
for (const shape of shapes) {
  shape.result(1); // warm-up: the JIT settles within the first second
  // The GC observer reports on a later turn of the event loop: let it, before and after the run.
  await tick();
  const gcStart = gcMs;
  const { stages, events } = shape.result(SECONDS);
  await tick();
  const gcPause = gcMs - gcStart;
  const us = (ms: number) => fmt((1000 * ms) / events, 2);
  const total = stages.parse + stages.prepare + stages.statement + stages.encode;
  rows.push([
    shape.name,
    us(stages.parse),
    us(stages.prepare),
    us(stages.statement),
    us(stages.encode),
    us(total),
    us(gcPause),
    fmt(stages.bytes / events),
    fmt((events * 1000) / total),
  ]);
}
console.log('');
console.log(
  table(
    [
      'shape',
      'parse µs/event',
      'canonicalize + sessions',
      'statement',
      'encode',
      'total µs/event',
      'of it GC',
      'parameter bytes/event',
      'events/s one core',
    ],
    rows,
  ),
);
gc.disconnect();
await db.destroy();
