import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/env.ts';
import { SecretBox } from '../../src/core/crypto/secret-box.ts';
import type { DeliveryPolicy } from '../../src/delivery/policy.ts';
import { startRastro, type Rastro } from '../../src/runtime/start.ts';
import { buildWeb } from '../../web/build.mjs';
import { openTestDatabase } from '../support/database.ts';
import { OPERATOR_TOKEN } from '../support/harness.ts';

export interface ListeningRastro {
  rastro: Rastro;
  url: string;
  close(): Promise<void>;
}

/**
 * Rastro listening on a free loopback port with workers, on a fresh database (PGlite, or a new
 * database on DATABASE_URL), serving the dashboard built from web/ (rebuilt when its sources changed).
 */
export async function startListeningRastro(
  env: Record<string, string>,
  deliveryPolicy: Partial<DeliveryPolicy>,
): Promise<ListeningRastro> {
  await buildWeb({ ifStale: true, quiet: true });
  const database = await openTestDatabase();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-dashboard-')),
    RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
    RASTRO_SECRET_KEY: SecretBox.generateKey(),
    RASTRO_ROLE: 'all',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const rastro = await startRastro({
    config,
    logger: false,
    database,
    deliveryPolicy: { destinationsRefreshMs: 0, ...deliveryPolicy },
  });
  return {
    rastro,
    url: rastro.url,
    async close() {
      await rastro.stop();
      await database.close();
    },
  };
}
