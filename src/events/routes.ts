import { Type } from '@sinclair/typebox';
import { tenantOf } from '../http/auth.ts';
import { DECOMPRESSED_BODIES } from '../http/compression.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { acceptEvents } from './accept.ts';
import { EventInput } from './input-schema.ts';
import { countEvents, getEventDetail, listEvents, type EventMatch } from './query.ts';
import { canonicalEventName } from './vocabulary.ts';

export const MAX_EVENTS_PER_REQUEST = 1000;

const DELIVERY_STATUSES = ['pending', 'processing', 'delivered', 'failed', 'dead', 'deduplicated', 'skipped'];
const STATUS_LIST = `(?:${DELIVERY_STATUSES.join('|')})`;

/** `status=failed` or several at once, `status=failed,dead`: events with a delivery in any of them. */
const StatusFilter = Type.String({
  pattern: `^${STATUS_LIST}(?:,${STATUS_LIST})*$`,
  errorMessage: `must be one or more of ${DELIVERY_STATUSES.join(', ')}, separated by commas`,
});

/** The filters GET /events and GET /events/count share. */
const MatchQuery = {
  status: Type.Optional(StatusFilter),
  event_name: Type.Optional(Type.String({ maxLength: 100 })),
  destination_id: Type.Optional(Type.String({ format: 'uuid' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
};

const eventMatch = (q: {
  status?: string;
  event_name?: string;
  destination_id?: string;
  from?: string;
  to?: string;
}): EventMatch => ({
  statuses: q.status === undefined ? undefined : [...new Set(q.status.split(','))],
  // Stored names are Rastro's: `Purchase` or `pageview` find what ingest stored as `purchase`, `page_view`.
  event_name: q.event_name === undefined ? undefined : canonicalEventName(q.event_name),
  destination_id: q.destination_id,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

export const eventRoutes: RouteModule = (ctx) => async (app) => {
  app.post(
    '/events',
    {
      config: { auth: 'admin' },
      compress: false,
      decompress: DECOMPRESSED_BODIES,
      schema: {
        tags: ['events'],
        summary: 'Send server-side events; answered 202 once they and their deliveries are committed',
        description: 'The body may be compressed (`Content-Encoding: gzip`, `br` or `deflate`).',
        body: Type.Object(
          { events: Type.Array(EventInput, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }) },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({
            events: Type.Array(
              Type.Object({
                id: Type.String(),
                event_id: Type.String(),
                warnings: Type.Optional(
                  Type.Array(
                    Type.Object(
                      { destination_id: Type.String(), destination: Type.String(), problem: Type.String() },
                      {
                        description:
                          'A destination that will not send this event as it stands (kept, and failed visibly)',
                      },
                    ),
                  ),
                ),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403, 413),
        },
      },
    },
    async (request, reply) => {
      const accepted = await acceptEvents(ctx, tenantOf(request), request.body.events, 'api');
      return reply.status(202).send({
        events: accepted.map((a) => ({
          id: a.id,
          event_id: a.event_id,
          ...(a.warnings.length > 0 ? { warnings: a.warnings } : {}),
        })),
      });
    },
  );

  app.get(
    '/events',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['events'],
        summary: 'Events newest first, filtered by delivery status, name, destination and time',
        querystring: Type.Object({
          ...MatchQuery,
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Unknown()),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return listEvents(ctx.db, tenantOf(request), { ...eventMatch(request.query), limit, cursor });
    },
  );

  app.get(
    '/events/count',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['events'],
        summary: 'How many events match the filters of GET /events, counted up to `limit`',
        description:
          '`capped` is true when more events match than were counted (the answer then reads "at least `count`").',
        querystring: Type.Object({
          ...MatchQuery,
          limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 }),
        }),
        response: { 200: Type.Object({ count: Type.Integer(), capped: Type.Boolean() }) },
      },
    },
    async (request) => countEvents(ctx.db, tenantOf(request), eventMatch(request.query), request.query.limit),
  );

  app.get(
    '/events/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['events'],
        summary: 'One event (by Rastro id or event_id): received, sent per destination, every attempt',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Type.Unknown(), ...errorResponses(404) },
      },
    },
    async (request) => getEventDetail(ctx.db, tenantOf(request), request.params.id),
  );
};
