import { Type } from '@sinclair/typebox';
import { ERROR_CODES, notFound } from '../core/errors.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';

const Rejection = Type.Object({
  id: Type.String(),
  at: Type.String(),
  source: Type.String(),
  method: Type.String(),
  url: Type.String(),
  code: Type.String(),
  message: Type.String(),
  details: Type.Unknown(),
});

/** Requests Rastro refused (bad input, bad signature), kept so a tenant can see what and why. */
export const rejectionRoutes: RouteModule = (ctx) => async (app) => {
  app.get(
    '/rejections',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'Rejected requests, newest first',
        querystring: Type.Object({
          source: Type.Optional(Type.String()),
          code: Type.Optional(Type.Union(Object.keys(ERROR_CODES).map((c) => Type.Literal(c)))),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
        }),
        response: {
          200: Type.Object({ items: Type.Array(Rejection), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
        },
      },
    },
    async (request) => {
      const { source, code, limit, cursor } = request.query;
      let q = ctx.db
        .selectFrom('rejected_requests')
        .select(['rejection_id', 'at', 'source', 'method', 'url', 'code', 'message', 'details'])
        .where('tenant_id', '=', tenantOf(request));
      if (source) q = q.where('source', '=', source);
      if (code) q = q.where('code', '=', code);
      if (cursor) q = q.where('rejection_id', '<', cursor);
      const rows = await q
        .orderBy('rejection_id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      return {
        items: page.map(({ rejection_id, at, ...r }) => ({ id: rejection_id, at: at.toISOString(), ...r })),
        next_cursor: rows.length > limit ? (page[page.length - 1]?.rejection_id ?? null) : null,
      };
    },
  );

  app.get(
    '/rejections/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'One rejected request with the body as received',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Composite([Rejection, Type.Object({ body: Type.Union([Type.String(), Type.Null()]) })]),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const row = await ctx.db
        .selectFrom('rejected_requests')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('rejection_id', '=', request.params.id)
        .executeTakeFirst();
      if (!row) throw notFound(`rejection ${request.params.id}`);
      return {
        id: row.rejection_id,
        at: row.at.toISOString(),
        source: row.source,
        method: row.method,
        url: row.url,
        code: row.code,
        message: row.message,
        details: row.details,
        body: row.body_sealed ? ctx.secrets.open(row.body_sealed, tenantId) : null,
      };
    },
  );
};
