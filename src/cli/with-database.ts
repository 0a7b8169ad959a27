import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { loadConfig, type Config } from '../config/env.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import type { Database } from '../db/schema.ts';

/** Runs a CLI action against the configured database (migrated), closing it afterwards. */
export async function withDatabase<T>(action: (db: Kysely<Database>, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: join(config.dataDir, 'pgdata') });
  try {
    await migrateToLatest(handle.db);
    return await action(handle.db, config);
  } finally {
    await handle.close();
  }
}
