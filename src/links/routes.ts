import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { tenantOf } from '../http/auth.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import {
  clickCounts,
  createLink,
  deleteLink,
  getLink,
  linkCache,
  listLinks,
  PARAM,
  SLUG,
  updateLink,
  type LinkRow,
} from './store.ts';

const Utm = Type.Object(
  {
    source: Type.Optional(Type.String({ maxLength: 500 })),
    medium: Type.Optional(Type.String({ maxLength: 500 })),
    campaign: Type.Optional(Type.String({ maxLength: 500 })),
    content: Type.Optional(Type.String({ maxLength: 500 })),
    term: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const fields = {
  slug: Type.String({
    pattern: SLUG,
    description: 'The link is `/go/<slug>`; unique across Rastro',
    errorMessage: 'must be 1 to 100 letters, digits, "-" or "_", starting with a letter or digit',
  }),
  target_url: Type.String({ minLength: 1, maxLength: 4096 }),
  utm: Type.Optional(Utm),
  click_id_param: Type.Optional(
    Type.String({
      pattern: PARAM,
      description:
        'Target parameter that carries the click id: `sck`/`xcod` (Hotmart), `sck`/`s1` (Kiwify), ' +
        '`client_reference_id` (Stripe Payment Links); default `rclid`',
    }),
  ),
};

const LinkView = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  url: Type.String(),
  target_url: Type.String(),
  utm: Utm,
  click_id_param: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  clicks: Type.Optional(Type.Object({ human: Type.Integer(), bot: Type.Integer() })),
});

/** Redirect links CRUD under `/api/v1/links` (admin keys); visits go to the public `/go/:slug`. */
export const linkRoutes: RouteModule = (ctx) => async (app) => {
  const cache = linkCache(ctx);
  const base = (request: FastifyRequest) =>
    (ctx.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
  const view = (request: FastifyRequest, r: LinkRow) => ({
    id: r.link_id,
    slug: r.slug,
    url: `${base(request)}/go/${r.slug}`,
    target_url: r.target_url,
    utm: r.utm,
    click_id_param: r.click_id_param,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  });
  const actor = (request: FastifyRequest) => `key:${request.auth?.keyId}`;
  const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

  app.post(
    '/links',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['links'],
        summary: 'Create a redirect link `/go/<slug>` that records each click and forwards to the target',
        body: Type.Object(fields, { additionalProperties: false }),
        response: { 201: LinkView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const row = await createLink(ctx.db, tenantOf(request), request.body, actor(request));
      cache.forget(row.slug);
      return reply.status(201).send(view(request, row));
    },
  );

  app.get(
    '/links',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['links'],
        summary: 'Redirect links, newest first (or the one with a slug)',
        querystring: Type.Object({
          slug: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(Type.String({ format: 'uuid' })),
        }),
        response: {
          200: Type.Object({ items: Type.Array(LinkView), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const page = await listLinks(
        ctx.db,
        tenantOf(request),
        request.query.limit,
        request.query.cursor,
        request.query.slug,
      );
      return { items: page.rows.map((r) => view(request, r)), next_cursor: page.next };
    },
  );

  app.get(
    '/links/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['links'],
        summary: 'One link with its click counts (humans and bots)',
        params: idParams,
        response: { 200: LinkView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      const row = await getLink(ctx.db, tenantId, request.params.id);
      return { ...view(request, row), clicks: await clickCounts(ctx.db, tenantId, row.link_id) };
    },
  );

  app.patch(
    '/links/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['links'],
        summary: 'Change a link (slug, target, UTMs, click id parameter)',
        params: idParams,
        body: Type.Partial(Type.Object(fields), { additionalProperties: false }),
        response: { 200: LinkView, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { before, after } = await updateLink(
        ctx.db,
        tenantOf(request),
        request.params.id,
        request.body,
        actor(request),
      );
      cache.forget(before.slug);
      cache.forget(after.slug);
      return view(request, after);
    },
  );

  app.delete(
    '/links/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['links'],
        summary: 'Delete a link (its clicks are kept)',
        params: idParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const slug = await deleteLink(ctx.db, tenantOf(request), request.params.id, actor(request));
      cache.forget(slug);
      return reply.status(204).send(null);
    },
  );
};
