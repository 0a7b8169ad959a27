import type { RouteModule } from '../http/types.ts';
import { redirectRoutes } from '../links/redirect.ts';
import { snippetPublicRoutes } from '../snippet/routes.ts';

/** First-party ingest routes outside /api/v1: the browser snippet `/r.js` and redirect links `/go/:slug`. */
export const ingestPublicRoutes: RouteModule = (ctx) => async (app) => {
  await app.register(snippetPublicRoutes(ctx));
  await app.register(redirectRoutes(ctx));
};
