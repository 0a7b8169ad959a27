import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.ts';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrator.ts';
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
});
