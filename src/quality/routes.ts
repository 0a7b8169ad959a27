import { Type } from '@sinclair/typebox';
import { RastroError } from '../core/errors.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { MAX_POINTS, qualityReport } from './query.ts';
import { DAY_MS, HOUR_MS } from './time.ts';
import { canonicalEventName } from '../events/vocabulary.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Coverage = Type.Object({
  em: Type.Number(),
  ph: Type.Number(),
  fbc: Type.Number(),
  fbp: Type.Number(),
  ip_ua: Type.Number(),
  external_id: Type.Number(),
});
const Figures = {
  received: Type.Integer({ description: 'events received (with destination_id: deliveries to it)' }),
  deliveries: Type.Integer({ description: 'deliveries, across destinations unless filtered' }),
  delivered: Type.Integer(),
  failed: Type.Integer(),
  dead: Type.Integer(),
  deduplicated: Type.Integer(),
  skipped: Type.Integer(),
  pending: Type.Integer({ description: 'pending or processing when last computed' }),
  delivery_rate: Nullable(Type.Number({ description: 'delivered ÷ (delivered + failed + dead)' })),
  dedup_rate: Nullable(Type.Number({ description: 'deduplicated ÷ deliveries' })),
  latency_ms: Nullable(
    Type.Object(
      { p50: Type.Number(), p95: Type.Number(), p99: Type.Number() },
      { description: 'commit-to-delivered, first attempts' },
    ),
  ),
  emq: Nullable(Type.Number({ description: 'mean match-quality estimate, 0–10' })),
  coverage: Nullable(Coverage),
};

const QualityReport = Type.Object({
  bucket: Type.String(),
  from: Type.String(),
  to: Type.String(),
  destination_id: Nullable(Type.String()),
  event_name: Nullable(Type.String()),
  totals: Type.Object(Figures),
  series: Type.Array(Type.Object({ t: Type.String(), ...Figures })),
  event_names: Type.Array(Type.Object({ event_name: Type.String(), ...Figures })),
  destinations: Type.Array(
    Type.Object({
      destination_id: Type.String(),
      name: Nullable(Type.String()),
      type: Nullable(Type.String()),
      ...Figures,
    }),
  ),
  errors: Type.Array(Type.Object({ message: Type.String(), count: Type.Integer() })),
  computed_at: Nullable(Type.String()),
  backfilling: Type.Integer(),
});

export const qualityRoutes: RouteModule = (ctx) => async (app) => {
  app.get(
    '/quality',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['quality'],
        summary: 'Signal quality over time: volumes, delivery and dedup rates, latency, EMQ estimate, coverage',
        description:
          'Read from an hourly rollup kept by the `quality-rollup` worker (seconds behind live). Buckets are UTC. ' +
          'Defaults: `to` now, `from` 24 h (bucket=hour) or 30 days (bucket=day) before it.',
        querystring: Type.Object({
          destination_id: Type.Optional(Type.String({ format: 'uuid' })),
          event_name: Type.Optional(Type.String({ maxLength: 100 })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          bucket: Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'hour' }),
        }),
        response: { 200: QualityReport, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const to = q.to ? new Date(q.to) : new Date();
      const span = q.bucket === 'hour' ? 24 * HOUR_MS : 30 * DAY_MS;
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - span);
      if (from >= to) throw new RastroError('validation_failed', 'from must be before to');
      const step = q.bucket === 'hour' ? HOUR_MS : DAY_MS;
      if ((to.getTime() - from.getTime()) / step > MAX_POINTS[q.bucket]) {
        throw new RastroError('validation_failed', `at most ${MAX_POINTS[q.bucket]} ${q.bucket} buckets per request`);
      }
      return qualityReport(ctx.db, tenantOf(request), {
        destinationId: q.destination_id,
        eventName: q.event_name === undefined ? undefined : canonicalEventName(q.event_name),
        from,
        to,
        bucket: q.bucket,
      });
    },
  );
};
