import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/env.ts';
import { SecretBox } from '../../src/core/crypto/secret-box.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import type { DeliveryPolicy } from '../../src/delivery/policy.ts';
import { startRastro, type Rastro } from '../../src/runtime/start.ts';
import { OPERATOR_TOKEN } from './harness.ts';

/**
 * Rastro nodes on one database, as separate processes would be (one secret key, one Meta base URL):
 * `start(role)` adds one, not listening; `stopAll()` stops every node started so far.
 */
export function nodesOnOneDatabase(database: () => DatabaseHandle, metaUrl: () => string) {
  const nodes: Rastro[] = [];
  const secretKey = SecretBox.generateKey();
  return {
    nodes,
    async start(role: 'all' | 'api' | 'worker', deliveryPolicy: Partial<DeliveryPolicy> = {}): Promise<Rastro> {
      const config = loadConfig({
        RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-node-')),
        RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
        RASTRO_SECRET_KEY: secretKey,
        RASTRO_ROLE: role,
        RASTRO_META_GRAPH_URL: metaUrl(),
      });
      const node = await startRastro({
        config,
        logger: false,
        listen: false,
        database: database(),
        deliveryPolicy: { destinationsRefreshMs: 0, ...deliveryPolicy },
      });
      nodes.push(node);
      return node;
    },
    async stopAll(): Promise<void> {
      for (const node of nodes.splice(0)) await node.stop();
    },
  };
}
