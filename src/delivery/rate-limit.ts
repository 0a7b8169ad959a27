import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Per-destination token buckets. In memory by default (one process); with REDIS_URL the bucket is
 * shared, so N workers together hold a destination to its rate.
 */
export class DestinationRateLimiter {
  private readonly limiters = new Map<string, { rate: number; limiter: RateLimiterAbstract }>();
  private readonly redis: Redis | undefined;

  constructor(redisUrl?: string) {
    this.redis = redisUrl ? new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  }

  private limiterFor(destinationId: string, rate: number): RateLimiterAbstract {
    const existing = this.limiters.get(destinationId);
    if (existing && existing.rate === rate) return existing.limiter;
    const options = { keyPrefix: `rastro:rl:${rate}`, points: rate, duration: 1 };
    const limiter = this.redis
      ? new RateLimiterRedis({ ...options, storeClient: this.redis, insuranceLimiter: new RateLimiterMemory(options) })
      : new RateLimiterMemory(options);
    this.limiters.set(destinationId, { rate, limiter });
    return limiter;
  }

  /**
   * Takes up to `wanted` tokens; returns how many were granted (0 when the bucket is empty) and,
   * when none, how long until the next refill.
   */
  async take(destinationId: string, rate: number, wanted: number): Promise<{ granted: number; waitMs: number }> {
    const limiter = this.limiterFor(destinationId, rate);
    const state = await limiter.get(destinationId);
    const remaining = state ? Math.max(0, state.remainingPoints) : rate;
    const ask = Math.min(wanted, remaining);
    if (ask <= 0) return { granted: 0, waitMs: state?.msBeforeNext ?? 1000 };
    try {
      await limiter.consume(destinationId, ask);
      return { granted: ask, waitMs: 0 };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { granted: 0, waitMs: rejection.msBeforeNext };
      throw rejection;
    }
  }

  /** Gives back tokens taken but not used (fewer deliveries were due than granted). */
  async giveBack(destinationId: string, rate: number, unused: number): Promise<void> {
    if (unused > 0) await this.limiterFor(destinationId, rate).reward(destinationId, unused);
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}
