import { Type, type TObject } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { KeyScope } from '../db/tables/foundation.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { createTenant, getTenant, listTenants, requireTenant } from './tenants.ts';

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
            200: Type.Object({
              tenant_id: Type.String(),
              name: Type.String(),
              scope: Type.String(),
              key_id: Type.String({ description: 'The key used (a dashboard signed in with it must not revoke it)' }),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const name = request.auth?.tenantName ?? (await getTenant(ctx.db, tenantOf(request)))?.name ?? '';
        return {
          tenant_id: tenantOf(request),
          name,
          scope: request.auth?.scope ?? '',
          key_id: request.auth?.keyId ?? '',
        };
      },
    );

    // A tenant's admin key manages its own keys; the operator token manages any tenant's (a lost admin
    // key, or the CLI beside a running embedded server, which cannot open the data folder itself).
    keyRoutes(app, ctx, keyCache, {
      path: '/keys',
      auth: 'admin',
      who: 'this tenant',
      tenant: async (request) => tenantOf(request),
      actor: (request) => `key:${request.auth?.keyId}`,
    });
    keyRoutes(app, ctx, keyCache, {
      path: '/tenants/:tenant_id/keys',
      auth: 'operator',
      who: 'a tenant (operator token)',
      params: Type.Object({ tenant_id: Type.String({ format: 'uuid' }) }),
      tenant: (request) => requireTenant(ctx.db, (request.params as { tenant_id: string }).tenant_id),
      actor: () => 'operator',
    });
  };

interface KeyRouteScope {
  path: string;
  auth: 'admin' | 'operator';
  /** Whose keys, in the summaries. */
  who: string;
  params?: TObject;
  tenant: (request: FastifyRequest) => Promise<string>;
  actor: (request: FastifyRequest) => string;
}

/** List, create and revoke API keys under `scope.path`, for the tenant `scope.tenant` resolves. */
function keyRoutes(
  app: Parameters<ReturnType<RouteModule>>[0],
  ctx: Parameters<RouteModule>[0],
  keyCache: { forgetKey(hash: string): void },
  scope: KeyRouteScope,
): void {
  const base = { config: { auth: scope.auth } };
  const params = scope.params ? { params: scope.params } : {};
  const keyParams = Type.Composite([
    scope.params ?? Type.Object({}),
    Type.Object({ id: Type.String({ format: 'uuid' }) }),
  ]);
  app.get(
    scope.path,
    {
      ...base,
      schema: {
        tags: ['tenants'],
        summary: `List the API keys of ${scope.who} (never the keys themselves)`,
        ...params,
        response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => ({ items: await listApiKeys(ctx.db, await scope.tenant(request)) }),
  );

  app.post(
    scope.path,
    {
      ...base,
      schema: {
        tags: ['tenants'],
        summary: `Create an API key for ${scope.who}; the key is shown only in this response`,
        ...params,
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
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const tenantId = await scope.tenant(request);
      const body = request.body as { scope: KeyScope; name?: string };
      const created = await ctx.db
        .transaction()
        .execute((trx) => createApiKey(trx, tenantId, body.scope, body.name ?? '', scope.actor(request)));
      return reply.status(201).send(created);
    },
  );

  app.delete(
    `${scope.path}/:id`,
    {
      ...base,
      schema: {
        tags: ['tenants'],
        summary: `Revoke an API key of ${scope.who}`,
        params: keyParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const hash = await revokeApiKey(ctx.db, await scope.tenant(request), id, scope.actor(request));
      keyCache.forgetKey(hash);
      return reply.status(204).send(null);
    },
  );
}
