import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { Dispatcher } from './dispatcher.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { DestinationRateLimiter } from './rate-limit.ts';
import { PARTNER_AGENT } from '../destinations/meta-capi/version.ts';

/** Parallel dispatch loops per process: batches to one destination overlap their network waits. */
const DISPATCH_LOOPS = 4;

export function deliveryTask(ctx: AppContext, log: FastifyBaseLogger): WorkerTask {
  const rateLimiter = new DestinationRateLimiter(ctx.config.redisUrl);
  ctx.onClose(() => rateLimiter.close());
  const dispatcher = new Dispatcher({
    db: ctx.db,
    secrets: ctx.secrets,
    policy: { ...DEFAULT_POLICY, ...ctx.deliveryPolicy },
    rateLimiter,
    sendContext: { baseUrls: { meta: ctx.config.metaGraphUrl }, userAgent: PARTNER_AGENT },
    metrics: ctx.metrics,
    log,
  });
  return { name: 'delivery', run: () => dispatcher.runOnce(), idleMs: 50, concurrency: DISPATCH_LOOPS };
}
