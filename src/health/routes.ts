import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { pendingMigrations } from '../db/migrator.ts';
import type { RouteModule } from '../http/types.ts';
import { clusterMetrics, clusterRank } from '../runtime/cluster.ts';

export const healthRoutes: RouteModule = (ctx) => async (app) => {
  const common = { config: { auth: 'public' as const }, schema: { tags: ['operations'] } };

  app.get('/healthz', { ...common, schema: { ...common.schema, summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    {
      ...common,
      schema: {
        ...common.schema,
        summary: 'Readiness: database reachable, migrations applied, worker loop alive',
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
          503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) }),
        },
      },
    },
    async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await sql`select 1`.execute(ctx.db);
        checks.database = 'ok';
        const pending = await pendingMigrations(ctx.db);
        checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
      } catch (error) {
        checks.database = `unreachable: ${(error as Error).message}`;
      }
      if (ctx.worker) checks.worker = ctx.worker.isAlive() ? 'ok' : 'stalled';
      const ready = Object.values(checks).every((v) => v === 'ok');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  );

  app.get(
    '/metrics',
    {
      config: { auth: 'metrics' },
      schema: { ...common.schema, summary: 'Prometheus metrics (Bearer RASTRO_METRICS_TOKEN when one is set)' },
    },
    async (_r, reply) => {
      // In a cluster every member's counters, summed by the primary: any member may take the scrape.
      const text = clusterRank() === undefined ? await ctx.metrics.metrics() : await clusterMetrics();
      return reply.type(ctx.metrics.contentType).send(text);
    },
  );
};
