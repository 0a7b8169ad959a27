import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { notFound, RastroError } from '../core/errors.ts';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { appendLedger } from '../ledger/ledger.ts';
import type { MatchResult } from './matcher.ts';
import { matchingSettings } from './settings.ts';

const Settings = Type.Object({
  window_days: Type.Number({ minimum: 1, maximum: 90 }),
  auto_threshold: Type.Number({ minimum: 0, maximum: 1 }),
  review_threshold: Type.Number({ minimum: 0, maximum: 1 }),
  grace_seconds: Type.Integer({ minimum: 0, maximum: 3600 }),
});

export const matchingRoutes: RouteModule = (ctx) => async (app) => {
  app.get(
    '/settings/matching',
    { config: { auth: 'admin' }, schema: { tags: ['matching'], response: { 200: Settings } } },
    async (request) => matchingSettings(ctx.db, tenantOf(request)),
  );

  app.put(
    '/settings/matching',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['matching'],
        summary: 'Attribution window, thresholds and the grace period for late click data',
        body: Type.Partial(Settings, { additionalProperties: false }),
        response: { 200: Settings, ...errorResponses(400) },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const next = { ...(await matchingSettings(ctx.db, tenantId)), ...request.body };
      if (next.review_threshold > next.auto_threshold) {
        throw new RastroError('validation_failed', 'body.review_threshold: must not exceed auto_threshold', [
          { field: 'body.review_threshold', problem: 'must not exceed auto_threshold' },
        ]);
      }
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('tenants')
          .set({ settings: sql`jsonb_set(settings, '{matching}', ${JSON.stringify(next)}::jsonb)` })
          .where('tenant_id', '=', tenantId)
          .execute();
        await appendLedger(trx, tenantId, {
          actor: `key:${request.auth?.keyId}`,
          entityType: 'settings',
          entityId: 'matching',
          type: 'settings.matching_changed',
          data: { ...next },
        });
      });
      return next;
    },
  );

  app.post(
    '/conversions/:id/review',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['matching'],
        summary: 'Confirm or reject a match flagged for review',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object(
          { decision: Type.Union([Type.Literal('confirm'), Type.Literal('reject')]) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ match: Type.Unknown() }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      return ctx.db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('conversions')
          .select(['match'])
          .where('tenant_id', '=', tenantId)
          .where('conversion_id', '=', request.params.id)
          .forUpdate()
          .executeTakeFirst();
        if (!row) throw notFound(`conversion ${request.params.id}`);
        const match = row.match as MatchResult | null;
        if (!match || (match.status === 'unmatched' && !match.session_id)) {
          throw new RastroError('validation_failed', 'this conversion has no match to review');
        }
        const by = `key:${request.auth?.keyId}`;
        const { decision } = request.body;
        const next: MatchResult = {
          ...match,
          status: decision === 'confirm' ? 'matched' : 'unmatched',
          reviewed: { decision, by, at: new Date().toISOString() },
        };
        await trx
          .updateTable('conversions')
          .set({ match: JSON.stringify(next) })
          .where('tenant_id', '=', tenantId)
          .where('conversion_id', '=', request.params.id)
          .execute();
        await appendLedger(trx, tenantId, {
          actor: by,
          entityType: 'conversion',
          entityId: request.params.id,
          type: `match.${decision === 'confirm' ? 'confirmed' : 'rejected'}`,
          data: { session_id: match.session_id, click_id: match.click_id, score: match.score, rule: match.rule },
        });
        return { match: next };
      });
    },
  );
};
