import type { Selectable } from 'kysely';
import { compact } from '../core/compact.ts';
import type { ConversionsTable } from '../db/tables/conversions.ts';
import type { CanonicalEvent, ClickIds, Utm } from '../events/canonical.ts';
import type { ConversionProduct, GatewayTracking } from '../gateways/types.ts';
import type { HashedUser } from '../identity/types.ts';

export type ConversionRow = Selectable<ConversionsTable>;

/** What matching adds to a conversion's event (the matched click and session's identifiers). */
export interface Enrichment {
  click_ids?: ClickIds;
  utm?: Utm;
  client_ip?: string;
  user_agent?: string;
  source_url?: string;
  session_id?: string;
  external_id?: string[];
}

/**
 * The canonical event a conversion emits. Identifiers come from the buyer (hashed at the webhook
 * edge), the gateway's own tracking fields, and the matched click/session when there is one.
 * Without a browser user agent and page URL the event cannot be a Meta `website` event, so it is
 * sent as `system_generated`.
 */
export function conversionEvent(
  row: ConversionRow,
  eventName: string,
  eventId: string,
  enrichment: Enrichment = {},
): CanonicalEvent {
  const tracking = row.tracking as unknown as GatewayTracking;
  const buyer = row.buyer as HashedUser;
  const occurredMs = row.occurred_at.getTime();
  const fbc =
    enrichment.click_ids?.fbc ??
    tracking.fbc ??
    (tracking.fbclid ? `fb.1.${occurredMs}.${tracking.fbclid}` : undefined);
  const clientIp = enrichment.client_ip ?? tracking.client_ip;
  const userAgent = enrichment.user_agent ?? tracking.user_agent;
  const sourceUrl = enrichment.source_url ?? tracking.landing_url;
  const products = row.products as ConversionProduct[];
  const user: HashedUser = { ...buyer };
  if (enrichment.external_id?.length)
    user.external_id = [...new Set([...(buyer.external_id ?? []), ...enrichment.external_id])];
  return {
    event_id: eventId,
    event_name: eventName,
    event_time: Math.floor((row.approved_at ?? row.occurred_at).getTime() / 1000),
    action_source: userAgent && sourceUrl ? 'website' : 'system_generated',
    ...compact({ source_url: sourceUrl, referrer: tracking.referrer, client_ip: clientIp, user_agent: userAgent }),
    user,
    click_ids: compact({
      ...enrichment.click_ids,
      fbc,
      fbp: enrichment.click_ids?.fbp ?? tracking.fbp,
      fbclid: enrichment.click_ids?.fbclid ?? tracking.fbclid,
      gclid: enrichment.click_ids?.gclid ?? tracking.gclid,
      ttclid: enrichment.click_ids?.ttclid ?? tracking.ttclid,
    }),
    utm: compact({
      source: tracking.utm_source ?? enrichment.utm?.source,
      medium: tracking.utm_medium ?? enrichment.utm?.medium,
      campaign: tracking.utm_campaign ?? enrichment.utm?.campaign,
      content: tracking.utm_content ?? enrichment.utm?.content,
      term: tracking.utm_term ?? enrichment.utm?.term,
    }),
    custom_data: compact({
      value: Number(row.amount),
      currency: row.currency,
      order_id: row.order_id,
      contents: products.map((p) => compact({ id: p.id, quantity: p.quantity, item_price: p.price, title: p.name })),
    }),
    consent: { ads: true },
    ...(enrichment.session_id ? { session_id: enrichment.session_id } : {}),
    ...(row.is_test ? { test: true } : {}),
  };
}
