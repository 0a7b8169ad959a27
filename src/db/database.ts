import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type LogConfig } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { lockDataFolder } from './folder-lock.ts';
import { narrowParsers, postgresTypeParser } from './type-parsers.ts';
import { withPreparedStatements } from './prepared.ts';
import type { Database } from './schema.ts';

export type Engine = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL of a server; when absent an embedded PGlite is opened. */
  databaseUrl?: string | undefined;
  /** PGlite data folder; absent means in-memory (tests). */
  pgliteDir?: string | undefined;
  poolSize?: number;
  /** Kysely's query log (benchmarks time each statement with it). */
  log?: LogConfig;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const log = options.log ? { log: options.log } : {};
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // No JIT: Rastro's statements are short or run again and again, and JIT compiled the plan of
      // each quality rollup afresh (250 ms of compilation for a 130 ms query). No parallel workers:
      // the only statements big enough for them are background aggregates (the quality rollup),
      // whose extra processes took cores from delivery and ingest. PGOPTIONS, or `options` in the
      // URL, still decide.
      options: ['-c jit=off -c max_parallel_workers_per_gather=0', process.env.PGOPTIONS].filter(Boolean).join(' '),
      types: { getTypeParser: postgresTypeParser } as pg.CustomTypesConfig,
    });
    // An idle client whose server connection dies (a restart, a failover, an administrator's
    // terminate) is an 'error' event on the pool; without a listener it would kill the process.
    // The pool drops that client and the next query opens a new one.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }), ...log });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  let release = (): void => undefined;
  if (options.pgliteDir) {
    mkdirSync(options.pgliteDir, { recursive: true });
    release = lockDataFolder(options.pgliteDir);
  }
  try {
    const client = await PGlite.create(options.pgliteDir ?? 'memory://');
    narrowParsers(client); // and int8/numeric as numbers
    const db = new Kysely<Database>({ dialect: new PGliteDialect(client), ...log });
    return {
      db,
      engine: 'pglite',
      close: async () => {
        try {
          await db.destroy();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
