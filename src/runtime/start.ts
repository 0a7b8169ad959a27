import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from '../config/env.ts';
import { releaseAllLeases } from '../delivery/claim.ts';
import type { DeliveryPolicy } from '../delivery/policy.ts';
import { openDatabase, type DatabaseHandle } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { buildApp } from '../http/app.ts';
import type { AppContext } from '../http/context.ts';
import { WorkerRunner } from '../workers/runner.ts';
import { clusterRank } from './cluster.ts';
import { workerTaskFactories } from '../workers/tasks.ts';
import { loadOrCreateAdminToken, loadSecretBox } from './secret-key.ts';
import { recordServerAddress } from './server-address.ts';

export interface Rastro {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  /** Graceful stop: refuse new connections, finish in-flight requests and work, close the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  /** Tests pass false; `serve` passes a pino logger config. */
  logger?: boolean;
  listen?: boolean;
  /** Reuse an open database (tests). */
  database?: DatabaseHandle;
  deliveryPolicy?: Partial<DeliveryPolicy>;
}

export const REDACT = ['req.headers.authorization', 'req.headers.cookie', '*.access_token', '*.secret', '*.password'];

export function createLogger(level: string): FastifyBaseLogger {
  const member = clusterRank();
  return pino({
    level,
    redact: REDACT,
    // In a cluster (RASTRO_API_PROCESSES) each line says which member wrote it.
    base: { service: 'rastro', ...(member === undefined ? {} : { member, pid: process.pid }) },
  }) as unknown as FastifyBaseLogger;
}

export async function startRastro(options: StartOptions): Promise<Rastro> {
  const { config } = options;
  const log = options.logger === false ? createLogger('silent') : createLogger(config.logLevel);
  const secrets = loadSecretBox(config);
  const adminToken = loadOrCreateAdminToken(config);
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: join(config.dataDir, 'pgdata'),
      poolSize: config.databasePool,
    }));
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
  if (!options.database && database.engine === 'pglite') {
    // The data folder is this process's alone: what it had leased when it last died waits for no one.
    const released = await releaseAllLeases(database.db);
    if (released > 0) log.warn({ deliveries: released }, 'released deliveries leased by a previous run');
  }

  const closers: (() => Promise<void>)[] = [];
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'rastro_' });
  const ctx: AppContext = {
    config: { ...config, adminToken: adminToken?.token },
    db: database.db,
    engine: database.engine,
    secrets,
    metrics,
    deliveryPolicy: options.deliveryPolicy,
    onClose: (fn) => void closers.push(fn),
  };

  const runsWorkers = config.role === 'all' || config.role === 'worker';
  const runner = runsWorkers
    ? new WorkerRunner(
        workerTaskFactories.flatMap((f) => f(ctx, log)),
        log,
      )
    : undefined;
  if (runner) ctx.worker = runner;

  const app = await buildApp(ctx, { logger: log, apiRoutes: config.role !== 'worker' });
  let url = '';
  let forget = (): void => undefined;
  if (options.listen !== false) {
    url = await app.listen({ port: config.port, host: config.host });
    // The embedded folder is this process's alone: the CLI beside it finds the server there, whatever its port.
    if (!options.database && database.engine === 'pglite') forget = recordServerAddress(config.dataDir, url);
    log.info({ url, role: config.role, engine: database.engine }, 'rastro listening');
    if (adminToken?.file) log.info({ file: adminToken.file }, 'operator token file (RASTRO_ADMIN_TOKEN)');
    if (!config.metricsToken && !['127.0.0.1', '::1', 'localhost'].includes(config.host)) {
      log.warn(
        { host: config.host },
        '/metrics is open to anyone who reaches this address: set RASTRO_METRICS_TOKEN, or keep it behind your proxy',
      );
    }
  } else {
    await app.ready();
  }
  runner?.start();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await app.close();
      await runner?.stop();
      for (const close of closers) await close();
      forget();
      if (!options.database) await database.close();
      log.info('rastro stopped');
    })();
    return stopping;
  };
  return { app, ctx, url, stop };
}
