import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { openTestDatabase } from '../support/database.ts';

/** The same values must come back the same from PGlite and from PostgreSQL (CI runs both). */
describe('type parsers (src/db/type-parsers.ts)', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(() => handle.close());

  it('decodes the scalar types Rastro reads alike on either engine', async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select 9007199254740991::int8 as big, 12.5::numeric as amount, 7::int4 as n, 2.25::float8 as ratio,
        true as yes, 'abc'::text as label, '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'::uuid as id,
        '2026-11-25T01:02:03.004Z'::timestamptz as at, '{"a":[1,{"b":null}]}'::jsonb as doc,
        '{"k":1}'::json as raw, count(*) as counted, sum(3.5::numeric) as total, null::int8 as nothing`.execute(
      handle.db,
    );
    expect(rows[0]).toEqual({
      big: 9007199254740991,
      amount: 12.5,
      n: 7,
      ratio: 2.25,
      yes: true,
      label: 'abc',
      id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      at: new Date('2026-11-25T01:02:03.004Z'),
      doc: { a: [1, { b: null }] },
      raw: { k: 1 },
      counted: 1,
      total: 3.5,
      nothing: null,
    });
  });

  it('decodes arrays of those types alike on either engine', async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select array[1, 2]::int4[] as ints, array[3]::int8[] as bigs, array['x', 'y,z']::text[] as texts,
        array[true, false] as flags, array[1.5]::numeric[] as amounts, array[0.5]::float8[] as ratios,
        array['2026-11-25T00:00:00Z']::timestamptz[] as times,
        array['0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']::uuid[] as ids, array['{"a":1}']::jsonb[] as docs`.execute(
      handle.db,
    );
    expect(rows[0]).toEqual({
      ints: [1, 2],
      bigs: [3],
      texts: ['x', 'y,z'],
      flags: [true, false],
      amounts: [1.5],
      ratios: [0.5],
      times: [new Date('2026-11-25T00:00:00Z')],
      ids: ['0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'],
      docs: [{ a: 1 }],
    });
  });
});
