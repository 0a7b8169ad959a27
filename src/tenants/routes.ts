import { Type } from '@sinclair/typebox';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { createTenant, getTenant, listTenants } from './tenants.ts';

const KeyView = Type.Object({
  id: Type.String(),
  scope: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  created_at: Type.String(),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});

export const tenantRoutes =
  (ctx: Parameters<RouteModule>[0], keyCache: { forgetKey(hash: string): void }): ReturnType<RouteModule> =>
  async (app) => {
    app.post(
      '/tenants',
      {
        config: { auth: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'Create a tenant with an admin and an ingest key (operator token)',
          security: [{ bearer: [] }],
          body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
          response: {
            201: Type.Object({
              id: Type.String(),
              name: Type.String(),
              keys: Type.Object({ admin: Type.String(), ingest: Type.String() }),
            }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request, reply) => reply.status(201).send(await createTenant(ctx.db, request.body.name)),
    );

    app.get(
      '/tenants',
      {
        config: { auth: 'operator' },
        schema: {
          tags: ['tenants'],
          summary: 'List tenants (operator token)',
          response: {
            200: Type.Object({
              items: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), created_at: Type.String() })),
            }),
          },
        },
      },
      async () => ({ items: await listTenants(ctx.db) }),
    );

    app.get(
      '/me',
      {
        config: { auth: 'ingest' },
        schema: {
          tags: ['tenants'],
          summary: 'The tenant and scope of the key used',
          response: {
            200: Type.Object({ tenant_id: Type.String(), name: Type.String(), scope: Type.String() }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const tenant = await getTenant(ctx.db, tenantOf(request));
        return { tenant_id: tenantOf(request), name: tenant?.name ?? '', scope: request.auth?.scope ?? '' };
      },
    );

    app.get(
      '/keys',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['tenants'],
          summary: "List this tenant's API keys (never the keys themselves)",
          response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => ({ items: await listApiKeys(ctx.db, tenantOf(request)) }),
    );

    app.post(
      '/keys',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['tenants'],
          summary: 'Create an API key; the key is shown only in this response',
          body: Type.Object(
            {
              scope: Type.Union([Type.Literal('admin'), Type.Literal('ingest')]),
              name: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              id: Type.String(),
              scope: Type.String(),
              name: Type.String(),
              prefix: Type.String(),
              key: Type.String(),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request);
        const created = await ctx.db
          .transaction()
          .execute((trx) =>
            createApiKey(trx, tenantId, request.body.scope, request.body.name ?? '', `key:${request.auth?.keyId}`),
          );
        return reply.status(201).send(created);
      },
    );

    app.delete(
      '/keys/:id',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['tenants'],
          summary: 'Revoke an API key',
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const hash = await revokeApiKey(ctx.db, tenantOf(request), request.params.id, `key:${request.auth?.keyId}`);
        keyCache.forgetKey(hash);
        return reply.status(204).send(null);
      },
    );
  };
