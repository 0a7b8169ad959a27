/** The JSON shapes of a Conversions API request, as Rastro sends them. */

/** Hashed identifiers (arrays of SHA-256 hex) and the unhashed browser/network ones. */
export type MetaUserData = {
  em?: string[];
  ph?: string[];
  fn?: string[];
  ln?: string[];
  ct?: string[];
  st?: string[];
  zp?: string[];
  country?: string[];
  db?: string[];
  ge?: string[];
  external_id?: string[];
  client_ip_address?: string;
  client_user_agent?: string;
  fbc?: string;
  fbp?: string;
};

export type MetaContent = { id: string; quantity?: number; item_price?: number };

export type MetaCustomData = {
  value?: number;
  currency?: string;
  contents?: MetaContent[];
  content_ids?: string[];
  content_name?: string;
  content_type?: string;
  order_id?: string;
  [extra: string]: unknown;
};

/** One element of the request's `data` array. */
export type MetaServerEvent = {
  event_name: string;
  event_time: number;
  event_id: string;
  action_source: string;
  event_source_url?: string;
  referrer_url?: string;
  user_data: MetaUserData;
  custom_data?: MetaCustomData;
  data_processing_options: string[];
  data_processing_options_country?: number;
  data_processing_options_state?: number;
};

/** The request body POSTed to /{version}/{pixel_id}/events. */
export type MetaEventsRequest = {
  data: Record<string, unknown>[];
  access_token: string;
  test_event_code?: string;
  partner_agent: string;
};
