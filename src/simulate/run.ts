import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/env.ts';
import { SecretBox } from '../core/crypto/secret-box.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { startRastro } from '../runtime/start.ts';
import { createTenant } from '../tenants/tenants.ts';
import { drivePopulation, type ApiClient } from './drive.ts';
import { evaluate, type Evaluation } from './evaluate.ts';
import { DEFAULT_MIX, generatePopulation } from './population.ts';

export interface SimulationOptions {
  visitors: number;
  seed: number;
  /** PostgreSQL server; a fresh embedded store in a temp folder when absent. */
  databaseUrl?: string;
  database?: DatabaseHandle;
  onProgress?: (done: number, total: number, stage: string) => void;
}

export interface SimulationReport extends Evaluation {
  visitors: number;
  seed: number;
  mix: Record<string, number>;
  requests: number;
  failedRequests: number;
  seconds: number;
}

/**
 * The matching evaluation harness: a fresh Rastro (workers in-process, no ad destination so
 * nothing leaves the machine), a synthetic population driven through the public API, and the
 * matches graded against ground truth.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const started = Date.now();
  const config = loadConfig({
    RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-sim-')),
    RASTRO_SECRET_KEY: SecretBox.generateKey(),
    RASTRO_ROLE: 'all',
    LOG_LEVEL: 'silent',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const rastro = await startRastro({
    config,
    logger: false,
    listen: false,
    ...(options.database ? { database: options.database } : {}),
  });
  try {
    const tenant = await createTenant(rastro.ctx.db, `simulation ${options.seed}`, 'simulator');
    const api: ApiClient = async (r) => {
      const res = await rastro.app.inject({
        method: r.method,
        url: r.url,
        headers: r.headers ?? {},
        ...(r.body === undefined ? {} : { payload: r.body as string }),
        ...(r.remoteAddress ? { remoteAddress: r.remoteAddress } : {}),
      });
      return { status: res.statusCode, headers: res.headers as Record<string, string>, body: res.body };
    };
    const visitors = generatePopulation({ visitors: options.visitors, seed: options.seed });
    const drive = await drivePopulation(api, tenant.keys, visitors, options.onProgress);
    const graded = await evaluate(api, tenant.keys.admin, drive);
    const mix: Record<string, number> = {};
    for (const v of visitors) mix[v.archetype] = (mix[v.archetype] ?? 0) + 1;
    return {
      ...graded,
      visitors: options.visitors,
      seed: options.seed,
      mix,
      requests: drive.requests,
      failedRequests: drive.failures,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await rastro.stop();
  }
}

export { DEFAULT_MIX };
