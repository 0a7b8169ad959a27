import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { SecretBox } from '../../src/core/crypto/secret-box.ts';
import type { DeliveryPolicy } from '../../src/delivery/policy.ts';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { startRastro, type Rastro } from '../../src/runtime/start.ts';
import { openTestDatabase } from './database.ts';
import { OPERATOR_TOKEN } from './harness.ts';
import { startEmulator } from './meta.ts';

type TestDatabase = Awaited<ReturnType<typeof openTestDatabase>>;

/**
 * Rastro nodes on one database, as separate processes would be (one secret key, one Meta emulator),
 * for a `describe` block: the database and the emulator open before its tests and close after them
 * with every node. `start(role)` adds a node, not listening; `stopAll()` stops those started so far.
 */
export function nodesOnOneDatabase() {
  const nodes: Rastro[] = [];
  const secretKey = SecretBox.generateKey();
  let database: TestDatabase | undefined;
  let emulator: MetaEmulator | undefined;
  const stopAll = async (): Promise<void> => {
    for (const node of nodes.splice(0)) await node.stop();
  };
  beforeAll(async () => {
    emulator = await startEmulator();
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await stopAll();
    await database?.close();
    await emulator?.close();
  });
  const cluster = {
    nodes,
    stopAll,
    get database(): TestDatabase {
      if (!database) throw new Error('the database opens in beforeAll');
      return database;
    },
    get emulator(): MetaEmulator {
      if (!emulator) throw new Error('the emulator starts in beforeAll');
      return emulator;
    },
    async start(role: 'all' | 'api' | 'worker', deliveryPolicy: Partial<DeliveryPolicy> = {}): Promise<Rastro> {
      const config = loadConfig({
        RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-node-')),
        RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
        RASTRO_SECRET_KEY: secretKey,
        RASTRO_ROLE: role,
        RASTRO_META_GRAPH_URL: cluster.emulator.url,
      });
      const node = await startRastro({
        config,
        logger: false,
        listen: false,
        database: cluster.database,
        deliveryPolicy: { destinationsRefreshMs: 0, ...deliveryPolicy },
      });
      nodes.push(node);
      return node;
    },
  };
  return cluster;
}
