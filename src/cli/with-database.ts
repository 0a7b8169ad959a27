import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { loadConfig, type Config } from '../config/env.ts';
import { openDatabase } from '../db/database.ts';
import { DataFolderInUseError } from '../db/folder-lock.ts';
import { loadOrCreateAdminToken } from '../runtime/secret-key.ts';
import { recordedServerAddress } from '../runtime/server-address.ts';
import { migrateToLatest } from '../db/migrator.ts';
import type { Database } from '../db/schema.ts';
import { ApiError } from './errors.ts';

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

const configuredAddress = (config: Config): string =>
  `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;

/** A wildcard listener is reached on the loopback address. */
const reachable = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0' || parsed.hostname === '[::]') parsed.hostname = '127.0.0.1';
  return parsed.origin;
};

/** One request to the running server's API (path under /api/v1); resolves its JSON body (undefined for 204). */
export type ApiCall = <R>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<R>;

/**
 * Runs `action` on the database, or, when a running Rastro holds the embedded data folder (the CLI
 * beside `npm start`), runs `remote` against that server's API with the folder's operator token:
 * `tenants`, `keys` and `ledger verify` work either way. The server is looked for where it recorded
 * its address in the folder, else where this configuration would listen.
 */
export async function withDatabaseOrServer<T>(
  action: (db: Kysely<Database>, config: Config) => Promise<T>,
  remote: (api: ApiCall) => Promise<T>,
): Promise<T> {
  try {
    return await withDatabase(action);
  } catch (error) {
    if (!(error instanceof DataFolderInUseError)) throw error;
    const config = loadConfig();
    const token = loadOrCreateAdminToken(config)?.token;
    const base = reachable(recordedServerAddress(config.dataDir, error.pid) ?? configuredAddress(config));
    let reached = false;
    const api: ApiCall = async <R>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => {
      let res: Response;
      try {
        res = await fetch(`${base}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (fetchError) {
        // No server where expected: the lock's own message says what to do.
        throw reached ? fetchError : error;
      }
      reached = true;
      if (res.status === 204) return undefined as R;
      // Whatever answers on that port may not be Rastro: say what came back rather than a parse error.
      const text = await res.text();
      let parsed: (R & { error?: { message?: string } }) | undefined;
      try {
        parsed = JSON.parse(text) as R & { error?: { message?: string } };
      } catch {
        parsed = undefined;
      }
      // Rastro's refusal is `{error: {code, message}}`: its message is what the person needs, not the body.
      const message = parsed?.error?.message;
      if (!res.ok && typeof message === 'string') throw new ApiError(res.status, message);
      if (!res.ok || parsed === undefined) {
        const said = text.slice(0, 200).replace(/\s+/g, ' ').trim();
        throw new ApiError(res.status, `${method} ${base}/api/v1${path} answered ${res.status}: ${said}`);
      }
      return parsed;
    };
    return remote(api);
  }
}
