import { Type, type Static } from '@sinclair/typebox';
import { ACTION_SOURCES } from './canonical.ts';

/**
 * The public event shape shared by `POST /api/v1/events` (server to server) and the track API.
 * Identifiers in `user` may be clear or already SHA-256 hashed; they are hashed at the edge.
 */
const Str = (max: number, description?: string) =>
  Type.String({ maxLength: max, ...(description ? { description } : {}) });
const OneOrMany = (max: number) => Type.Union([Str(max), Type.Array(Str(max), { maxItems: 10 })]);

export const UserInput = Type.Object(
  {
    email: Type.Optional(OneOrMany(320)),
    phone: Type.Optional(OneOrMany(64)),
    first_name: Type.Optional(OneOrMany(200)),
    last_name: Type.Optional(OneOrMany(200)),
    city: Type.Optional(OneOrMany(200)),
    state: Type.Optional(OneOrMany(100)),
    zip: Type.Optional(OneOrMany(32)),
    country: Type.Optional(OneOrMany(64)),
    date_of_birth: Type.Optional(OneOrMany(32)),
    gender: Type.Optional(OneOrMany(16)),
    external_id: Type.Optional(OneOrMany(256)),
    document: Type.Optional(OneOrMany(64)),
  },
  { additionalProperties: false },
);

export const ContentInput = Type.Object(
  {
    id: Str(200),
    quantity: Type.Optional(Type.Number({ minimum: 0 })),
    price: Type.Optional(Type.Number({ minimum: 0 })),
    item_price: Type.Optional(Type.Number({ minimum: 0 })),
    title: Type.Optional(Str(500)),
  },
  { additionalProperties: false },
);

export const EventInput = Type.Object(
  {
    event_name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_ .:-]+$' }),
    event_time: Type.Optional(
      Type.Union([
        Type.Integer({ minimum: 0, description: 'unix seconds' }),
        Type.String({ format: 'date-time', description: 'ISO-8601' }),
      ]),
    ),
    event_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action_source: Type.Optional(Type.Union(ACTION_SOURCES.map((s) => Type.Literal(s)))),
    url: Type.Optional(Str(4096)),
    referrer: Type.Optional(Str(4096)),
    user: Type.Optional(UserInput),
    ip: Type.Optional(Type.String({ anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } as never)),
    user_agent: Type.Optional(Str(1024)),
    fbclid: Type.Optional(Str(500)),
    fbc: Type.Optional(Type.String({ maxLength: 600, pattern: '^fb\\.[0-9]+\\.[0-9]+\\..+$' })),
    fbp: Type.Optional(Type.String({ maxLength: 200, pattern: '^fb\\.[0-9]+\\.[0-9]+\\..+$' })),
    gclid: Type.Optional(Str(500)),
    gbraid: Type.Optional(Str(500)),
    wbraid: Type.Optional(Str(500)),
    ttclid: Type.Optional(Str(500)),
    ttp: Type.Optional(Str(200)),
    utm_source: Type.Optional(Str(500)),
    utm_medium: Type.Optional(Str(500)),
    utm_campaign: Type.Optional(Str(500)),
    utm_content: Type.Optional(Str(500)),
    utm_term: Type.Optional(Str(500)),
    value: Type.Optional(Type.Number({ minimum: 0 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$' })),
    contents: Type.Optional(Type.Array(ContentInput, { maxItems: 200 })),
    order_id: Type.Optional(Str(200)),
    content_name: Type.Optional(Str(500)),
    content_type: Type.Optional(Str(100)),
    custom: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 50 })),
    session_id: Type.Optional(Str(200)),
    consent: Type.Optional(
      Type.Object(
        {
          ads: Type.Boolean(),
          ldu: Type.Optional(Type.Boolean()),
          ldu_country: Type.Optional(Type.Integer({ minimum: 0 })),
          ldu_state: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    test: Type.Optional(Type.Boolean({ description: 'Test traffic: sent only with a destination test event code' })),
  },
  { additionalProperties: false },
);
export type EventInput = Static<typeof EventInput>;
