/**
 * Scale check of the signal-quality path on PostgreSQL: one tenant with EVENTS events (default one
 * million) over 30 days, each with a delivery, then times the rollup's backfill, one live-hour
 * recomputation and the quality report the dashboard loads, and prints the plans of the hot queries.
 *
 *   DATABASE_URL=postgres://… npx tsx test/dashboard/quality-scale.ts [events]
 *
 * Not part of `npm test` (it takes minutes); numbers are reported in the dashboard issue.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { listEvents } from '../../src/events/query.ts';
import { qualityReport } from '../../src/quality/query.ts';
import { computeBucket } from '../../src/quality/rollup.ts';
import { QualityRollup } from '../../src/quality/task.ts';
import { floorHour, HOUR_MS } from '../../src/quality/time.ts';
import { openTestDatabase } from '../support/database.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const days = 30;
const handle = await openTestDatabase();
const db = handle.db;
const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await fn();
  console.log(`${label}: ${Math.round(performance.now() - started)} ms`);
  return result;
};

try {
  await migrateToLatest(db);
  const tenant = randomUUID();
  const destination = randomUUID();
  await db.insertInto('tenants').values({ tenant_id: tenant, name: 'scale', settings: '{}' }).execute();
  const end = floorHour(Date.now()).getTime();
  const start = end - days * 24 * HOUR_MS;
  // Ids built like UUIDv7 (time first), so primary-key order is time order, as newId() makes them.
  const idSql = (prefix: string) => `(
      substr(lpad(to_hex(ms), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex(ms), 12, '0'), 9, 4) || '-7' ||
      lpad(to_hex(i % 4096), 3, '0') || '-${prefix}' || lpad(to_hex((i / 4096) % 4096), 3, '0') || '-' ||
      lpad(to_hex(i), 12, '0'))::uuid`;
  await time(`insert ${total} events and deliveries`, async () => {
    const chunk = 200_000;
    for (let from = 0; from < total; from += chunk) {
      const to = Math.min(total, from + chunk) - 1;
      await sql`
        insert into events (tenant_id, id, event_id, event_name, event_time, received_at, source, payload, consent_ads, is_test)
        select ${tenant}::uuid, ${sql.raw(idSql('8'))}, 'e' || i, n, to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0), 'api',
          jsonb_build_object('user', case when i % 3 = 0 then jsonb_build_object('em', jsonb_build_array(md5(i::text))) else '{}'::jsonb end,
            'click_ids', jsonb_build_object('fbp', 'fb.1.1.' || i), 'client_ip', '203.0.113.9', 'user_agent', 'Mozilla/5.0'),
          true, false
        from (select i, ${start}::bigint + (i::bigint * ${end - start}) / ${total} as ms,
                (array['page_view','view_content','lead','initiate_checkout','purchase'])[1 + i % 5] as n
              from generate_series(${from}::int, ${to}::int) i) g`.execute(db);
      await sql`
        insert into deliveries (tenant_id, delivery_id, event_ref, destination_id, event_id, event_name, status, attempts,
          next_attempt_at, created_at, updated_at, committed_at, delivered_at, attempt_log)
        select ${tenant}::uuid, ${sql.raw(idSql('9'))}, ${sql.raw(idSql('8'))}, ${destination}::uuid, 'e' || i, n,
          case when i % 50 = 0 then 'dead' when i % 40 = 0 then 'deduplicated' else 'delivered' end, 1,
          to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0), to_timestamp(ms / 1000.0),
          case when i % 50 = 0 or i % 40 = 0 then null else to_timestamp((ms + 200 + i % 900) / 1000.0) end, '[]'
        from (select i, ${start}::bigint + (i::bigint * ${end - start}) / ${total} as ms,
                (array['page_view','view_content','lead','initiate_checkout','purchase'])[1 + i % 5] as n
              from generate_series(${from}::int, ${to}::int) i) g`.execute(db);
    }
    await sql`analyze events`.execute(db);
    await sql`analyze deliveries`.execute(db);
  });

  const rollup = new QualityRollup(db);
  await time(`backfill ${days * 24} hours`, () => rollup.drain(100_000));
  const hour = new Date(end - HOUR_MS);
  await time('recompute one hour (≈1/720 of the events)', () => computeBucket(db, tenant, hour));

  const to = new Date(end);
  for (const [label, from, bucket] of [
    ['report, last 24 h by hour', new Date(end - 24 * HOUR_MS), 'hour'],
    ['report, last 7 days by hour', new Date(end - 7 * 24 * HOUR_MS), 'hour'],
    ['report, last 30 days by day', new Date(start), 'day'],
  ] as const) {
    const report = await time(label, () => qualityReport(db, tenant, { from, to, bucket }));
    console.log(`  received ${report.totals.received}, emq ${report.totals.emq}, p95 ${report.totals.latency_ms?.p95}`);
  }

  // The explorer's first pages (src/events/query.ts), for comparison: a rare status scans far back.
  await time('events page, no filter', () => listEvents(db, tenant, { limit: 50 }));
  await time('events page, status=dead (2 %)', () => listEvents(db, tenant, { limit: 50, statuses: ['dead'] }));
  await time('events page, status=failed (none)', () => listEvents(db, tenant, { limit: 50, statuses: ['failed'] }));

  const lo = `${floorHour(hour).getTime().toString(16).padStart(12, '0')}`;
  const plan = await sql<{ 'QUERY PLAN': string }>`
    explain select count(*) from events e join deliveries d on d.tenant_id = e.tenant_id and d.event_ref = e.id
    where e.tenant_id = ${tenant} and e.id >= ${`${lo.slice(0, 8)}-${lo.slice(8)}-0000-0000-000000000000`}::uuid
      and e.id < ${`${lo.slice(0, 8)}-${lo.slice(8)}-ffff-ffff-ffffffffffff`}::uuid`.execute(db);
  console.log('plan of one bucket:\n' + plan.rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n'));
} finally {
  await handle.close();
}
