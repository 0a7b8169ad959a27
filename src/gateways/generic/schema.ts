/**
 * Rastro's own documented webhook format, for checkouts and back-ends without a native connector.
 * Documented for integrators in ./README.md; this TypeBox schema is the source of truth.
 */
import { Type, type Static } from '@sinclair/typebox';

const OptionalText = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

export const GENERIC_STATUSES = ['pending', 'approved', 'refunded', 'chargeback', 'canceled', 'abandoned'] as const;
export const GENERIC_PAYMENT_METHODS = ['card', 'boleto', 'pix', 'paypal', 'wallet', 'bank_transfer', 'other'] as const;

export const GenericBuyerSchema = Type.Object(
  {
    email: OptionalText('E-mail in clear; Rastro normalizes and hashes it.'),
    phone: OptionalText('Phone with country code, e.g. +5511987654321.'),
    first_name: OptionalText('First name.'),
    last_name: OptionalText('Last name.'),
    city: OptionalText('City.'),
    state: OptionalText('State or province (code or name).'),
    zip: OptionalText('Postal code.'),
    country: OptionalText('ISO-3166 alpha-2 country code.'),
    document: OptionalText('National document (CPF/CNPJ…); used for identity matching only.'),
  },
  { description: 'Buyer identifiers in clear. They are hashed before anything is stored.' },
);

export const GenericProductSchema = Type.Object({
  id: Type.String({ minLength: 1, description: 'Product or SKU id.' }),
  name: OptionalText('Product name.'),
  quantity: Type.Integer({ minimum: 1, description: 'Units bought.' }),
  price: Type.Optional(Type.Number({ minimum: 0, description: 'Unit price in major units (197.9, not 19790).' })),
});

export const GenericTrackingSchema = Type.Object(
  {
    rastro_id: OptionalText('Rastro click/session id carried through checkout (the `rastro_id` parameter).'),
    utm_source: OptionalText('utm_source of the visit.'),
    utm_medium: OptionalText('utm_medium.'),
    utm_campaign: OptionalText('utm_campaign.'),
    utm_content: OptionalText('utm_content.'),
    utm_term: OptionalText('utm_term.'),
    fbclid: OptionalText('Meta click id.'),
    fbc: OptionalText('Meta `_fbc` cookie value (fb.1.<ms>.<fbclid>).'),
    fbp: OptionalText('Meta `_fbp` cookie value.'),
    gclid: OptionalText('Google click id.'),
    ttclid: OptionalText('TikTok click id.'),
    landing_url: OptionalText('Full URL of the landing page.'),
    referrer: OptionalText('Referrer of the landing page.'),
    client_ip: OptionalText('Buyer IP address at checkout.'),
    user_agent: OptionalText('Buyer browser user agent at checkout.'),
  },
  { description: 'Everything the checkout knows about the visit; used to match the sale to its click.' },
);

export const GenericWebhookSchema = Type.Object(
  {
    event_type: Type.String({ minLength: 1, description: 'Your own name for the event, e.g. `order.paid`.' }),
    notification_id: OptionalText('Unique id of this notification; retries of it must repeat it.'),
    order_id: Type.String({ minLength: 1, description: 'Your order id; every status of one order uses the same id.' }),
    status: Type.Union(
      GENERIC_STATUSES.map((status) => Type.Literal(status)),
      { description: 'pending (boleto/PIX issued) → approved → refunded | chargeback; canceled; abandoned.' },
    ),
    amount: Type.Number({ minimum: 0, description: 'Order total in major units (197.9, not 19790).' }),
    currency: Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO-4217 code, e.g. BRL.' }),
    occurred_at: Type.String({ minLength: 10, description: 'ISO-8601 time of the status change, with offset.' }),
    is_test: Type.Optional(Type.Boolean({ description: 'True for test sends; not delivered as real conversions.' })),
    payment_method: Type.Optional(
      Type.Union(
        GENERIC_PAYMENT_METHODS.map((method) => Type.Literal(method)),
        { description: 'How the buyer paid.' },
      ),
    ),
    is_renewal: Type.Optional(Type.Boolean({ description: 'A subscription renewal charge.' })),
    subscription_id: OptionalText('Subscription id, when the order belongs to one.'),
    buyer: GenericBuyerSchema,
    products: Type.Array(GenericProductSchema, { description: 'Items of the order (may be empty).' }),
    tracking: Type.Optional(GenericTrackingSchema),
  },
  { description: 'Rastro generic webhook body (`X-Rastro-Signature` signed).' },
);

export type GenericWebhook = Static<typeof GenericWebhookSchema>;
