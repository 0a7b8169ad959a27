import { Type } from '@sinclair/typebox';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { requireTenant } from '../tenants/tenants.ts';
import { queryLedger } from './ledger.ts';
import { verifyLedger } from './verify.ts';

const Entry = Type.Object({
  seq: Type.Number(),
  entry_id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  entity_type: Type.String(),
  entity_id: Type.String(),
  type: Type.String(),
  data: Type.Unknown(),
  prev_hash: Type.String(),
  hash: Type.String(),
});

export const ledgerRoutes: RouteModule = (ctx) => async (app) => {
  app.get(
    '/ledger',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['ledger'],
        summary: 'Audit trail, newest first',
        querystring: Type.Object({
          entity: Type.Optional(Type.String({ description: '`type` or `type:id`, e.g. `api_key:…`' })),
          type: Type.Optional(Type.String({ description: 'entry type, e.g. `api_key.revoked`' })),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
        }),
        response: {
          200: Type.Object({ items: Type.Array(Entry), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await queryLedger(ctx.db, tenantOf(request), {
        entity: q.entity,
        type: q.type,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        limit: q.limit,
        cursor: q.cursor ? Number(q.cursor) : undefined,
      });
      return {
        items: page.entries.map(({ tenant_id: _t, ...e }) => ({ ...e, at: e.at.toISOString() })),
        next_cursor: page.next_cursor,
      };
    },
  );

  const Report = Type.Object({
    ok: Type.Boolean(),
    entries: Type.Number(),
    broken_at: Type.Optional(Type.Number()),
    problem: Type.Optional(Type.String()),
  });
  const report = async (tenantId: string) => {
    const { tenant_id: _t, ...rest } = await verifyLedger(ctx.db, tenantId);
    return rest;
  };

  app.get(
    '/ledger/verify',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['ledger'],
        summary: 'Recompute the hash chain and report the first break',
        response: { 200: Report },
      },
    },
    async (request) => report(tenantOf(request)),
  );

  // The operator checks any tenant's chain (`rastro ledger verify` beside a running embedded server).
  app.get(
    '/tenants/:tenant_id/ledger/verify',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['ledger'],
        summary: "Recompute a tenant's hash chain and report the first break (operator token)",
        params: Type.Object({ tenant_id: Type.String({ format: 'uuid' }) }),
        response: { 200: Report, ...errorResponses(401, 404) },
      },
    },
    async (request) => report(await requireTenant(ctx.db, request.params.tenant_id)),
  );
};
