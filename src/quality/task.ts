import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { computeBucket } from './rollup.ts';
import {
  backfillNewTenants,
  claimDueBuckets,
  CLAIM_LEASE_MS,
  discoverLiveHours,
  finishBucket,
  reopenReplayedHours,
} from './schedule.ts';

/** How often the cheap scheduling queries run (live hours, new tenants, replays). */
const HOUSEKEEPING_MS = 3_000;
const BUCKETS_PER_RUN = 8;

/** One pass of the rollup: schedule, then recompute the buckets that are due. Returns buckets computed. */
export class QualityRollup {
  private lastHousekeeping = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log?: FastifyBaseLogger,
  ) {}

  async runOnce(force = false): Promise<number> {
    const now = Date.now();
    if (force || now - this.lastHousekeeping >= HOUSEKEEPING_MS) {
      this.lastHousekeeping = now;
      await backfillNewTenants(this.db);
      await reopenReplayedHours(this.db);
      await discoverLiveHours(this.db, new Date(), force);
    }
    const claimedAt = new Date();
    const due = await claimDueBuckets(this.db, BUCKETS_PER_RUN, claimedAt);
    const claimedUntil = new Date(claimedAt.getTime() + CLAIM_LEASE_MS);
    for (const bucket of due) {
      const started = performance.now();
      const result = await computeBucket(this.db, bucket.tenant_id, bucket.hour);
      const durationMs = performance.now() - started;
      await finishBucket(this.db, bucket, claimedUntil, { openDeliveries: result.openDeliveries, durationMs });
      this.log?.debug({ tenant: bucket.tenant_id, hour: bucket.hour, ...result, durationMs }, 'quality bucket');
    }
    return due.length;
  }

  /** Runs until nothing is due (tests, the demo). */
  async drain(maxRuns = 1000): Promise<void> {
    await this.runOnce(true);
    for (let i = 0; i < maxRuns; i++) if ((await this.runOnce()) === 0) return;
  }
}

export function qualityTask(ctx: AppContext, log: FastifyBaseLogger): WorkerTask {
  const rollup = new QualityRollup(ctx.db, log);
  return { name: 'quality-rollup', run: () => rollup.runOnce(), idleMs: 1_000 };
}
