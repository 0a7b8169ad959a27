import { replayRoutes } from '../delivery/routes.ts';
import { destinationRoutes } from '../destinations/routes.ts';
import { eventRoutes } from '../events/routes.ts';
import type { RouteModule } from './types.ts';

/**
 * Capability route modules mounted under /api/v1, listed explicitly (no auto-discovery).
 * Adding a capability's routes is one line here.
 */
export const apiRouteModules: RouteModule[] = [destinationRoutes, eventRoutes, replayRoutes];
