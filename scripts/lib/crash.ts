/**
 * The crash test: real `rastro serve` processes under sustained traffic, SIGKILLed at random
 * moments and restarted, then drained and checked against the Meta emulator (its own process).
 *
 * Properties checked, per destination (two Meta pixels):
 *   lost         every event_id whose request got a 2xx reached the emulator;
 *   duplicates   no event_id reached it twice (a kill between the platform's answer and the
 *                database write can re-send a batch: counted and reported, Meta dedups by event_id);
 *   half-stored  a request answered non-2xx left nothing (no event, delivery or receipt), and every
 *                stored event has exactly one delivery per destination (all or nothing);
 *   unexpected   nothing reached the emulator that no request asked for;
 *   rollup       the quality rollup's counts, folded from the deltas the statements wrote through
 *                the kills, equal a recomputation of each hour from the events and deliveries.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createBenchDatabase, type BenchDatabase } from '../../bench/support.ts';
import type { Kysely } from 'kysely';
import { openDatabase } from '../../src/db/database.ts';
import type { Database } from '../../src/db/schema.ts';
import { pendingDeltaHours } from '../../src/quality/deltas.ts';
import { computeBucket, foldDeltas } from '../../src/quality/rollup.ts';
import { EmulatorProcess, freePort, RastroProcess, sleep, type Role } from './children.ts';
import { call, META_TOKEN, OPERATOR_TOKEN, PIXELS, setupTenant, Traffic, type Item, type Tenant } from './traffic.ts';

export type Engine = 'pg' | 'pglite';
export type Topology = 'all' | 'split';

export interface CrashOptions {
  events: number;
  kills: number;
  engine: Engine;
  /** `all`: one process; `split`: one `--role api` and one `--role worker` (PostgreSQL only). */
  topology: Topology;
  /** PostgreSQL server for `pg` (a fresh database is created on it and dropped). */
  serverUrl?: string;
  /** Events per second offered. */
  rate: number;
  concurrency: number;
  /** RASTRO_DELIVERY_LEASE_MS of the children (unset: Rastro's default, 120 s). */
  leaseMs?: number;
  /** How long to wait for the drain after the traffic. */
  drainTimeoutMs: number;
  log?: (line: string) => void;
  /** Keep the data folder and logs (printed) instead of deleting them. */
  keep?: boolean;
}

export interface CrashReport {
  options: Omit<CrashOptions, 'log' | 'serverUrl'>;
  seconds: { traffic: number; drain: number; total: number };
  kills: number;
  restarts: number;
  /** Restart times (kill to ready), ms. */
  restartMs: number[];
  requests: number;
  items: number;
  /** Logical requests by how they ended. */
  acked: number;
  refused: Record<string, number>;
  unanswered: number;
  /** Attempts that got no answer (the process was down or died mid-request). */
  transportErrors: number;
  ackedEvents: number;
  /** Per destination: acknowledged event_ids delivered / expected. */
  delivered: number;
  expected: number;
  lost: string[];
  duplicates: { pixel: string; eventId: string; times: number; kind: string }[];
  /** Repeated receipts with a worker kill between the first and the repeat (any other repeat fails the run). */
  duplicatesAcrossKill: number;
  /** Repeats without a kill in between (receive times relative to the first kill, ms). */
  unexplainedRepeats: { pixel: string; eventId: string; at: [number, number] }[];
  /** Kill times relative to the first kill, ms. */
  killTimes: number[];
  halfStored: string[];
  unexpected: string[];
  /** Requests that never got an answer whose events were stored anyway (allowed: at-least-once). */
  unansweredButStored: number;
  /** Delivery rows by status at the end. */
  deliveryStatuses: Record<string, number>;
  /** Events stored more than once (client retries after a lost answer): their extra deliveries are `deduplicated`. */
  dedupedRetries: number;
  /** Quality rollup rows (hour, destination, event name) whose folded counts differ from a recomputation. */
  rollupMismatches: string[];
  ok: boolean;
}

const now = () => performance.now();

export async function runCrashTest(options: CrashOptions): Promise<CrashReport> {
  const log = options.log ?? (() => {});
  if (options.topology === 'split' && options.engine !== 'pg') {
    throw new Error('the split topology needs PostgreSQL (one PGlite data folder belongs to one process)');
  }
  const startedAt = now();
  const runDir = mkdtempSync(join(tmpdir(), 'rastro-crash-'));
  mkdirSync(join(runDir, 'logs'));
  const database: BenchDatabase = await createBenchDatabase(
    options.engine === 'pg' ? 'postgres' : 'pglite',
    options.serverUrl,
  );
  const emulator = await EmulatorProcess.start({ tokens: { [META_TOKEN]: ['*'] } });
  const env: Record<string, string> = {
    RASTRO_DATA_DIR: database.dataDir,
    RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
    RASTRO_SECRET_KEY: database.secretKey,
    RASTRO_META_GRAPH_URL: emulator.url,
    LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'warn',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...(options.leaseMs ? { RASTRO_DELIVERY_LEASE_MS: String(options.leaseMs) } : {}),
  };
  const roles: Role[] = options.topology === 'all' ? ['all'] : ['api', 'worker'];
  const processes: RastroProcess[] = [];
  for (const role of roles) {
    processes.push(
      new RastroProcess({
        name: role,
        role,
        port: await freePort(),
        env,
        logFile: join(runDir, 'logs', `${role}.log`),
      }),
    );
  }
  const apis = processes.filter((p) => p.options.role !== 'worker');
  const apiUrls = () => apis.map((p) => p.url);

  try {
    // Start one at a time: the first applies the migrations.
    for (const p of processes) await p.start();
    log(`started ${processes.map((p) => `${p.options.role} (pid ${p.pid})`).join(', ')} on ${options.engine}`);
    const tenant = await setupTenant(apis[0]!.url);

    // ---- traffic, with kills at random moments --------------------------------------------------
    const restartMs: number[] = [];
    const killTimes: number[] = [];
    /** Kills that took a delivery worker down (signal sent, process gone): only those explain a re-send. */
    const workerKillTimes: [number, number][] = [];
    let killsDone = 0;
    let killerDone = false;
    // The traffic goes on until the last kill is over, so every kill falls under load.
    const traffic = new Traffic({
      apiUrls,
      tenant,
      rate: options.rate,
      concurrency: options.concurrency,
      totalEvents: options.events,
      until: () => killerDone,
    });
    // Kill i happens once a random share of the traffic, within its own slice, has been generated.
    const milestones = Array.from(
      { length: options.kills },
      (_, i) => ((i + 0.2 + 0.6 * Math.random()) / options.kills) * options.events * 0.95,
    );
    const killer = (async () => {
      try {
        await killAtMilestones();
      } finally {
        killerDone = true;
      }
    })();
    async function killAtMilestones(): Promise<void> {
      for (const milestone of milestones) {
        while (traffic.generated < milestone) await sleep(20);
        // Anywhere within the next half second: mid-request, mid-commit, mid-send.
        await sleep(Math.random() * 500);
        const victims =
          processes.length === 1
            ? processes
            : [processes, [processes[0]!], [processes[1]!]][Math.floor(Math.random() * 3)]!;
        const killedAt = now();
        const killStart = Date.now();
        killTimes.push(killStart);
        for (const v of victims) await v.kill('SIGKILL');
        if (victims.some((v) => v.options.role !== 'api')) workerKillTimes.push([killStart, Date.now()]);
        killsDone += 1;
        log(
          `kill ${killsDone}/${options.kills}: ${victims.map((v) => v.options.role).join('+')} at ${traffic.generated} events`,
        );
        await sleep(Math.random() * 1000);
        for (const v of victims) await v.start();
        restartMs.push(now() - killedAt);
      }
    }
    const progress = setInterval(() => {
      const acked = traffic.items.filter((i) => i.acked).length;
      log(`traffic: ${traffic.generated}/${options.events} events generated, ${acked} requests acked`);
    }, 5_000);
    const trafficStarted = now();
    await Promise.all([traffic.runAll(), killer]);
    clearInterval(progress);
    const trafficSeconds = (now() - trafficStarted) / 1000;
    for (const p of processes) if (!p.running) await p.start();
    log(`traffic done in ${trafficSeconds.toFixed(1)} s: ${traffic.requests} requests, ${killsDone} kills`);

    // ---- drain ---------------------------------------------------------------------------------
    const expected = expectedIds(traffic.items);
    const drainStarted = now();
    await drain(apis[0]!.url, tenant, emulator, expected, options.drainTimeoutMs, log);
    const drainSeconds = (now() - drainStarted) / 1000;
    await sleep(500); // a late duplicate would land here
    const summary = await emulator.summary();
    for (const p of processes) await p.stop();

    // ---- checks --------------------------------------------------------------------------------
    const stored = await readStore(database, tenant);
    const report = check(options, traffic, summary.counts, stored, tenant);
    // A re-send is explained by a crash when a worker was killed between the two receipts of the
    // event. A request already on the wire reaches the emulator a moment after the process died: a
    // first receipt up to a second after the kill still belongs to the dead process.
    const straddles = (r: { at: [number, number] }) =>
      workerKillTimes.some(([start, end]) => r.at[0] <= end + 1_000 && start <= r.at[1]);
    report.duplicatesAcrossKill = summary.repeats.filter(straddles).length;
    report.unexplainedRepeats = summary.repeats
      .filter((r) => !straddles(r))
      .map((r) => ({ ...r, at: r.at.map((t) => t - (killTimes[0] ?? 0)) as [number, number] }));
    report.killTimes = killTimes.map((t) => t - (killTimes[0] ?? 0));
    report.ok &&= report.unexplainedRepeats.length === 0;
    report.seconds = { traffic: trafficSeconds, drain: drainSeconds, total: (now() - startedAt) / 1000 };
    report.kills = killsDone;
    report.restarts = processes.reduce((a, p) => a + p.starts, 0) - processes.length;
    report.restartMs = restartMs;
    if (!report.ok) for (const p of processes) log(`--- ${p.options.name} log tail ---\n${p.logTail(15)}`);
    return report;
  } finally {
    for (const p of processes) await p.kill();
    await emulator.close();
    if (options.keep) log(`kept ${database.dataDir} and ${runDir}`);
    else {
      await database.drop();
      rmSync(runDir, { recursive: true, force: true });
    }
  }
}

/** The acknowledged event_ids (every destination must get each once). */
function expectedIds(items: Item[]): Set<string> {
  const ids = new Set<string>();
  for (const item of items) if (item.acked && !item.bad) for (const id of item.ids) ids.add(id);
  return ids;
}

/**
 * Waits until every acknowledged event reached every pixel and nothing is pending or processing,
 * or until nothing has moved for a while (then the checks say what is missing), or the timeout.
 */
async function drain(
  apiUrl: string,
  tenant: Tenant,
  emulator: EmulatorProcess,
  expected: Set<string>,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const busy = async (status: string) => {
    const res = await call('GET', `${apiUrl}/api/v1/events?status=${status}&limit=1`, { key: tenant.keys.admin });
    return ((res.body as { items?: unknown[] }).items ?? []).length > 0;
  };
  let lastReceived = -1;
  let lastChange = Date.now();
  let lastLog = 0;
  for (;;) {
    const received = await emulator.received();
    if (received !== lastReceived) {
      lastReceived = received;
      lastChange = Date.now();
    }
    const pending = (await busy('pending')) || (await busy('processing'));
    if (!pending && received >= expected.size * PIXELS.length) {
      const { counts } = await emulator.summary();
      if (PIXELS.every((pixel) => [...expected].every((id) => counts[pixel]?.[id]))) return;
    }
    // Nothing queued and nothing arriving: whatever is missing will not come.
    if (!pending && Date.now() - lastChange > 15_000) return;
    if (Date.now() > deadline) {
      log('drain timed out');
      return;
    }
    if (Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      log(
        `drain: ${received} events at the emulator (expecting ${expected.size * PIXELS.length}), queue busy: ${pending}`,
      );
    }
    await sleep(250);
  }
}

interface Stored {
  /** event_id -> number of event rows with it. */
  events: Map<string, number>;
  /** event rows whose delivery count is not one per destination. */
  incomplete: string[];
  /** order ids with a webhook receipt. */
  receipts: Set<string>;
  deliveryStatuses: Record<string, number>;
  /** Quality rollup rows whose folded counts differ from a recomputation. */
  rollupMismatches: string[];
}

/**
 * The quality rollup's rows as its deltas left them (written by the same statements as the changes
 * they count, through every kill), folded, against a recomputation of each hour from the tables.
 */
async function rollupMismatches(db: Kysely<Database>, tenantId: string): Promise<string[]> {
  for (const h of await pendingDeltaHours(db, 10_000)) await foldDeltas(db, h.tenant_id, h.hour);
  const rows = async () => {
    const all = await db.selectFrom('quality_hourly').selectAll().where('tenant_id', '=', tenantId).execute();
    return new Map(all.map((r) => [`${new Date(r.hour).toISOString()} ${r.destination_id} ${r.event_name}`, r]));
  };
  const folded = await rows();
  const hours = new Set([...folded.values()].map((r) => new Date(r.hour).getTime()));
  for (const hour of hours) await computeBucket(db, tenantId, new Date(hour));
  const recomputed = await rows();
  const keys = new Set([...folded.keys(), ...recomputed.keys()]);
  return [...keys].filter((k) => JSON.stringify(folded.get(k)) !== JSON.stringify(recomputed.get(k)));
}

/** Reads what the database holds (after the processes stopped: a PGlite folder has one user). */
async function readStore(database: BenchDatabase, tenant: Tenant): Promise<Stored> {
  const handle = await openDatabase(
    database.databaseUrl
      ? { databaseUrl: database.databaseUrl, poolSize: 2 }
      : { pgliteDir: join(database.dataDir, 'pgdata') },
  );
  try {
    const db = handle.db;
    const rows = await sql<{ event_id: string; deliveries: number }>`
      select e.event_id, (select count(*) from deliveries d where d.tenant_id = e.tenant_id and d.event_ref = e.id)::int as deliveries
      from events e where e.tenant_id = ${tenant.id}`.execute(db);
    const events = new Map<string, number>();
    const incomplete: string[] = [];
    for (const r of rows.rows) {
      events.set(r.event_id, (events.get(r.event_id) ?? 0) + 1);
      if (Number(r.deliveries) !== tenant.destinations.length)
        incomplete.push(`${r.event_id} (${r.deliveries} deliveries)`);
    }
    const receipts = await db
      .selectFrom('webhook_receipts')
      .select('order_id')
      .where('tenant_id', '=', tenant.id)
      .execute();
    const statuses = await db
      .selectFrom('deliveries')
      .select(['status', db.fn.countAll<number>().as('n')])
      .where('tenant_id', '=', tenant.id)
      .groupBy('status')
      .execute();
    return {
      events,
      incomplete,
      receipts: new Set(receipts.map((r) => r.order_id).filter((o): o is string => Boolean(o))),
      deliveryStatuses: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])),
      rollupMismatches: await rollupMismatches(db, tenant.id),
    };
  } finally {
    await handle.close();
  }
}

function check(
  options: CrashOptions,
  traffic: Traffic,
  counts: Record<string, Record<string, number>>,
  stored: Stored,
  tenant: Tenant,
): CrashReport {
  const expected = expectedIds(traffic.items);
  const lost: string[] = [];
  const duplicates: CrashReport['duplicates'] = [];
  let delivered = 0;
  for (const pixel of PIXELS) {
    for (const id of expected) {
      const times = counts[pixel]?.[id] ?? 0;
      if (times === 0) lost.push(`${pixel}:${id}`);
      else delivered += 1;
    }
    for (const [id, times] of Object.entries(counts[pixel] ?? {}))
      if (times > 1) duplicates.push({ pixel, eventId: id, times, kind: '' });
  }

  const known = new Set<string>();
  const halfStored = stored.incomplete.map((e) => `event ${e}`);
  const refused: Record<string, number> = {};
  let unanswered = 0;
  let unansweredButStored = 0;
  for (const item of traffic.items) {
    for (const id of item.ids) known.add(id);
    if (item.acked) continue;
    const last = item.statuses.at(-1);
    const storedIds = item.ids.filter((id) => stored.events.has(id));
    const receipt = item.orderId !== undefined && stored.receipts.has(item.orderId);
    const reached = item.ids.filter((id) => PIXELS.some((p) => counts[p]?.[id]));
    if (last === undefined || last >= 500 || last === 429) {
      // Never answered: either outcome is allowed, but all or nothing.
      unanswered += 1;
      if (storedIds.length > 0 || receipt) unansweredButStored += 1;
      if (storedIds.length > 0 && storedIds.length !== item.ids.length) {
        halfStored.push(`${item.kind} without answer: ${storedIds.length} of ${item.ids.length} events stored`);
      }
      continue;
    }
    refused[`${item.kind} ${last}`] = (refused[`${item.kind} ${last}`] ?? 0) + 1;
    if (!item.bad) {
      halfStored.push(`${item.kind} was refused ${last} although valid`);
      continue;
    }
    // A definite refusal: nothing may remain, unless an earlier attempt went unanswered (it cannot
    // have been stored either: a bad request is refused whole).
    if (storedIds.length > 0 || receipt || reached.length > 0) {
      halfStored.push(
        `${item.kind} answered ${last} left ${storedIds.length} events, receipt ${receipt}, ${reached.length} delivered`,
      );
    }
  }
  const kindOf = new Map(traffic.items.flatMap((i) => i.ids.map((id) => [id, i.kind] as const)));
  for (const d of duplicates) d.kind = kindOf.get(d.eventId) ?? '?';
  const unexpected = PIXELS.flatMap((p) => Object.keys(counts[p] ?? {}).filter((id) => !known.has(id)));
  let dedupedRetries = 0;
  for (const n of stored.events.values()) if (n > 1) dedupedRetries += n - 1;
  const acked = traffic.items.filter((i) => i.acked);
  const { log: _log, serverUrl: _url, ...shown } = options;
  return {
    options: shown,
    seconds: { traffic: 0, drain: 0, total: 0 },
    kills: 0,
    restarts: 0,
    restartMs: [],
    requests: traffic.requests,
    items: traffic.items.length,
    acked: acked.length,
    refused,
    unanswered,
    transportErrors: traffic.items.reduce((a, i) => a + i.errors, 0),
    ackedEvents: expected.size,
    delivered,
    expected: expected.size * tenant.destinations.length,
    lost,
    duplicates,
    duplicatesAcrossKill: 0,
    unexplainedRepeats: [],
    killTimes: [],
    halfStored,
    unexpected,
    unansweredButStored,
    deliveryStatuses: stored.deliveryStatuses,
    dedupedRetries,
    rollupMismatches: stored.rollupMismatches,
    ok: lost.length === 0 && halfStored.length === 0 && unexpected.length === 0 && stored.rollupMismatches.length === 0,
  };
}

export function formatReport(r: CrashReport): string {
  const dupEvents = r.duplicates.reduce((a, d) => a + d.times - 1, 0);
  const lines = [
    `crash test on ${r.options.engine} (${r.options.topology}): ${r.options.events} events offered at ${r.options.rate}/s, ${r.kills} SIGKILLs`,
    `  time            traffic ${r.seconds.traffic.toFixed(1)} s, drain ${r.seconds.drain.toFixed(1)} s, total ${r.seconds.total.toFixed(1)} s`,
    `  restarts        ${r.restarts} (kill to ready: ${r.restartMs.length ? `median ${median(r.restartMs).toFixed(0)} ms, max ${Math.max(...r.restartMs).toFixed(0)} ms` : '-'})`,
    `  requests        ${r.requests} sent for ${r.items} logical requests; ${r.transportErrors} got no answer (process down or killed mid-request)`,
    `  answers         ${r.acked} acknowledged (2xx), ${Object.values(r.refused).reduce((a, b) => a + b, 0)} refused ${JSON.stringify(r.refused)}, ${r.unanswered} never answered`,
    `  events          ${r.ackedEvents} acknowledged event_ids x ${r.expected / Math.max(1, r.ackedEvents)} destinations = ${r.expected} deliveries expected`,
    `  delivered       ${r.delivered} of ${r.expected}`,
    `  LOST            ${r.lost.length}${r.lost.length ? `  e.g. ${r.lost.slice(0, 5).join(', ')}` : ''}`,
    `  duplicates      ${r.duplicates.length} event_ids sent twice or more (${dupEvents} extra sends; by source ${JSON.stringify(countBy(r.duplicates.map((d) => d.kind)))}; ${r.duplicatesAcrossKill} with a kill between the two sends)${
      r.duplicates.length
        ? `  e.g. ${r.duplicates
            .slice(0, 3)
            .map((d) => `${d.eventId}x${d.times}`)
            .join(', ')}`
        : ''
    }`,
    `  half-stored     ${r.halfStored.length}${r.halfStored.length ? `  e.g. ${r.halfStored.slice(0, 5).join('; ')}` : ''}`,
    `  unexpected      ${r.unexpected.length}`,
    `  retries         ${r.dedupedRetries} events stored again by a client retry (marked deduplicated, not re-sent); ${r.unansweredButStored} unanswered requests were stored anyway`,
    `  deliveries      ${JSON.stringify(r.deliveryStatuses)}`,
    `  quality rollup  ${r.rollupMismatches.length === 0 ? 'folded deltas equal a recomputation' : `${r.rollupMismatches.length} rows differ from a recomputation, e.g. ${r.rollupMismatches.slice(0, 3).join('; ')}`}`,
    `  result          ${r.ok ? 'PASS' : 'FAIL'}: no acknowledged event lost, nothing half-stored, ${r.duplicates.length ? 'every re-send straddles a kill' : 'no duplicate'}`,
  ];
  return lines.join('\n');
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
