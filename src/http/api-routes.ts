import { conversionRoutes } from '../conversions/routes.ts';
import { replayRoutes } from '../delivery/routes.ts';
import { destinationRoutes } from '../destinations/routes.ts';
import { eventRoutes } from '../events/routes.ts';
import { trackRoutes } from '../ingest/routes.ts';
import { ingestSettingsRoutes } from '../ingest/settings-routes.ts';
import { linkRoutes } from '../links/routes.ts';
import { sessionRoutes } from '../sessions/routes.ts';
import { snippetRoutes } from '../snippet/routes.ts';
import { matchingRoutes } from '../matching/routes.ts';
import { qualityRoutes } from '../quality/routes.ts';
import type { RouteModule } from './types.ts';
import { connectionRoutes } from '../webhooks/connection-routes.ts';
import { webhookRoutes } from '../webhooks/receive.ts';

/**
 * Capability route modules mounted under /api/v1, listed explicitly (no auto-discovery).
 * Adding a capability's routes is one line here.
 */
export const apiRouteModules: RouteModule[] = [
  destinationRoutes,
  eventRoutes,
  replayRoutes,
  qualityRoutes,
  connectionRoutes,
  webhookRoutes,
  conversionRoutes,
  matchingRoutes,
];
apiRouteModules.push(trackRoutes, ingestSettingsRoutes, linkRoutes, sessionRoutes, snippetRoutes);
