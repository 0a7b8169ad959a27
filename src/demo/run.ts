import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryPolicy } from '../delivery/policy.ts';
import { startMetaEmulator, type MetaEmulator } from '../emulators/meta/server.ts';
import type { Rastro } from '../runtime/start.ts';
import { signGeneric } from '../gateways/sign.ts';
import { seedHistory } from './history.ts';
import { seeded, toGenericWebhook, TrafficGenerator, type DemoEvent } from './traffic.ts';

export const DEMO_PIXEL = '1234567890123';
const DEMO_TOKEN = 'EAAdemoRastroAccessToken0001';

export interface DemoOptions {
  /** Days of past traffic written for the charts (0: none). */
  historyDays?: number;
  /** Pause between two live requests. */
  intervalMs?: number;
  seed?: number;
}

export interface DemoInfo {
  url: string;
  tenantId: string;
  adminKey: string;
  emulatorUrl: string;
  reused: boolean;
  /** Days of history being written in the background (0 when continuing a demo). */
  historyDays: number;
}

/** The demo's redirect link: ad clicks go through it to the checkout, which passes its click id back. */
export const DEMO_LINK_SLUG = 'demo-oferta';

interface Saved {
  tenant_id: string;
  admin_key: string;
  /** A generic gateway connection, when this server receives gateway webhooks. */
  webhook?: { url: string; secret: string };
}

/** Retries fast and gives up after three attempts, so dead letters and replays show within a minute. */
export const DEMO_POLICY: Partial<DeliveryPolicy> = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 4_000,
  throttlePauseMs: 2_000,
  breakerOpenMs: 2_000,
  breakerMaxOpenMs: 10_000,
};

/**
 * `rastro serve --demo`: a Meta emulator in this process, a demo tenant with a Meta destination
 * pointing at it, a few days of history for the charts, and live traffic through the public API
 * (`POST /api/v1/events`) with the emulator failing now and then (outages leave dead letters,
 * throttling shows retries). The tenant and its admin key are kept in `<data dir>/demo.json`, so a
 * restart continues the same demo.
 */
export class Demo {
  private emulator: MetaEmulator | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private history: Promise<unknown> | undefined;
  private readonly options: Required<DemoOptions>;

  constructor(options: DemoOptions = {}) {
    this.options = { historyDays: 2, intervalMs: 2_000, seed: Date.now() % 100_000, ...options };
  }

  /** Starts the emulator and points Rastro's configuration at it; call before loading the config. */
  async prepare(env: Record<string, string | undefined>): Promise<void> {
    this.emulator = await startMetaEmulator({ tokens: { [DEMO_TOKEN]: ['*'] }, maxStored: 5_000 });
    env.RASTRO_META_GRAPH_URL = this.emulator.url;
    // The demo keeps its own database unless told otherwise.
    env.RASTRO_DATA_DIR ??= join('.rastro', 'demo');
  }

  get deliveryPolicy(): Partial<DeliveryPolicy> {
    return DEMO_POLICY;
  }

  /** Creates (or finds) the demo tenant, seeds history, and starts the live traffic. */
  async start(rastro: Rastro): Promise<DemoInfo> {
    const emulator = this.emulator;
    if (!emulator) throw new Error('Demo.prepare() must run before start()');
    const base = rastro.url;
    const call = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`demo: ${method} ${path} answered ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };

    const file = join(rastro.ctx.config.dataDir, 'demo.json');
    let saved: Saved | undefined;
    if (existsSync(file)) {
      const candidate = JSON.parse(readFileSync(file, 'utf8')) as Saved;
      const ok = await call('GET', '/me', candidate.admin_key).then(
        () => true,
        () => false,
      );
      if (ok) saved = candidate;
    }
    const reused = Boolean(saved);
    if (!saved) {
      const operator = rastro.ctx.config.adminToken;
      if (!operator) throw new Error('demo: no operator token to create the demo tenant');
      const tenant = await call<{ id: string; keys: { admin: string } }>('POST', '/tenants', operator, {
        name: 'Demo shop',
      });
      const destination = await call<{ id: string }>('POST', '/destinations', tenant.keys.admin, {
        type: 'meta_capi',
        name: 'Meta pixel (emulator)',
        config: { pixel_id: DEMO_PIXEL, access_token: DEMO_TOKEN, default_phone_region: 'BR' },
      });
      saved = { tenant_id: tenant.id, admin_key: tenant.keys.admin };
      // Half of the purchases arrive as signed gateway webhooks, where this server has them.
      const secret = `whsec_demo_${tenant.id.replace(/-/g, '')}`;
      const connection = await call<{ webhook_url: string }>('POST', '/gateway-connections', tenant.keys.admin, {
        gateway: 'generic',
        name: 'Checkout (generic webhooks)',
        secret,
      }).catch(() => undefined);
      if (connection) saved.webhook = { url: connection.webhook_url, secret };
      // Sales wait a little for late click data before they are sent (the matching grace period).
      await call('PUT', '/settings/matching', tenant.keys.admin, { grace_seconds: 5 }).catch(() => undefined);
      if (this.options.historyDays > 0) {
        // Written while the live traffic already flows; the charts fill in as the rollup catches up.
        const tenantId = tenant.id;
        this.history = seedHistory(
          rastro.ctx.db,
          tenantId,
          destination.id,
          seeded(this.options.seed),
          this.options.historyDays,
        ).then(
          (events) => rastro.app.log.info({ events }, 'demo history written'),
          (error: unknown) => rastro.app.log.error({ err: error }, 'demo history failed'),
        );
      }
      mkdirSync(rastro.ctx.config.dataDir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    }

    const key = saved.admin_key;
    const webhook = saved.webhook;
    // Created here rather than with the tenant, so a demo saved before the link existed gets it too.
    const links = await call<{ items: unknown[] }>('GET', `/links?slug=${DEMO_LINK_SLUG}`, key);
    if (links.items.length === 0) {
      await call('POST', '/links', key, {
        slug: DEMO_LINK_SLUG,
        target_url: 'https://checkout.example.com/curso-completo',
        click_id_param: 'sck',
      });
    }
    // A visitor who came from an ad (fbc set) first follows the link, as from the ad: Rastro records
    // the click and appends its id to the checkout URL, and the checkout's webhook carries it back
    // (tracking.rastro_id), which is what lets matching tie the sale to the click.
    const clickIds = new Map<string, string>();
    const followAdLink = async (event: DemoEvent): Promise<void> => {
      const fbp = String(event.fbp);
      if (typeof event.fbc !== 'string' || clickIds.has(fbp)) return;
      const fbclid = event.fbc.split('.').slice(3).join('.');
      const query = new URLSearchParams({ fbclid, utm_source: 'facebook', utm_medium: 'paid' });
      if (typeof event.utm_campaign === 'string') query.set('utm_campaign', event.utm_campaign);
      const res = await fetch(`${base}/go/${DEMO_LINK_SLUG}?${query}`, {
        redirect: 'manual',
        headers: { 'user-agent': String(event.user_agent) },
      });
      const location = res.headers.get('location');
      const clickId = location ? new URL(location).searchParams.get('sck') : null;
      if (clickId) clickIds.set(fbp, clickId);
      if (clickIds.size > 5_000) clickIds.delete(clickIds.keys().next().value!);
    };
    const generator = new TrafficGenerator(seeded(this.options.seed + 1), saved.tenant_id);
    const random = seeded(this.options.seed + 2);
    const sendWebhook = async (purchase: DemoEvent) => {
      if (!webhook) return;
      const signed = signGeneric(
        toGenericWebhook(purchase, random, clickIds.get(String(purchase.fbp))),
        webhook.secret,
      );
      const headers = Object.fromEntries(
        Object.entries(signed.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
      const res = await fetch(webhook.url, { method: 'POST', headers, body: new Uint8Array(signed.rawBody) });
      if (!res.ok) throw new Error(`demo: webhook answered ${res.status}: ${await res.text()}`);
    };
    this.loop = (async () => {
      let nextFault = Date.now() + 20_000;
      while (!this.stopped) {
        try {
          if (Date.now() >= nextFault) {
            // An outage long enough to exhaust three attempts (dead letters), or a burst of throttling.
            emulator.injectFaults(
              random() < 0.6
                ? { type: '5xx', count: 6 + Math.floor(random() * 6) }
                : { type: '429', count: 3, retryAfterSec: 1 },
            );
            nextFault = Date.now() + 45_000 + random() * 60_000;
          }
          const events = generator.batch();
          for (const event of events) await followAdLink(event);
          const viaGateway = events.filter((e) => e.event_name === 'purchase' && e.currency && random() < 0.5);
          const direct = events.filter((e) => !viaGateway.includes(e));
          if (direct.length > 0) await call('POST', '/events', key, { events: direct });
          for (const purchase of viaGateway) await sendWebhook(purchase);
        } catch (error) {
          if (!this.stopped) rastro.app.log.warn({ err: error }, 'demo traffic request failed');
        }
        await new Promise((r) => setTimeout(r, this.options.intervalMs * (0.5 + random())));
      }
    })();
    return {
      url: base,
      tenantId: saved.tenant_id,
      adminKey: key,
      emulatorUrl: emulator.url,
      reused,
      historyDays: reused ? 0 : this.options.historyDays,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.history;
    await this.emulator?.close();
  }
}
