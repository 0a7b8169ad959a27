/**
 * Realistic demo traffic for a Brazilian online shop: visitors with cookies and click ids, a funnel
 * from page views to purchases, and the usual imperfections (duplicates, denied consent, a purchase
 * without currency). Produces public-API event bodies (`POST /api/v1/events`); deterministic per seed.
 */
import { conversionEventId } from '../conversions/event-id.ts';

export type Random = () => number;

/** A small seeded generator (mulberry32) so a demo run can be reproduced. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Ana',
  'Bruno',
  'Carla',
  'Diego',
  'Elisa',
  'Felipe',
  'Gabriela',
  'Hugo',
  'Isabela',
  'João',
  'Larissa',
  'Marcos',
];
const LAST = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Lima', 'Pereira', 'Costa', 'Almeida', 'Ferreira', 'Rocha'];
const CITIES = [
  ['São Paulo', 'SP', '01310-100'],
  ['Rio de Janeiro', 'RJ', '20040-002'],
  ['Belo Horizonte', 'MG', '30130-010'],
  ['Curitiba', 'PR', '80010-000'],
  ['Porto Alegre', 'RS', '90010-150'],
  ['Recife', 'PE', '50030-230'],
] as const;
const AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
];
const PRODUCTS = [
  { id: 'curso-trafego', title: 'Curso de Tráfego Pago', price: 497 },
  { id: 'mentoria-ads', title: 'Mentoria Ads 90 dias', price: 1997 },
  { id: 'ebook-capi', title: 'E-book Conversions API', price: 47 },
  { id: 'templates', title: 'Pack de Criativos', price: 97 },
];
const PAGES = ['/', '/blog/capi-na-pratica', '/cursos', '/sobre', '/blog/atribuicao-pos-ios14'];
const CAMPAIGNS = ['black-friday', 'remarketing-7d', 'lookalike-compradores', 'lancamento-marco'];

export interface Visitor {
  email: string;
  phone: string;
  first: string;
  last: string;
  city: readonly [string, string, string];
  externalId: string;
  fbp: string;
  fbc?: string;
  ip: string;
  ua: string;
  campaign?: string;
}

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const digits = (random: Random, n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

export function newVisitor(random: Random, nowMs: number): Visitor {
  const first = pick(random, FIRST);
  const last = pick(random, LAST);
  const clicked = random() < 0.45;
  return {
    email: `${first}.${last}${digits(random, 3)}@example.com`
      .toLowerCase()
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, ''),
    phone: `+55 11 9${digits(random, 4)}-${digits(random, 4)}`,
    first,
    last,
    city: pick(random, CITIES),
    externalId: `cus_${digits(random, 8)}`,
    fbp: `fb.1.${nowMs - Math.floor(random() * 30 * 86_400_000)}.${digits(random, 10)}`,
    ...(clicked ? { fbc: `fb.1.${nowMs - Math.floor(random() * 3_600_000)}.IwAR${digits(random, 12)}demo` } : {}),
    ip: `${random() < 0.5 ? '203.0.113' : '198.51.100'}.${1 + Math.floor(random() * 250)}`,
    ua: pick(random, AGENTS),
    ...(clicked ? { campaign: pick(random, CAMPAIGNS) } : {}),
  };
}

export type DemoEvent = Record<string, unknown>;

const browser = (v: Visitor, path: string): DemoEvent => ({
  action_source: 'website',
  url: `https://loja.example.com${path}`,
  ip: v.ip,
  user_agent: v.ua,
  fbp: v.fbp,
  ...(v.fbc ? { fbc: v.fbc } : {}),
  ...(v.campaign ? { utm_source: 'facebook', utm_medium: 'paid', utm_campaign: v.campaign } : {}),
});

/** One step of a visitor's journey; purchases carry everything a checkout knows. */
export function journeyEvent(random: Random, v: Visitor, nowMs: number, seq: number, tenantId: string): DemoEvent {
  const roll = random();
  const product = pick(random, PRODUCTS);
  const id = (name: string) => `demo-${name}-${nowMs.toString(36)}-${seq}`;
  if (roll < 0.55) return { event_name: 'page_view', event_id: id('pv'), ...browser(v, pick(random, PAGES)) };
  if (roll < 0.75) {
    return {
      event_name: 'view_content',
      event_id: id('vc'),
      ...browser(v, `/cursos/${product.id}`),
      content_name: product.title,
      contents: [{ id: product.id, quantity: 1, item_price: product.price }],
      value: product.price,
      currency: 'BRL',
    };
  }
  if (roll < 0.85) {
    return {
      event_name: 'lead',
      event_id: id('lead'),
      ...browser(v, '/obrigado-inscricao'),
      user: { email: v.email, ...(random() < 0.5 ? { first_name: v.first } : {}) },
    };
  }
  if (roll < 0.93) {
    return {
      event_name: 'initiate_checkout',
      event_id: id('ic'),
      ...browser(v, `/checkout/${product.id}`),
      user: { email: v.email, phone: v.phone },
      value: product.price,
      currency: 'BRL',
      contents: [{ id: product.id, quantity: 1, item_price: product.price }],
    };
  }
  return purchase(v, product, id('order'), tenantId);
}

/**
 * A thank-you page's purchase. Its event_id is the one the gateway's webhook of the same order gets
 * (src/conversions/event-id.ts), as the docs tell a thank-you page to do: whichever copy comes
 * second is deduplicated, by Rastro and by the platform.
 */
export function purchase(v: Visitor, product: (typeof PRODUCTS)[number], orderId: string, tenantId: string): DemoEvent {
  return {
    event_name: 'purchase',
    event_id: conversionEventId(tenantId, orderId, 'purchase'),
    ...browser(v, '/obrigado'),
    user: {
      email: v.email,
      phone: v.phone,
      first_name: v.first,
      last_name: v.last,
      city: v.city[0],
      state: v.city[1],
      zip: v.city[2],
      country: 'BR',
      external_id: v.externalId,
    },
    value: product.price,
    currency: 'BRL',
    order_id: orderId,
    contents: [{ id: product.id, quantity: 1, item_price: product.price }],
  };
}

/**
 * The next request body of the live generator: 1–3 events from known or new visitors, with a
 * duplicate purchase now and then (same event_id: deduplicated), denied consent (stored, skipped)
 * and, rarely, a purchase without currency (refused by the Meta mapping: failed).
 */
export class TrafficGenerator {
  private readonly visitors: Visitor[] = [];
  private readonly recentPurchases: DemoEvent[] = [];
  private seq = 0;

  constructor(
    private readonly random: Random,
    private readonly tenantId: string,
  ) {}

  batch(nowMs = Date.now()): DemoEvent[] {
    const r = this.random;
    const events: DemoEvent[] = [];
    const size = 1 + Math.floor(r() * 3);
    for (let i = 0; i < size; i++) {
      if (this.visitors.length < 5 || r() < 0.3) this.visitors.push(newVisitor(r, nowMs));
      if (this.visitors.length > 200) this.visitors.shift();
      const visitor = pick(r, this.visitors);
      let event = journeyEvent(r, visitor, nowMs, this.seq++, this.tenantId);
      const roll = r();
      if (roll < 0.04 && this.recentPurchases.length > 0) event = pick(r, this.recentPurchases);
      else if (roll < 0.06) event = { ...event, consent: { ads: false } };
      else if (roll < 0.07 && event.event_name === 'purchase') event = { ...event, currency: undefined };
      // Repeats (sent again later, directly or as the gateway's webhook) are of purchases the buyer
      // consented to: the webhook carries no consent, and a denial must not be undone by it.
      if (
        event.event_name === 'purchase' &&
        event.currency &&
        (event.consent as { ads?: boolean } | undefined)?.ads !== false
      ) {
        this.recentPurchases.push(event);
        if (this.recentPurchases.length > 20) this.recentPurchases.shift();
      }
      events.push(JSON.parse(JSON.stringify(event)) as DemoEvent);
    }
    return events;
  }
}

/**
 * The same purchase as a gateway would report it, in Rastro's generic webhook format
 * (src/gateways/generic/README.md): buyer in clear, tracking data the checkout kept (with the
 * visitor's Rastro click id when the visit came through a redirect link).
 */
export function toGenericWebhook(event: DemoEvent, random: Random, rastroId?: string): Record<string, unknown> {
  const user = (event.user ?? {}) as Record<string, string>;
  const contents = (event.contents ?? []) as { id: string; quantity: number; item_price: number }[];
  return {
    event_type: 'order.paid',
    notification_id: `ntf-${String(event.order_id)}`,
    order_id: event.order_id,
    status: 'approved',
    amount: event.value,
    currency: event.currency,
    occurred_at: new Date().toISOString(),
    payment_method: random() < 0.5 ? 'pix' : 'card',
    buyer: {
      email: user.email,
      phone: user.phone,
      first_name: user.first_name,
      last_name: user.last_name,
      city: user.city,
      state: user.state,
      zip: user.zip,
      country: user.country,
    },
    products: contents.map((c) => ({ id: c.id, name: c.id, quantity: c.quantity, price: c.item_price })),
    tracking: {
      // The click id the demo's /go link appended to the checkout URL, passed through by the checkout.
      ...(rastroId ? { rastro_id: rastroId } : {}),
      fbp: event.fbp,
      ...(event.fbc ? { fbc: event.fbc } : {}),
      client_ip: event.ip,
      user_agent: event.user_agent,
      landing_url: event.url,
      ...(event.utm_campaign
        ? { utm_source: event.utm_source, utm_medium: event.utm_medium, utm_campaign: event.utm_campaign }
        : {}),
    },
  };
}
