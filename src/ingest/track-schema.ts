import { Type, type Static } from '@sinclair/typebox';
import { EventInput } from '../events/input-schema.ts';

/**
 * The track API's event: the fields of `POST /api/v1/events` plus first-party extras the browser
 * snippet keeps in cookies. The extras feed sessions only; they are not part of the canonical event.
 */
const Str = (max: number) => Type.String({ maxLength: max });

export const TouchInput = Type.Object(
  {
    at: Type.Integer({ minimum: 0, description: 'unix seconds of the landing' }),
    utm_source: Type.Optional(Str(500)),
    utm_medium: Type.Optional(Str(500)),
    utm_campaign: Type.Optional(Str(500)),
    utm_content: Type.Optional(Str(500)),
    utm_term: Type.Optional(Str(500)),
    fbclid: Type.Optional(Str(500)),
    gclid: Type.Optional(Str(500)),
    ttclid: Type.Optional(Str(500)),
    click_id: Type.Optional(Str(64)),
    landing_url: Type.Optional(Str(4096)),
    referrer: Type.Optional(Str(4096)),
  },
  { additionalProperties: false, description: 'A landing: its UTMs and click ids' },
);

const extras = {
  click_id: Type.Optional(
    Type.String({ maxLength: 64, description: 'Rastro click id (from a /go/:slug link) that brought the visitor' }),
  ),
  first_touch: Type.Optional(TouchInput),
  last_touch: Type.Optional(TouchInput),
};

export const TrackEventInput = Type.Object({ ...EventInput.properties, ...extras }, { additionalProperties: false });
export type TrackEventInput = Static<typeof TrackEventInput>;

const { event_name: _name, ...withoutName } = EventInput.properties;

/** `POST /track/{event}`: the name is in the path. */
export const TrackOneInput = Type.Object({ ...withoutName, ...extras }, { additionalProperties: false });
export type TrackOneInput = Static<typeof TrackOneInput>;

export const MAX_TRACK_BATCH = 500;

export const TrackBatchInput = Type.Object(
  { events: Type.Array(TrackEventInput, { minItems: 1, maxItems: MAX_TRACK_BATCH }) },
  { additionalProperties: false },
);

export const EVENT_NAME_PATTERN = EventInput.properties.event_name.pattern as string;
