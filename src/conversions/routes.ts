import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { notFound } from '../core/errors.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { GATEWAY_IDS } from '../gateways/registry.ts';
import { MATCH_STATUSES } from '../matching/score.ts';
import { conversionEventId } from './event-id.ts';
import { CONVERSION_STATUSES } from './lifecycle.ts';
import type { ConversionRow } from './to-event.ts';

/** A conversion's match status: `pending` until the matcher has looked at it. */
const MATCH_FILTER = ['pending', ...MATCH_STATUSES];

const view = (r: ConversionRow) => ({
  id: r.conversion_id,
  gateway: r.gateway,
  connection_id: r.connection_id,
  order_id: r.order_id,
  status: r.status,
  amount: Number(r.amount),
  currency: r.currency,
  payment_method: r.payment_method,
  is_test: r.is_test,
  occurred_at: r.occurred_at.toISOString(),
  approved_at: r.approved_at?.toISOString() ?? null,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
  tracking: r.tracking,
  products: r.products,
  match: r.match ?? { status: 'pending' },
  history: r.history,
  purchase_event_id: conversionEventId(r.tenant_id, r.order_id, 'purchase'),
});

export const conversionRoutes: RouteModule = (ctx) => async (app) => {
  app.get(
    '/conversions',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['conversions'],
        summary: 'Conversions (sales from gateways) newest first, filtered by status, gateway and match status',
        querystring: Type.Object({
          status: Type.Optional(Type.Union(CONVERSION_STATUSES.map((s) => Type.Literal(s)))),
          gateway: Type.Optional(Type.Union(GATEWAY_IDS.map((g) => Type.Literal(g)))),
          match_status: Type.Optional(Type.Union(MATCH_FILTER.map((s) => Type.Literal(s)))),
          order_id: Type.Optional(Type.String({ maxLength: 200 })),
          // When the sale happened (occurred_at): from inclusive, to exclusive.
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      let query = ctx.db.selectFrom('conversions').selectAll().where('tenant_id', '=', tenantOf(request));
      if (q.status) query = query.where('status', '=', q.status);
      if (q.gateway) query = query.where('gateway', '=', q.gateway);
      if (q.order_id) query = query.where('order_id', '=', q.order_id);
      if (q.match_status) query = query.where(sql<string>`coalesce(match->>'status', 'pending')`, '=', q.match_status);
      if (q.from) query = query.where('occurred_at', '>=', new Date(q.from));
      if (q.to) query = query.where('occurred_at', '<', new Date(q.to));
      if (q.cursor) query = query.where('conversion_id', '<', q.cursor);
      const rows = await query
        .orderBy('conversion_id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map(view),
        next_cursor: rows.length > q.limit ? (page.at(-1)?.conversion_id ?? null) : null,
      };
    },
  );

  app.get(
    '/conversions/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['conversions'],
        summary: 'One conversion with its status history and match explanation',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Unknown(), ...errorResponses(404) },
      },
    },
    async (request) => {
      const row = await ctx.db
        .selectFrom('conversions')
        .selectAll()
        .where('tenant_id', '=', tenantOf(request))
        .where('conversion_id', '=', request.params.id)
        .executeTakeFirst();
      if (!row) throw notFound(`conversion ${request.params.id}`);
      return view(row);
    },
  );
};
