import { Type } from '@sinclair/typebox';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { destinationTypes } from './registry.ts';
import {
  createDestination,
  deleteDestination,
  getDestinationRow,
  listDestinationRows,
  publicView,
  updateDestination,
} from './store.ts';

const DestinationView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown()),
  enabled: Type.Boolean(),
  status: Type.String(),
  status_reason: Type.Union([Type.String(), Type.Null()]),
  rate_per_second: Type.Number(),
  batch_size: Type.Number(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Tuning = {
  enabled: Type.Optional(Type.Boolean()),
  rate_per_second: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
};

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const destinationRoutes: RouteModule = (ctx) => async (app) => {
  const actor = (keyId: string | undefined) => `key:${keyId}`;
  const auth = { auth: 'admin' as const };

  app.post(
    '/destinations',
    {
      config: auth,
      schema: {
        tags: ['destinations'],
        summary: 'Configure a destination (e.g. a Meta pixel); secrets are encrypted and never returned',
        body: Type.Object(
          {
            type: Type.String({ description: `one of ${destinationTypes().join(', ')}` }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            config: Type.Record(Type.String(), Type.Unknown()),
            ...Tuning,
          },
          { additionalProperties: false },
        ),
        response: { 201: DestinationView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const row = await createDestination(
        ctx.db,
        ctx.secrets,
        tenantOf(request),
        request.body,
        actor(request.auth?.keyId),
      );
      return reply.status(201).send(publicView(row, ctx.secrets));
    },
  );

  app.get(
    '/destinations',
    {
      config: auth,
      schema: { tags: ['destinations'], response: { 200: Type.Object({ items: Type.Array(DestinationView) }) } },
    },
    async (request) => ({
      items: (await listDestinationRows(ctx.db, tenantOf(request))).map((r) => publicView(r, ctx.secrets)),
    }),
  );

  app.get(
    '/destinations/:id',
    {
      config: auth,
      schema: { tags: ['destinations'], params: IdParams, response: { 200: DestinationView, ...errorResponses(404) } },
    },
    async (request) => publicView(await getDestinationRow(ctx.db, tenantOf(request), request.params.id), ctx.secrets),
  );

  app.patch(
    '/destinations/:id',
    {
      config: auth,
      schema: {
        tags: ['destinations'],
        summary:
          'Change a destination; `config` merges over the current one (a setting set to null is removed); a paused destination is reactivated',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            ...Tuning,
          },
          { additionalProperties: false },
        ),
        response: { 200: DestinationView, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const row = await updateDestination(
        ctx.db,
        ctx.secrets,
        tenantOf(request),
        request.params.id,
        request.body,
        actor(request.auth?.keyId),
      );
      return publicView(row, ctx.secrets);
    },
  );

  app.delete(
    '/destinations/:id',
    {
      config: auth,
      schema: { tags: ['destinations'], params: IdParams, response: { 204: Type.Null(), ...errorResponses(404) } },
    },
    async (request, reply) => {
      await deleteDestination(ctx.db, tenantOf(request), request.params.id, actor(request.auth?.keyId));
      return reply.status(204).send(null);
    },
  );
};
