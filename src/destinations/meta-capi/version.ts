/** Graph API version Rastro targets for the Conversions API (overridable per destination via `api_version`). */
export const META_API_VERSION = 'v25.0';

/** Sent as `partner_agent` on every request so Meta can attribute the integration. */
export const PARTNER_AGENT = 'rastro-0.1.0';
