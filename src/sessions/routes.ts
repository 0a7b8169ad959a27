import { Type } from '@sinclair/typebox';
import { notFound } from '../core/errors.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { clicksOfSession, findSession, identitiesOfSession } from './lookup.ts';
import { foldTouchesOf } from './queue.ts';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A session as stitched: its identifiers, first and last touch, hashed identities and clicks. */
export const sessionRoutes: RouteModule = (ctx) => async (app) => {
  app.get(
    '/sessions/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['track'],
        summary: 'One session: identifiers, first/last touch, hashed identities seen with it, its clicks',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Type.Unknown(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      await foldTouchesOf(ctx.db, tenantId);
      const session = await findSession(ctx.db, tenantId, request.params.id);
      if (!session) throw notFound(`session ${request.params.id}`);
      const [identities, clicks] = await Promise.all([
        identitiesOfSession(ctx.db, tenantId, session.session_id),
        clicksOfSession(ctx.db, tenantId, session),
      ]);
      const { tenant_id: _t, ...rest } = session;
      return {
        ...rest,
        first_seen: iso(session.first_seen),
        last_seen: iso(session.last_seen),
        identities: identities.map((i) => ({ ...i, first_seen: iso(i.first_seen), last_seen: iso(i.last_seen) })),
        clicks: clicks.map(({ tenant_id: _ct, ...c }) => ({ ...c, created_at: iso(c.created_at) })),
      };
    },
  );
};
