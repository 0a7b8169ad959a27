import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.ts';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrator.ts';
import { floorHour, HOUR_MS } from '../../src/quality/time.ts';
import { openTestDatabase } from '../support/database.ts';

describe('migrations (on the engine under test: PGlite, or PostgreSQL with DATABASE_URL)', () => {
  it('apply from scratch, are idempotent, and every table leads with tenant_id', async () => {
    const handle = await openTestDatabase();
    try {
      expect(await pendingMigrations(handle.db)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(handle.db)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(handle.db)).toEqual([]);
      const columns = await sql<{ table_name: string; column_name: string }>`
        select table_name, column_name from information_schema.columns
        where table_schema = 'public' and ordinal_position = 1 and table_name not like 'kysely_%'`.execute(handle.db);
      expect(columns.rows.length).toBeGreaterThan(0);
      for (const row of columns.rows)
        expect(`${row.table_name}.${row.column_name}`).toBe(`${row.table_name}.tenant_id`);
    } finally {
      await handle.close();
    }
  }, 120_000);

  it('0014 hands the hours the old rollup still had to look at to one full recomputation', async () => {
    const handle = await openTestDatabase();
    try {
      const db = handle.db;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateTo('0013_delivery_key')).error).toBeUndefined();
      const tenant = '00000000-0000-7000-8000-00000000abcd';
      const now = Date.now();
      const settled = new Date(floorHour(now).getTime() - 5 * HOUR_MS);
      const open = new Date(floorHour(now).getTime() - 3 * HOUR_MS);
      await db.insertInto('quality_cursors').values({ tenant_id: tenant, ledger_seq: 0 }).execute();
      await db
        .insertInto('quality_buckets')
        .values([
          { tenant_id: tenant, hour: settled, next_check_at: null, computed_at: new Date(now - 60_000) },
          {
            tenant_id: tenant,
            hour: open,
            next_check_at: new Date(now + HOUR_MS),
            computed_at: new Date(now - 60_000),
          },
        ])
        .execute();
      expect(await migrateToLatest(db)).toContain('0014_quality_deltas');
      const buckets = await db
        .selectFrom('quality_buckets')
        .select(['hour', 'next_check_at'])
        .where('tenant_id', '=', tenant)
        .orderBy('hour')
        .execute();
      const due = (hour: Date) => buckets.find((b) => new Date(b.hour).getTime() === hour.getTime())?.next_check_at;
      expect(due(settled)).toBeNull(); // settled hours rest
      expect(new Date(due(open)!).getTime()).toBeLessThanOrEqual(Date.now()); // open: due now
      // The current and previous hours (events may have come since the old rollup's last pass): due now.
      for (const hour of [floorHour(now), new Date(floorHour(now).getTime() - HOUR_MS)]) {
        expect(new Date(due(hour)!).getTime()).toBeLessThanOrEqual(Date.now());
      }
    } finally {
      await handle.close();
    }
  }, 120_000);
  it('0015 keeps the payloads of existing events, now as their JSON text, and goes back down', async () => {
    const handle = await openTestDatabase();
    try {
      const db = handle.db;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateTo('0014_quality_deltas')).error).toBeUndefined();
      const tenant = '00000000-0000-7000-8000-00000000abce';
      const payload = { event_name: 'purchase', user: { em: ['a'.repeat(64)] }, custom_data: { value: 9.9 }, é: 'ç' };
      await sql`insert into events (tenant_id, id, event_id, event_name, event_time, source, payload)
        values (${tenant}, '00000000-0000-7000-8000-000000000001', 'e1', 'purchase', now(),
          'api', ${JSON.stringify(payload)}::jsonb)`.execute(db);
      expect(await migrateToLatest(db)).toContain('0015_event_payload_json');
      const type = await sql<{ t: string }>`
        select data_type as t from information_schema.columns where table_name = 'events' and column_name = 'payload'`.execute(
        db,
      );
      expect(type.rows[0]?.t).toBe('json');
      const read = await db
        .selectFrom('events')
        .select('payload')
        .where('tenant_id', '=', tenant)
        .executeTakeFirstOrThrow();
      expect(read.payload).toEqual(payload);
      expect((await migrator.migrateTo('0014_quality_deltas')).error).toBeUndefined();
      const back = await db
        .selectFrom('events')
        .select('payload')
        .where('tenant_id', '=', tenant)
        .executeTakeFirstOrThrow();
      expect(back.payload).toEqual(payload);
    } finally {
      await handle.close();
    }
  }, 120_000);

  it('0016 keeps the touches of existing sessions, now as their JSON text, and goes back down', async () => {
    const handle = await openTestDatabase();
    try {
      const db = handle.db;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateTo('0015_event_payload_json')).error).toBeUndefined();
      const tenant = '00000000-0000-7000-8000-00000000abcf';
      const first = { at: 1700000000, utm_source: 'facebook', landing_url: 'https://example.com/?a=1', é: 'ç' };
      const last = { at: 1700000100, gclid: 'G1' };
      await sql`insert into sessions (tenant_id, session_id, first_seen, last_seen, first_touch, last_touch)
        values (${tenant}, 's1', now(), now(), ${JSON.stringify(first)}::jsonb, ${JSON.stringify(last)}::jsonb)`.execute(
        db,
      );
      expect(await migrateToLatest(db)).toContain('0016_session_touch_json');
      const types = await sql<{ t: string }>`
        select data_type as t from information_schema.columns
        where table_name = 'sessions' and column_name in ('first_touch', 'last_touch')`.execute(db);
      expect(types.rows.map((r) => r.t)).toEqual(['json', 'json']);
      const touches = () =>
        db
          .selectFrom('sessions')
          .select(['first_touch', 'last_touch'])
          .where('tenant_id', '=', tenant)
          .executeTakeFirstOrThrow();
      expect(await touches()).toEqual({ first_touch: first, last_touch: last });
      expect((await migrator.migrateTo('0015_event_payload_json')).error).toBeUndefined();
      expect(await touches()).toEqual({ first_touch: first, last_touch: last });
    } finally {
      await handle.close();
    }
  }, 120_000);

  it('0018 makes the session upsert and the clicks insert functions, and drops them going back down', async () => {
    const handle = await openTestDatabase();
    try {
      const db = handle.db;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const functions = async () =>
        (
          await sql<{
            name: string;
          }>`select proname as name from pg_proc where proname like 'rastro\_%' order by 1`.execute(db)
        ).rows.map((r) => r.name);
      expect(await migrateToLatest(db)).toContain('0018_session_functions');
      expect(await functions()).toEqual(['rastro_insert_clicks', 'rastro_upsert_sessions']);
      expect((await migrator.migrateTo('0017_session_touch_queue')).error).toBeUndefined();
      expect(await functions()).toEqual([]);
    } finally {
      await handle.close();
    }
  }, 120_000);
});
