import { Type } from '@sinclair/typebox';
import { notFound } from '../core/errors.ts';
import { getEventDetail } from '../events/query.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { REPLAYABLE, replayDeliveries } from './replay.ts';
import { canonicalEventName } from '../events/vocabulary.ts';

const Statuses = Type.Array(Type.Union(REPLAYABLE.map((s) => Type.Literal(s))), { minItems: 1 });
const Replayed = Type.Object({ replayed: Type.Integer() });

export const replayRoutes: RouteModule = (ctx) => async (app) => {
  app.post(
    '/replay/:event_id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['delivery'],
        summary: 'Send one event again (by event_id or Rastro id), to one or every destination',
        params: Type.Object({ event_id: Type.String({ minLength: 1, maxLength: 200 }) }),
        body: Type.Optional(
          Type.Object(
            { destination_id: Type.Optional(Type.String({ format: 'uuid' })), statuses: Type.Optional(Statuses) },
            { additionalProperties: false },
          ),
        ),
        response: { 202: Replayed, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const event = await getEventDetail(ctx.db, tenantId, request.params.event_id);
      const replayed = await replayDeliveries(
        ctx.db,
        tenantId,
        {
          eventRef: event.id,
          destinationId: request.body?.destination_id,
          statuses: request.body?.statuses ?? REPLAYABLE,
          limit: 100,
        },
        `key:${request.auth?.keyId}`,
      );
      if (replayed === 0 && event.deliveries.length === 0)
        throw notFound(`deliveries of event ${request.params.event_id}`);
      return reply.status(202).send({ replayed });
    },
  );

  app.post(
    '/replay',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['delivery'],
        summary: 'Replay every delivery matching a filter (default: dead and failed), up to `limit`',
        body: Type.Object(
          {
            destination_id: Type.Optional(Type.String({ format: 'uuid' })),
            statuses: Type.Optional(Statuses),
            event_name: Type.Optional(Type.String({ maxLength: 100 })),
            from: Type.Optional(
              Type.String({ format: 'date-time', description: 'Events received at or after (as the events list)' }),
            ),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Events received before' })),
            limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 }),
          },
          { additionalProperties: false },
        ),
        response: { 202: Replayed, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const replayed = await replayDeliveries(
        ctx.db,
        tenantOf(request),
        {
          destinationId: b.destination_id,
          statuses: b.statuses ?? ['dead', 'failed'],
          eventName: b.event_name === undefined ? undefined : canonicalEventName(b.event_name),
          from: b.from ? new Date(b.from) : undefined,
          to: b.to ? new Date(b.to) : undefined,
          limit: b.limit,
        },
        `key:${request.auth?.keyId}`,
      );
      return reply.status(202).send({ replayed });
    },
  );
};
