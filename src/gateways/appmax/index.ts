/**
 * Appmax: the webhook carries no signature. Rastro's own secret is part of the webhook URL and is
 * checked by the route before verify() runs, so verify() has nothing left to check.
 */
import type { GatewayDefinition } from '../types.ts';
import { APPMAX_EVENT_STATUS, mapAppmax } from './map.ts';

export const appmax: GatewayDefinition = {
  id: 'appmax',
  label: 'Appmax',
  auth: 'url_secret',
  eventTypes: Object.keys(APPMAX_EVENT_STATUS),
  verify() {
    return { ok: true };
  },
  parse: mapAppmax,
};
