/** The Meta Conversions API destination. */
import type { DestinationDefinition } from '../types.ts';
import { META_CAPI_SECRET_FIELDS, MetaCapiConfigSchema, type MetaCapiConfig } from './config.ts';
import { mapMetaEvent } from './map.ts';
import { META_MAX_BATCH, sendMetaBatch } from './send.ts';
import { MAX_EVENT_AGE_SECONDS } from './validate.ts';

export type { MetaCapiConfig } from './config.ts';
export { MetaCapiConfigSchema } from './config.ts';
export { META_API_VERSION, PARTNER_AGENT } from './version.ts';

export const metaCapiDestination: DestinationDefinition<MetaCapiConfig> = {
  type: 'meta_capi',
  label: 'Meta Conversions API',
  configSchema: MetaCapiConfigSchema,
  secretFields: META_CAPI_SECRET_FIELDS,
  limits: {
    maxBatch: META_MAX_BATCH,
    defaultRatePerSecond: 1000,
    // physical_store events may be up to 62 days old; validate.ts checks that per event.
    maxEventAgeSeconds: MAX_EVENT_AGE_SECONDS,
  },
  acceptsTestEvents: (config) => Boolean(config.test_event_code),
  map: mapMetaEvent,
  send: sendMetaBatch,
};
