import { Counter, Gauge } from 'prom-client';
import { registered } from '../core/metrics.ts';
import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { foldQueuedTouches } from './queue.ts';

/** Concurrent folds: two on PostgreSQL (see foldQueuedTouches); PGlite is one connection. */
export const foldLanes = (ctx: AppContext): number => (ctx.engine === 'pglite' ? 1 : 2);

/** Folds the track API's queued session touches into sessions and the identity graph (roles all, worker). */
export function sessionTouchTask(ctx: AppContext): WorkerTask {
  const folded = registered(
    ctx.metrics,
    'rastro_session_touches_folded_total',
    (name) =>
      new Counter({
        name,
        help: 'Queued groups of session touches folded into sessions and identity links',
        registers: [ctx.metrics],
      }),
  );
  registered(
    ctx.metrics,
    'rastro_session_touches_queued',
    (name) =>
      new Gauge({
        name,
        help: 'Groups of session touches committed by the track API and not folded yet (read at scrape)',
        registers: [ctx.metrics],
        async collect() {
          const row = await ctx.db
            .selectFrom('session_touches')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirst();
          this.set(Number(row?.n ?? 0));
        },
      }),
  );
  return {
    name: 'session-touches',
    idleMs: 100,
    run: async () => {
      const n = await foldQueuedTouches(ctx.db, 20, foldLanes(ctx));
      if (n > 0) folded.inc(n);
      return n;
    },
  };
}
