import { sql, type RawBuilder } from 'kysely';

/**
 * `(a, b, …) in ((…), (…), …)`: the rows with any of these composite keys, for a `where`, so a group
 * of rows is read or changed in one statement. `keys` must not be empty.
 */
export const keyIn = (columns: string[], keys: unknown[][]): RawBuilder<boolean> =>
  sql<boolean>`(${sql.join(columns.map((c) => sql.ref(c)))}) in (${sql.join(keys.map((k) => sql`(${sql.join(k)})`))})`;
