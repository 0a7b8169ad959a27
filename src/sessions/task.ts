import { Counter, Gauge } from 'prom-client';
import type { AppContext } from '../http/context.ts';
import type { WorkerTask } from '../workers/runner.ts';
import { foldQueuedTouches } from './queue.ts';

/** Folds the track API's queued session touches into sessions and the identity graph (roles all, worker). */
export function sessionTouchTask(ctx: AppContext): WorkerTask {
  // Metrics are per registry: a second task on the same context (tests) reuses them.
  const folded =
    (ctx.metrics.getSingleMetric('rastro_session_touches_folded_total') as Counter | undefined) ??
    new Counter({
      name: 'rastro_session_touches_folded_total',
      help: 'Queued groups of session touches folded into sessions and identity links',
      registers: [ctx.metrics],
    });
  if (!ctx.metrics.getSingleMetric('rastro_session_touches_queued')) {
    new Gauge({
      name: 'rastro_session_touches_queued',
      help: 'Groups of session touches committed by the track API and not folded yet (read at scrape)',
      registers: [ctx.metrics],
      async collect() {
        const row = await ctx.db
          .selectFrom('session_touches')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst();
        this.set(Number(row?.n ?? 0));
      },
    });
  }
  return {
    name: 'session-touches',
    idleMs: 100,
    run: async () => {
      const n = await foldQueuedTouches(ctx.db);
      if (n > 0) folded.inc(n);
      return n;
    },
  };
}
