import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { Histogram } from 'prom-client';
import { registered } from '../core/metrics.ts';
import type { Database } from '../db/schema.ts';
import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { pendingDeltaHours } from './deltas.ts';
import { computeBucket, foldDeltas } from './rollup.ts';
import {
  backfillNewTenants,
  claimDueBuckets,
  CLAIM_LEASE_MS,
  finishBucket,
  noteFolded,
  reopenReplayedHours,
} from './schedule.ts';

/** How often the cheap scheduling queries run (new tenants, replays). */
const HOUSEKEEPING_MS = 3_000;
const BUCKETS_PER_RUN = 8;
const FOLDS_PER_RUN = 100;
/**
 * Deltas are folded at most this often: under load every statement adds some, and folding back to
 * back would cost a fold's round trips for a few rows each time. The dashboard is this fresh.
 */
const FOLD_INTERVAL_MS = 1_000;

/**
 * One pass of the rollup: schedule, fold the waiting deltas, then recompute the buckets that are due.
 * Returns the hours folded or computed.
 */
export class QualityRollup {
  private lastHousekeeping = 0;
  private lastFold = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log?: FastifyBaseLogger,
    /** Told how long each fold of deltas or full recomputation of an hour took. */
    private readonly observe?: (kind: 'fold' | 'recompute', seconds: number) => void,
  ) {}

  async runOnce(force = false): Promise<number> {
    const now = Date.now();
    if (force || now - this.lastHousekeeping >= HOUSEKEEPING_MS) {
      this.lastHousekeeping = now;
      await backfillNewTenants(this.db);
      await reopenReplayedHours(this.db);
    }
    let done = 0;
    if (force || now - this.lastFold >= FOLD_INTERVAL_MS) {
      this.lastFold = now;
      for (const hour of await pendingDeltaHours(this.db, FOLDS_PER_RUN)) {
        const started = performance.now();
        const result = await foldDeltas(this.db, hour.tenant_id, hour.hour);
        this.observe?.('fold', (performance.now() - started) / 1000);
        if (!result) continue;
        await noteFolded(this.db, hour, result.openDeliveries);
        done += 1;
      }
    }
    const claimedAt = new Date();
    const due = await claimDueBuckets(this.db, BUCKETS_PER_RUN, claimedAt);
    const claimedUntil = new Date(claimedAt.getTime() + CLAIM_LEASE_MS);
    for (const bucket of due) {
      const started = performance.now();
      const result = await computeBucket(this.db, bucket.tenant_id, bucket.hour);
      const durationMs = performance.now() - started;
      this.observe?.('recompute', durationMs / 1000);
      await finishBucket(this.db, bucket, claimedUntil, { openDeliveries: result.openDeliveries, durationMs });
      this.log?.debug({ tenant: bucket.tenant_id, hour: bucket.hour, ...result, durationMs }, 'quality bucket');
    }
    return done + due.length;
  }

  /** Runs until nothing is due or waiting (tests, the demo). */
  async drain(maxRuns = 1000): Promise<void> {
    for (let i = 0; i < maxRuns; i++) if ((await this.runOnce(true)) === 0) return;
  }
}

export function qualityTask(ctx: AppContext, log: FastifyBaseLogger): WorkerTask {
  const seconds = registered(
    ctx.metrics,
    'rastro_quality_pass_seconds',
    (name) =>
      new Histogram<'kind'>({
        name,
        help: "Quality rollup: time to fold one tenant-hour's deltas (kind=fold) or recompute it whole (kind=recompute)",
        labelNames: ['kind'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
        registers: [ctx.metrics],
      }),
  );
  const rollup = new QualityRollup(ctx.db, log, (kind, s) => seconds.observe({ kind }, s));
  return { name: 'quality-rollup', run: () => rollup.runOnce(), idleMs: 1_000 };
}
