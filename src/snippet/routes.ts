import { Type } from '@sinclair/typebox';
import { RastroError } from '../core/errors.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { settingsCache } from '../ingest/settings.ts';
import { findActiveKey } from '../tenants/api-keys.ts';
import { loaderSnippet, snippet } from './snippet.ts';

/** `GET /r.js`: the browser snippet, gzipped when the client accepts it, cacheable for an hour. */
export const snippetPublicRoutes: RouteModule = () => async (app) => {
  app.get(
    '/r.js',
    {
      config: { auth: 'public' },
      // Gzipped once and kept (below), not per request.
      compress: false,
      schema: { tags: ['track'], summary: 'The browser snippet (dependency-free, < 3 KB gzipped)' },
    },
    async (request, reply) => {
      const s = snippet();
      void reply
        .header('content-type', 'application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('etag', s.etag)
        .header('vary', 'Accept-Encoding');
      if (request.headers['if-none-match'] === s.etag) return reply.status(304).send();
      if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
        return reply.header('content-encoding', 'gzip').send(s.gzip);
      }
      return reply.send(s.source);
    },
  );
};

/** `GET /api/v1/snippet`: the tenant's loader tag to paste in a site's <head>. */
export const snippetRoutes: RouteModule = (ctx) => async (app) => {
  app.get(
    '/snippet',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['track'],
        summary: "The tenant's loader snippet (with its checkout hosts) for a site's <head>",
        description:
          'Keys are stored hashed, so the tag embeds the ingest key given as `ingest_key` (checked to be an ' +
          'active ingest key of this tenant), or a placeholder to replace. Create one with POST /api/v1/keys.',
        querystring: Type.Object({ ingest_key: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: {
          200: Type.Object({ script_url: Type.String(), html: Type.String(), ingest_key_placeholder: Type.Boolean() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const given = request.query.ingest_key;
      if (given) {
        const identity = await findActiveKey(ctx.db, given);
        if (!identity || identity.tenantId !== tenantId || identity.scope !== 'ingest') {
          throw new RastroError('validation_failed', 'ingest_key: not an active ingest key of this tenant', [
            { field: 'querystring.ingest_key', problem: 'is not an active ingest key of this tenant' },
          ]);
        }
      }
      const baseUrl = (ctx.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
      const settings = await settingsCache(ctx).get(tenantId);
      return {
        script_url: `${baseUrl}/r.js`,
        html: loaderSnippet({
          baseUrl,
          ingestKey: given ?? 'YOUR_INGEST_KEY',
          checkoutHosts: settings.checkout_hosts,
        }),
        ingest_key_placeholder: !given,
      };
    },
  );
};
