/**
 * Traffic for the resilience scripts: a tenant with Meta destinations and gateway connections, and
 * a generator of realistic requests through the public HTTP API (track events, server events and
 * signed gateway webhooks) that records, for every logical request, which event_ids it should make
 * reach Meta and what Rastro answered to each attempt.
 *
 * A request that got no answer (connection refused or reset: the process was killed) is retried
 * with the same body and ids, as a browser beacon queue or a gateway would; a definite 4xx is final.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { conversionEventId } from '../../src/conversions/event-id.ts';
import { loadFixture } from '../../src/gateways/testing.ts';
import { signWebhook } from '../../src/gateways/sign.ts';
import { sleep } from './children.ts';

export const OPERATOR_TOKEN = 'resilience-operator-token-0123456789';
export const META_TOKEN = 'EAAresiliencetoken1234567890';
export const PIXELS = ['111111111111111', '222222222222222'];

const agent = new Agent({ connections: 256, keepAliveTimeout: 10_000, pipelining: 1 });

export interface HttpAnswer {
  status: number;
  body: unknown;
  ms: number;
}

/** One HTTP call; throws on a transport error (refused, reset, timeout). */
export async function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: { key?: string; body?: string | Buffer | object; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const started = performance.now();
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
    else {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const res = await request(url, {
    method,
    headers,
    body,
    dispatcher: agent,
    headersTimeout: options.timeoutMs ?? 20_000,
    bodyTimeout: options.timeoutMs ?? 20_000,
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.statusCode, body: parsed, ms: performance.now() - started };
}

/** Like `call`, but insists on `expected` (setup steps). */
export async function must(
  expected: number,
  ...args: Parameters<typeof call>
): Promise<Record<string, unknown> & { id?: string }> {
  const res = await call(...args);
  if (res.status !== expected) {
    throw new Error(`${args[0]} ${args[1]}: expected ${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body as Record<string, unknown>;
}

export interface Tenant {
  id: string;
  keys: { admin: string; ingest: string };
  destinations: string[];
  /** gateway -> { path (with ?rst= when the gateway needs it), secret } */
  connections: Record<string, { path: string; secret: string }>;
}

/**
 * A tenant with one Meta destination per pixel (high rate limit unless given, batch 500), a generic
 * and a Hotmart connection, and no matching grace (conversions emit at once).
 */
export async function setupTenant(
  apiUrl: string,
  options: { ratePerSecond?: number; batchSize?: number; pixels?: string[] } = {},
): Promise<Tenant> {
  const tenant = (await must(201, 'POST', `${apiUrl}/api/v1/tenants`, {
    key: OPERATOR_TOKEN,
    body: { name: `resilience-${randomBytes(3).toString('hex')}` },
  })) as unknown as { id: string; keys: { admin: string; ingest: string } };
  const admin = tenant.keys.admin;
  const destinations: string[] = [];
  for (const pixel of options.pixels ?? PIXELS) {
    const d = await must(201, 'POST', `${apiUrl}/api/v1/destinations`, {
      key: admin,
      body: {
        type: 'meta_capi',
        name: `pixel ${pixel}`,
        config: { pixel_id: pixel, access_token: META_TOKEN },
        rate_per_second: options.ratePerSecond ?? 100_000,
        batch_size: options.batchSize ?? 500,
      },
    });
    destinations.push(d.id as string);
  }
  await must(200, 'PUT', `${apiUrl}/api/v1/settings/matching`, { key: admin, body: { grace_seconds: 0 } });
  const connections: Tenant['connections'] = {};
  for (const gateway of ['generic', 'hotmart']) {
    const secret = `whsec_${randomBytes(12).toString('hex')}`;
    const c = await must(201, 'POST', `${apiUrl}/api/v1/gateway-connections`, {
      key: admin,
      body: { gateway, name: gateway, secret },
    });
    const url = new URL(c.webhook_url as string);
    connections[gateway] = { path: `${url.pathname}${url.search}`, secret };
  }
  return { id: tenant.id, keys: tenant.keys, destinations, connections };
}

export type ItemKind =
  | 'track_one'
  | 'track_batch'
  | 'events'
  | 'webhook_generic'
  | 'webhook_hotmart'
  | 'bad_track'
  | 'bad_events'
  | 'bad_signature';

/** One logical request, retried until it gets an answer. */
export interface Item {
  kind: ItemKind;
  /** event_ids it should make reach every destination (the good ones) or never (the bad ones). */
  ids: string[];
  /** Gateway order id (webhooks). */
  orderId?: string;
  /** Deliberately invalid: must be refused and leave no trace. */
  bad: boolean;
  acked: boolean;
  /** Every answer, in order. */
  statuses: number[];
  /** Attempts that got no answer (refused, reset, timed out). */
  errors: number;
  /** Answer time of the acknowledging attempt. */
  ackMs?: number;
}

const WEIGHTS: [ItemKind, number][] = [
  ['track_one', 30],
  ['track_batch', 20],
  ['events', 20],
  ['webhook_generic', 20],
  ['webhook_hotmart', 10],
  ['bad_track', 2],
  ['bad_events', 2],
  ['bad_signature', 2],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((a, [, w]) => a + w, 0);

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const SHOP = 'https://shop.example.com';

interface Prepared {
  item: Item;
  /** Builds the request of one attempt (webhooks are signed again at each attempt, as gateways do). */
  build(): { method: 'POST'; path: string; key?: string; body: string | Buffer; headers: Record<string, string> };
}

export interface TrafficOptions {
  /** Base URLs of the API processes; requests are spread over them. */
  apiUrls: () => string[];
  tenant: Tenant;
  /** Events per second offered (good event_ids); 0 = as fast as `concurrency` allows. */
  rate: number;
  concurrency: number;
  /** Stop after this many good event_ids were generated (and once `until` says so, when given). */
  totalEvents: number;
  until?: () => boolean;
  /** Called after each item settles, with the running count of generated good events. */
  onProgress?: (generated: number) => void;
  /** Gives up on an item after this long without an answer (it stays "unknown"). */
  giveUpMs?: number;
}

export class Traffic {
  readonly items: Item[] = [];
  generated = 0;
  requests = 0;
  /** Acknowledged requests per API base URL. */
  readonly ackedPerUrl: Record<string, number> = {};
  private seq = 0;
  private readonly run = randomBytes(3).toString('hex');
  private nextSlot = performance.now();
  private rr = 0;

  constructor(private readonly options: TrafficOptions) {}

  private nextId(prefix: string): string {
    return `${prefix}-${this.run}-${++this.seq}`;
  }

  private pickKind(): ItemKind {
    let r = Math.random() * TOTAL_WEIGHT;
    for (const [kind, w] of WEIGHTS) {
      r -= w;
      if (r < 0) return kind;
    }
    return 'track_one';
  }

  private trackEvent(name: string, n: number): Record<string, unknown> {
    const id = this.nextId('t');
    return {
      event_name: name,
      event_id: id,
      url: `${SHOP}/p/${n}`,
      user: { email: `buyer${n}@example.com`, external_id: `cust-${n}` },
      ...(name === 'purchase' ? { value: 97, currency: 'BRL' } : {}),
    };
  }

  private prepare(kind: ItemKind): Prepared {
    const { tenant } = this.options;
    const item: Item = { kind, ids: [], bad: kind.startsWith('bad_'), acked: false, statuses: [], errors: 0 };
    const n = this.seq;
    const ingest = { 'user-agent': UA, 'content-type': 'application/json' };
    switch (kind) {
      case 'track_one': {
        const name = Math.random() < 0.5 ? 'purchase' : 'lead';
        const { event_name: _name, ...event } = this.trackEvent(name, n);
        item.ids.push(event.event_id as string);
        const body = JSON.stringify(event);
        return {
          item,
          build: () => ({
            method: 'POST',
            path: `/api/v1/track/${name}`,
            key: tenant.keys.ingest,
            body,
            headers: ingest,
          }),
        };
      }
      case 'track_batch':
      case 'bad_track': {
        const events = Array.from({ length: 5 }, (_, i) => this.trackEvent(i % 2 ? 'page_view' : 'purchase', n + i));
        // Passes the schema, fails canonicalization inside the group commit: the whole request is refused.
        if (kind === 'bad_track') events.push({ ...this.trackEvent('lead', n), event_time: Date.now() });
        item.ids.push(...events.map((e) => e.event_id as string));
        const body = JSON.stringify({ events });
        return {
          item,
          build: () => ({ method: 'POST', path: '/api/v1/track', key: tenant.keys.ingest, body, headers: ingest }),
        };
      }
      case 'events':
      case 'bad_events': {
        const events: Record<string, unknown>[] = Array.from({ length: 5 }, (_, i) => ({
          event_name: 'purchase',
          event_id: this.nextId('e'),
          url: `${SHOP}/obrigado`,
          user_agent: UA,
          ip: '203.0.113.7',
          user: { email: `server${n + i}@example.com`, phone: '+5511987654321' },
          value: 197,
          currency: 'BRL',
          order_id: `srv-${n + i}`,
        }));
        if (kind === 'bad_events') events.push({ ...events[0], event_id: this.nextId('e'), currency: 'REAIS' });
        item.ids.push(...events.map((e) => e.event_id as string));
        const body = JSON.stringify({ events });
        return {
          item,
          build: () => ({
            method: 'POST',
            path: '/api/v1/events',
            key: tenant.keys.admin,
            body,
            headers: { 'content-type': 'application/json' },
          }),
        };
      }
      case 'webhook_generic':
      case 'bad_signature': {
        const orderId = this.nextId('PED');
        item.orderId = orderId;
        item.ids.push(conversionEventId(tenant.id, orderId, 'purchase'));
        const payload = JSON.stringify({
          event_type: 'order.paid',
          notification_id: `ntf-${orderId}`,
          order_id: orderId,
          status: 'approved',
          amount: 349.9,
          currency: 'BRL',
          occurred_at: new Date().toISOString(),
          payment_method: 'card',
          buyer: { email: `gw${n}@example.com`, phone: '+5511976543210', first_name: 'Helena', country: 'BR' },
          products: [{ id: 'SKU-1', name: 'Luminária', quantity: 1, price: 349.9 }],
          tracking: { landing_url: `${SHOP}/lp`, user_agent: UA, client_ip: '201.17.42.9' },
        });
        const connection = tenant.connections.generic!;
        const secret = kind === 'bad_signature' ? `${connection.secret}-wrong` : connection.secret;
        return {
          item,
          build: () => {
            const signed = signWebhook('generic', payload, secret);
            return {
              method: 'POST',
              path: connection.path,
              body: signed.rawBody,
              headers: stringHeaders(signed.headers),
            };
          },
        };
      }
      case 'webhook_hotmart': {
        const orderId = this.nextId('HP');
        item.orderId = orderId;
        item.ids.push(conversionEventId(tenant.id, orderId, 'purchase'));
        const fixture = loadFixture('hotmart', 'purchase-approved-card.json');
        const now = Date.now();
        const data = fixture.data as Record<string, Record<string, unknown>>;
        fixture.id = `hm-${orderId}`;
        fixture.creation_date = now;
        data.purchase = { ...data.purchase, transaction: orderId, approved_date: now, order_date: now - 60_000 };
        data.buyer = { ...data.buyer, email: `hm${n}@example.com` };
        const connection = tenant.connections.hotmart!;
        const signed = signWebhook('hotmart', fixture, connection.secret);
        return {
          item,
          build: () => ({
            method: 'POST',
            path: connection.path,
            body: signed.rawBody,
            headers: stringHeaders(signed.headers),
          }),
        };
      }
    }
  }

  /** Waits for the rate gate: each item books `events / rate` seconds of the schedule. */
  private async gate(events: number): Promise<void> {
    if (this.options.rate <= 0) return;
    const now = performance.now();
    const slot = Math.max(this.nextSlot, now);
    this.nextSlot = slot + (events * 1000) / this.options.rate;
    if (slot > now) await sleep(slot - now);
  }

  private baseUrl(): string {
    const urls = this.options.apiUrls();
    return urls[this.rr++ % urls.length]!;
  }

  /** Sends one item until it gets an answer: 2xx or 4xx are final; no answer, 429 and 5xx are retried. */
  private async send(prepared: Prepared): Promise<void> {
    const { item } = prepared;
    const giveUpAt = Date.now() + (this.options.giveUpMs ?? 180_000);
    let backoff = 100;
    for (;;) {
      const req = prepared.build();
      this.requests += 1;
      const base = this.baseUrl();
      try {
        const res = await call(req.method, `${base}${req.path}`, {
          key: req.key,
          body: req.body,
          headers: req.headers,
        });
        item.statuses.push(res.status);
        if (res.status >= 200 && res.status < 300) {
          item.acked = true;
          item.ackMs = res.ms;
          this.ackedPerUrl[base] = (this.ackedPerUrl[base] ?? 0) + 1;
          return;
        }
        if (res.status < 500 && res.status !== 429 && res.status !== 408) return;
      } catch {
        item.errors += 1;
      }
      if (Date.now() > giveUpAt) return;
      await sleep(backoff * (0.5 + Math.random()));
      backoff = Math.min(1_000, backoff * 2);
    }
  }

  async runAll(): Promise<void> {
    const worker = async () => {
      while (this.generated < this.options.totalEvents || (this.options.until && !this.options.until())) {
        const prepared = this.prepare(this.pickKind());
        this.items.push(prepared.item);
        if (!prepared.item.bad) this.generated += prepared.item.ids.length;
        await this.gate(prepared.item.ids.length);
        await this.send(prepared);
        this.options.onProgress?.(this.generated);
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
  }
}

function stringHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined));
}
