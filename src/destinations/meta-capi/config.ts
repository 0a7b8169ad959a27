/** Tenant-provided configuration of one Meta Conversions API destination. */
import { Type, type Static } from '@sinclair/typebox';
import { META_API_VERSION } from './version.ts';

export const MetaCapiConfigSchema = Type.Object(
  {
    /** Pixel (dataset) id: digits only. */
    pixel_id: Type.String({
      pattern: '^[0-9]{5,20}$',
      description: 'Meta Pixel / dataset id (digits).',
      errorMessage: 'must be the Pixel (dataset) ID from Events Manager: 5 to 20 digits',
    }),
    /** Conversions API access token (system user or Events Manager token). Secret. */
    access_token: Type.String({
      minLength: 10,
      description: 'Conversions API access token.',
      errorMessage: 'must be a Conversions API access token (Events Manager → Settings → Generate access token)',
    }),
    /** When set, every request carries it and Meta shows the events in Test Events only. */
    test_event_code: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Events Manager test event code (TEST12345).',
        errorMessage:
          "must be the code shown in Events Manager's Test Events tab (e.g. TEST12345), up to 64 characters",
      }),
    ),
    /**
     * ISO-3166 alpha-2 region used to read phones without a country code when this destination's events
     * are hashed at ingest (HashOptions.defaultPhoneRegion).
     */
    default_phone_region: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z]{2}$',
        description: 'Region for phones without country code (BR, US…).',
        errorMessage: 'must be a two-letter country code (BR, US…)',
      }),
    ),
    /** Graph API version, e.g. `v25.0`. */
    api_version: Type.Optional(
      Type.String({
        pattern: '^v[0-9]+\\.[0-9]+$',
        default: META_API_VERSION,
        description: 'Graph API version.',
        errorMessage: 'must be a Graph API version such as v25.0',
      }),
    ),
  },
  { additionalProperties: false },
);

export type MetaCapiConfig = Static<typeof MetaCapiConfigSchema>;

/** Config fields encrypted at rest and never returned in clear. */
export const META_CAPI_SECRET_FIELDS = ['access_token'] as const;

export const apiVersionOf = (config: MetaCapiConfig): string => config.api_version ?? META_API_VERSION;
