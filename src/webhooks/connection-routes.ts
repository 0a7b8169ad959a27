import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import {
  connectionView,
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
} from './connections.ts';

const Settings = Type.Object(
  {
    emit: Type.Optional(
      Type.Record(
        Type.Union(
          ['pending', 'approved', 'refunded', 'chargeback', 'canceled', 'abandoned'].map((s) => Type.Literal(s)),
        ),
        Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 5 }),
      ),
    ),
    raw_retention_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
  },
  { additionalProperties: false },
);

const ConnectionView = Type.Object({
  id: Type.String(),
  gateway: Type.String(),
  name: Type.String(),
  auth: Type.String(),
  webhook_url: Type.String(),
  settings: Type.Unknown(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const connectionRoutes: RouteModule = (ctx) => async (app) => {
  const base = (request: FastifyRequest) => ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
  const actor = (request: FastifyRequest) => `key:${request.auth?.keyId}`;
  const config = { auth: 'admin' as const };
  const tags = ['gateways'];

  app.post(
    '/gateway-connections',
    {
      config,
      schema: {
        tags,
        summary: 'Connect a payment gateway; answers the webhook URL to paste into it',
        body: Type.Object(
          {
            gateway: Type.String(),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            secret: Type.Optional(
              Type.String({ minLength: 1, maxLength: 500, description: 'signing secret or token' }),
            ),
            settings: Type.Optional(Settings),
          },
          { additionalProperties: false },
        ),
        response: { 201: ConnectionView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const row = await createConnection(ctx.db, ctx.secrets, tenantOf(request), request.body, actor(request));
      return reply.status(201).send(connectionView(base(request), row, ctx.secrets));
    },
  );

  app.get(
    '/gateway-connections',
    { config, schema: { tags, response: { 200: Type.Object({ items: Type.Array(ConnectionView) }) } } },
    async (request) => ({
      items: (await listConnections(ctx.db, tenantOf(request))).map((r) =>
        connectionView(base(request), r, ctx.secrets),
      ),
    }),
  );

  app.get(
    '/gateway-connections/:id',
    { config, schema: { tags, params: IdParams, response: { 200: ConnectionView, ...errorResponses(404) } } },
    async (request) =>
      connectionView(base(request), await getConnection(ctx.db, tenantOf(request), request.params.id), ctx.secrets),
  );

  app.patch(
    '/gateway-connections/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Rename, change settings, rotate the gateway secret or the URL secret',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            secret: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
            settings: Type.Optional(Settings),
            rotate_url_secret: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: ConnectionView, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const row = await updateConnection(
        ctx.db,
        ctx.secrets,
        tenantOf(request),
        request.params.id,
        request.body,
        actor(request),
      );
      return connectionView(base(request), row, ctx.secrets);
    },
  );

  app.delete(
    '/gateway-connections/:id',
    { config, schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses(404) } } },
    async (request, reply) => {
      await deleteConnection(ctx.db, tenantOf(request), request.params.id, actor(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/gateway-connections/:id/receipts',
    {
      config,
      schema: {
        tags,
        summary: 'Webhooks received on this connection, newest first (bodies stay sealed)',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
        }),
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await getConnection(ctx.db, tenantId, request.params.id);
      let q = ctx.db
        .selectFrom('webhook_receipts')
        .select(['receipt_id', 'received_at', 'status', 'event_type', 'order_id', 'error', 'processed_at'])
        .where('tenant_id', '=', tenantId)
        .where('connection_id', '=', request.params.id);
      if (request.query.cursor) q = q.where('receipt_id', '<', request.query.cursor);
      const rows = await q
        .orderBy('receipt_id', 'desc')
        .limit(request.query.limit + 1)
        .execute();
      const page = rows.slice(0, request.query.limit);
      return {
        items: page.map((r) => ({
          id: r.receipt_id,
          received_at: r.received_at.toISOString(),
          status: r.status,
          event_type: r.event_type,
          order_id: r.order_id,
          error: r.error,
          processed_at: r.processed_at?.toISOString() ?? null,
        })),
        next_cursor: rows.length > request.query.limit ? (page.at(-1)?.receipt_id ?? null) : null,
      };
    },
  );
};
