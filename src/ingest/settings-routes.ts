import { Type } from '@sinclair/typebox';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { BUILT_IN_CHECKOUT_HOSTS, readSettings, settingsCache, updateSettings } from './settings.ts';

const CheckoutHostSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253 }),
    params: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 5 }),
  },
  { additionalProperties: false },
);

const SettingsView = Type.Object({
  allowed_origins: Type.Array(Type.String()),
  checkout_hosts: Type.Array(CheckoutHostSchema),
  cookie_domain: Type.Union([Type.String(), Type.Null()]),
  built_in_checkout_hosts: Type.Array(CheckoutHostSchema),
});

/** Admin API of a tenant's ingest settings: CORS origins, checkout hosts, redirect cookie domain. */
export const ingestSettingsRoutes: RouteModule = (ctx) => async (app) => {
  const cache = settingsCache(ctx);
  const view = (s: Awaited<ReturnType<typeof readSettings>>) => ({
    ...s,
    built_in_checkout_hosts: BUILT_IN_CHECKOUT_HOSTS,
  });

  app.get(
    '/ingest/settings',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['track'],
        summary: 'Ingest settings: allowed browser origins (empty: any), checkout hosts, cookie domain',
        response: { 200: SettingsView, ...errorResponses(401, 403) },
      },
    },
    async (request) => view(await readSettings(ctx.db, tenantOf(request))),
  );

  app.patch(
    '/ingest/settings',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['track'],
        summary: 'Change ingest settings; each given field replaces the current one (ledgered)',
        body: Type.Object(
          {
            allowed_origins: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 100 })),
            checkout_hosts: Type.Optional(Type.Array(CheckoutHostSchema, { maxItems: 50 })),
            cookie_domain: Type.Optional(Type.Union([Type.String({ maxLength: 253 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 200: SettingsView, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const next = await updateSettings(ctx.db, tenantId, request.body, `key:${request.auth?.keyId}`);
      cache.forget(tenantId);
      return view(next);
    },
  );
};
