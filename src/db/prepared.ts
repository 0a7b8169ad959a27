import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type pg from 'pg';

/**
 * Named prepared statements for the hot paths. PostgreSQL plans an unnamed statement on every
 * execution; the outbox write of a group commit spent about as long being planned as being run.
 * A statement whose text starts with the marker below is sent under a name derived from its text,
 * so each pooled connection parses it once and, after a few executions, reuses a generic plan.
 *
 * Only fixed-shape statements may carry the marker (rows travel as JSON or array parameters, never
 * as a variable number of placeholders): every distinct text is a statement kept by every connection.
 * PGlite ignores it (the marker is an ordinary comment) and plans each time, as before.
 */
const MARKER = '/* prepared */';

/** Marks a statement to be prepared once per connection (see above). */
export const prepared = <T>(statement: RawBuilder<T>): RawBuilder<T> => sql<T>`${sql.raw(MARKER)} ${statement}`;

const names = new Map<string, string>();
const nameOf = (text: string): string => {
  let name = names.get(text);
  if (!name) {
    name = `rastro_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
};

type Query = (...args: unknown[]) => unknown;

/** A pg pool whose clients send marked statements under their name (Kysely's driver is unaware). */
export function withPreparedStatements(pool: pg.Pool): pg.Pool {
  const patched = new WeakSet<pg.PoolClient>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const client = await connect();
    if (!patched.has(client)) {
      patched.add(client);
      const query = client.query.bind(client) as Query;
      (client as unknown as { query: Query }).query = (text: unknown, ...rest: unknown[]) =>
        typeof text === 'string' && text.startsWith(MARKER)
          ? query({ name: nameOf(text), text, values: rest[0] })
          : query(text, ...rest);
    }
    return client;
  };
  return pool;
}
