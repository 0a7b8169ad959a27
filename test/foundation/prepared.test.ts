import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { prepared } from '../../src/db/prepared.ts';
import { openTestDatabase } from '../support/database.ts';

describe('prepared statements (src/db/prepared.ts)', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(() => handle.close());

  it('runs a marked statement with its parameters, repeatedly, on either engine', async () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const r = await prepared(sql`select ${n}::int + 1 as next, ${`x${n}`}::text as label`).execute(handle.db);
      expect(r.rows).toEqual([{ next: n + 1, label: `x${n}` }]);
    }
  });

  it('on PostgreSQL, the connection keeps the statement by name instead of planning it each time', async () => {
    if (handle.engine !== 'postgres') return;
    await handle.db.connection().execute(async (db) => {
      const statement = (v: number) => prepared(sql`select ${v}::int * 2 as twice`);
      await statement(1).execute(db);
      await statement(2).execute(db);
      const kept = await sql<{ name: string; calls: number }>`
        select name, (generic_plans + custom_plans)::int as calls from pg_prepared_statements
        where statement like '/* prepared */%twice%'`.execute(db);
      expect(kept.rows).toHaveLength(1);
      expect(kept.rows[0]!.name).toMatch(/^rastro_[0-9a-f]{20}$/);
      expect(kept.rows[0]!.calls).toBe(2);
    });
  });

  it('leaves unmarked statements unnamed', async () => {
    if (handle.engine !== 'postgres') return;
    await handle.db.connection().execute(async (db) => {
      await sql`select 41 + 1 as answer_unmarked`.execute(db);
      const kept = await sql<{ n: number }>`
        select count(*)::int as n from pg_prepared_statements where statement like '%answer_unmarked%'
          and statement not like '%pg_prepared_statements%'`.execute(db);
      expect(kept.rows[0]!.n).toBe(0);
    });
  });
});
