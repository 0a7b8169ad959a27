import { compact } from '../core/compact.ts';
import { RastroError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { hashUser } from '../identity/hash-user.ts';
import type { ActionSource, CanonicalEvent } from './canonical.ts';
import type { EventInput } from './input-schema.ts';
import { canonicalEventName } from './vocabulary.ts';

export interface EdgeContext {
  now: Date;
  /** Region used to complete phone numbers given without a country code. */
  defaultPhoneRegion?: string;
  /** Request IP and UA, used when the event does not carry its own (track API). */
  clientIp?: string;
  userAgent?: string;
}

const fbcFromFbclid = (fbclid: string, at: number): string => `fb.1.${at}.${fbclid}`;

/**
 * Input → canonical event, at the edge: hashes identifiers (clear values go no further),
 * fills defaults and derives `fbc` from a bare `fbclid`. `field` prefixes error paths.
 */
export function toCanonicalEvent(input: EventInput, edge: EdgeContext, field = 'body'): CanonicalEvent {
  let eventTime = Math.floor(edge.now.getTime() / 1000);
  if (typeof input.event_time === 'number') eventTime = input.event_time;
  else if (typeof input.event_time === 'string') {
    const ms = Date.parse(input.event_time);
    if (Number.isNaN(ms)) throw new RastroError('validation_failed', `${field}.event_time: is not a valid date`);
    eventTime = Math.floor(ms / 1000);
  }
  // Milliseconds sent by mistake are a common integration bug; refuse rather than send a far-future event.
  if (eventTime > 10_000_000_000) {
    throw new RastroError('validation_failed', `${field}.event_time: looks like milliseconds; send unix seconds`, [
      { field: `${field}.event_time`, problem: 'looks like milliseconds; send unix seconds' },
    ]);
  }
  const region = edge.defaultPhoneRegion;
  const user = hashUser(input.user ?? {}, region ? { defaultPhoneRegion: region } : {});
  const fbc = input.fbc ?? (input.fbclid ? fbcFromFbclid(input.fbclid, eventTime * 1000) : undefined);
  const contents = input.contents?.map((c) =>
    compact({ id: c.id, quantity: c.quantity, item_price: c.item_price ?? c.price, title: c.title }),
  );
  return {
    event_id: input.event_id ?? newId(),
    event_name: canonicalEventName(input.event_name),
    event_time: eventTime,
    action_source: (input.action_source as ActionSource | undefined) ?? 'website',
    ...compact({ source_url: input.url, referrer: input.referrer }),
    user,
    ...compact({ client_ip: input.ip ?? edge.clientIp, user_agent: input.user_agent ?? edge.userAgent }),
    click_ids: compact({
      fbc,
      fbp: input.fbp,
      fbclid: input.fbclid,
      gclid: input.gclid,
      gbraid: input.gbraid,
      wbraid: input.wbraid,
      ttclid: input.ttclid,
      ttp: input.ttp,
    }),
    utm: compact({
      source: input.utm_source,
      medium: input.utm_medium,
      campaign: input.utm_campaign,
      content: input.utm_content,
      term: input.utm_term,
    }),
    custom_data: compact({
      value: input.value,
      currency: input.currency?.toUpperCase(),
      contents,
      order_id: input.order_id,
      content_name: input.content_name,
      content_type: input.content_type,
      extra: input.custom,
    }),
    consent: compact({
      ads: input.consent?.ads ?? true,
      ldu: input.consent?.ldu,
      ldu_country: input.consent?.ldu_country,
      ldu_state: input.consent?.ldu_state,
    }),
    ...compact({ session_id: input.session_id }),
    ...(input.test ? { test: true } : {}),
  };
}
