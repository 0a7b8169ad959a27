import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config/env.ts';
import { SecretBox } from '../../src/core/crypto/secret-box.ts';
import type { DeliveryPolicy } from '../../src/delivery/policy.ts';
import { startRastro, type Rastro } from '../../src/runtime/start.ts';
import { openTestDatabase } from './database.ts';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export interface TestTenant {
  id: string;
  name: string;
  keys: { admin: string; ingest: string };
}

export interface TestRastro {
  rastro: Rastro;
  config: Config;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Authenticated request with a key (or the operator token). */
  call(method: InjectOptions['method'], url: string, key: string, payload?: unknown): Promise<LightMyRequestResponse>;
  createTenant(name?: string): Promise<TestTenant>;
  close(): Promise<void>;
}

export interface TestOptions {
  env?: Record<string, string>;
  /** Run the delivery workers in-process (role `all`). */
  workers?: boolean;
  deliveryPolicy?: Partial<DeliveryPolicy>;
}

/** A Rastro app on a fresh database, not listening (requests go through `inject`). */
export async function startTestRastro(options: TestOptions = {}): Promise<TestRastro> {
  const database = await openTestDatabase();
  const config = loadConfig({
    RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-test-')),
    RASTRO_ADMIN_TOKEN: OPERATOR_TOKEN,
    RASTRO_SECRET_KEY: SecretBox.generateKey(),
    RASTRO_ROLE: options.workers ? 'all' : 'api',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const rastro = await startRastro({
    config,
    logger: false,
    listen: false,
    database,
    deliveryPolicy: { destinationsRefreshMs: 0, ...options.deliveryPolicy },
  });
  const inject = (options: InjectOptions) => rastro.app.inject(options);
  const call: TestRastro['call'] = (method, url, key, payload) =>
    inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
    });
  return {
    rastro,
    config,
    inject,
    call,
    async createTenant(name = 'tenant') {
      const res = await call('POST', '/api/v1/tenants', OPERATOR_TOKEN, { name });
      if (res.statusCode !== 201) throw new Error(`tenant creation failed: ${res.statusCode} ${res.body}`);
      return res.json() as TestTenant;
    },
    async close() {
      await rastro.stop();
      await database.close();
    },
  };
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
