import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { Dispatcher } from './dispatcher.ts';
import { DEFAULT_POLICY, type DeliveryPolicy } from './policy.ts';
import { DestinationRateLimiter } from './rate-limit.ts';
import { PARTNER_AGENT } from '../destinations/meta-capi/version.ts';

/** Parallel dispatch loops per process: batches to one destination overlap their network waits. */
const DISPATCH_LOOPS = 4;
/** Default of RASTRO_DELIVERY_LOCKED_BATCHES on PostgreSQL: as many as the loops, under half the pool. */
const LOCKED_BATCHES = 4;

/**
 * RASTRO_DELIVERY_LEASE_MS: a shorter lease hands a killed worker's deliveries to another sooner.
 * A request must never outlive its lease (another worker would send the batch again), so the
 * platform request timeout is kept at half the lease.
 */
function leasePolicy(leaseMs: number | undefined): Partial<DeliveryPolicy> {
  if (!leaseMs) return {};
  return { leaseMs, requestTimeoutMs: Math.min(DEFAULT_POLICY.requestTimeoutMs, Math.floor(leaseMs / 2)) };
}

export function deliveryTask(ctx: AppContext, log: FastifyBaseLogger): WorkerTask {
  const rateLimiter = new DestinationRateLimiter(ctx.config.redisUrl);
  ctx.onClose(() => rateLimiter.close());
  const dispatcher = new Dispatcher({
    db: ctx.db,
    secrets: ctx.secrets,
    policy: {
      ...DEFAULT_POLICY,
      ...leasePolicy(ctx.config.deliveryLeaseMs),
      // PGlite has one connection: it must never wait on a platform's answer.
      lockedBatches: ctx.engine === 'postgres' ? (ctx.config.deliveryLockedBatches ?? LOCKED_BATCHES) : 0,
      ...ctx.deliveryPolicy,
    },
    rateLimiter,
    sendContext: { baseUrls: { meta: ctx.config.metaGraphUrl }, userAgent: PARTNER_AGENT },
    metrics: ctx.metrics,
    log,
  });
  return { name: 'delivery', run: () => dispatcher.runOnce(), idleMs: 50, concurrency: DISPATCH_LOOPS };
}
