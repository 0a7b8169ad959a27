import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { RastroError } from '../core/errors.ts';
import { tenantOf } from '../http/auth.ts';
import { DECOMPRESSED_BODIES } from '../http/compression.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { findActiveKey, hashKey } from '../tenants/api-keys.ts';
import { createTrackCommitter, submitTrack } from './committer.ts';
import { originAllowed, settingsCache } from './settings.ts';
import { EVENT_NAME_PATTERN, TrackBatchInput, TrackOneInput } from './track-schema.ts';

const Accepted = Type.Object({ id: Type.String(), event_id: Type.String() });

const PREFLIGHT_MAX_AGE_S = 600;

/**
 * The track API: `POST /track/{event}` (one event) and `POST /track` (a batch of up to 500), with an
 * ingest key as `Authorization: Bearer` or `?key=` (navigator.sendBeacon cannot set headers). Each
 * request is answered 202 once its events, their deliveries and their sessions are committed — in a
 * transaction shared with concurrent requests (group commit).
 *
 * CORS per tenant: a browser request whose Origin is not in the tenant's allowed origins is refused
 * with 403 before anything is recorded. The snippet sends simple requests (text/plain, key in the
 * query) that need no preflight; a preflight with `?key=` is checked against the tenant, one without
 * a key cannot name its tenant and is answered permissively, since the request itself is checked.
 */
export const trackRoutes: RouteModule = (ctx) => async (app) => {
  const committer = createTrackCommitter(ctx);
  const settings = settingsCache(ctx);
  const keys = new LRUCache<string, { tenantId: string }>({ max: 10_000, ttl: 10_000 });
  app.addHook('onClose', async () => committer.close());

  const allowCors = (reply: FastifyReply, origin: string): void => {
    void reply.header('access-control-allow-origin', origin);
    void reply.header('vary', 'Origin');
  };

  // Callback style: server-to-server calls (no Origin) pass without a promise of their own.
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (!origin || request.method === 'OPTIONS' || !request.auth) return done();
    settings.get(request.auth.tenantId).then(({ allowed_origins }) => {
      if (!originAllowed(origin, allowed_origins)) {
        return done(
          new RastroError('forbidden', `origin ${origin} is not allowed to send events for this tenant`, {
            origin,
            hint: 'add it to allowed_origins with PATCH /api/v1/ingest/settings',
          }),
        );
      }
      allowCors(reply, origin);
      done();
    }, done);
  });

  const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (!origin) return reply.status(204).send();
    const key = (request.query as Record<string, unknown>).key;
    if (typeof key === 'string') {
      const hash = hashKey(key);
      let found = keys.get(hash);
      if (!found) {
        const identity = await findActiveKey(ctx.db, key);
        if (!identity) throw new RastroError('unauthorized', 'invalid or revoked API key');
        found = { tenantId: identity.tenantId };
        keys.set(hash, found);
      }
      const { allowed_origins } = await settings.get(found.tenantId);
      if (!originAllowed(origin, allowed_origins)) {
        throw new RastroError('forbidden', `origin ${origin} is not allowed to send events for this tenant`);
      }
    }
    allowCors(reply, origin);
    void reply.header('access-control-allow-methods', 'POST, OPTIONS');
    void reply.header(
      'access-control-allow-headers',
      request.headers['access-control-request-headers'] ?? 'authorization, content-type',
    );
    void reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
    return reply.status(204).send();
  };
  const preflightOptions = { config: { auth: 'public' as const }, schema: { hide: true } };
  app.options('/track', preflightOptions, preflight);
  app.options('/track/:event', preflightOptions, preflight);

  // PostgreSQL text and jsonb cannot hold NUL: refuse it here rather than fail the group's transaction.
  const refuseNul = (request: FastifyRequest): void => {
    const raw = request.rawBody;
    // An escape for NUL, not the text "\\u0000" behind an escaped backslash.
    if (raw?.includes('\\u0000') && /(?:^|[^\\])(?:\\\\)*\\u0000/.test(raw.toString('latin1'))) {
      throw new RastroError('validation_failed', 'body: strings must not contain NUL (\\u0000)', [
        { field: 'body', problem: 'strings must not contain NUL (\\u0000)' },
      ]);
    }
  };

  const edge = (request: FastifyRequest) => ({
    clientIp: request.ip,
    userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined,
  });

  app.post(
    '/track',
    {
      config: { auth: 'ingest' },
      compress: false,
      decompress: DECOMPRESSED_BODIES,
      schema: {
        tags: ['track'],
        summary: 'Track a batch of up to 500 events; 202 once they, their deliveries and sessions are committed',
        description:
          'Ingest key as Bearer or `?key=`. JSON, or text/plain JSON (navigator.sendBeacon). Client IP ' +
          '(X-Forwarded-For only from trusted proxies) and User-Agent are recorded when an event has none. ' +
          'A server may compress the body (`Content-Encoding: gzip`, `br` or `deflate`).',
        body: TrackBatchInput,
        response: { 202: Type.Object({ events: Type.Array(Accepted) }), ...errorResponses(400, 401, 403, 413) },
      },
    },
    async (request, reply) => {
      refuseNul(request);
      const accepted = await submitTrack(ctx, committer, {
        tenantId: tenantOf(request),
        inputs: request.body.events,
        ...edge(request),
        field: (i) => `body.events.${i}`,
      });
      return reply.status(202).send({ events: accepted.map((a) => ({ id: a.id, event_id: a.event_id })) });
    },
  );

  app.post(
    '/track/:event',
    {
      config: { auth: 'ingest' },
      compress: false,
      schema: {
        tags: ['track'],
        summary: 'Track one event (`page_view`, `lead`, `purchase`, `click`, or a custom name); 202 {event_id}',
        params: Type.Object({
          event: Type.String({ minLength: 1, maxLength: 100, pattern: EVENT_NAME_PATTERN }),
        }),
        body: TrackOneInput,
        response: { 202: Accepted, ...errorResponses(400, 401, 403, 413) },
      },
      preValidation: (request, _reply, done) => {
        if (request.body === undefined || request.body === null) request.body = {};
        done();
      },
    },
    async (request, reply) => {
      refuseNul(request);
      const [accepted] = await submitTrack(ctx, committer, {
        tenantId: tenantOf(request),
        inputs: [{ ...request.body, event_name: request.params.event }],
        ...edge(request),
        field: () => 'body',
      });
      return reply.status(202).send({ id: accepted!.id, event_id: accepted!.event_id });
    },
  );
};
