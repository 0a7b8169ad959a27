import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { arrayLiteral } from '../../src/db/array-literal.ts';
import { openTestDatabase } from '../support/database.ts';

describe('arrayLiteral', () => {
  it('reads back as the values it was given: quotes, backslashes, braces, commas, "NULL" and NULLs included', async () => {
    const values = [
      'plain',
      'with "quotes"',
      'back\\slash\\',
      '{braces},commas',
      ' spaced ',
      'NULL',
      '',
      null,
      'ünï €',
      undefined,
    ];
    const { db, close } = await openTestDatabase();
    try {
      const { rows } = await sql<{ v: string | null }>`
        select v from unnest(${arrayLiteral(values)}::text[]) with ordinality as t(v, n) order by n`.execute(db);
      expect(rows.map((r) => r.v)).toEqual(values.map((v) => v ?? null));
      const typed = await sql<{ b: boolean; i: number }>`
        select b, i from unnest(${arrayLiteral([true, false])}::bool[], ${arrayLiteral([3, -7])}::int[]) as t(b, i)`.execute(
        db,
      );
      expect(typed.rows).toEqual([
        { b: true, i: 3 },
        { b: false, i: -7 },
      ]);
    } finally {
      await close();
    }
  });

  it('makes an empty array of no values', () => {
    expect(arrayLiteral([])).toBe('{}');
  });
});
