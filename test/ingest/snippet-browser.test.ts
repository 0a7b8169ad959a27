import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRastro, waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';

/**
 * The browser snippet in real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * a page served by this test on one origin loads /r.js from Rastro on another.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface StoredEvent {
  event_id: string;
  event_name: string;
  consent_ads: boolean;
  session_id: string | null;
  payload: Record<string, unknown>;
}

describe.skipIf(!existsSync(CHROMIUM))('browser snippet in headless Chromium', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  let rastroUrl: string;
  let site: Server;
  let sitePort: number;
  let loader: string;
  let context: BrowserContext;
  let profile: string;

  const page = (body: string, head = loader) =>
    `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
  const routes: Record<string, () => string> = {
    '/landing': () =>
      page(
        `<a id="hotmart" href="https://pay.hotmart.com/X123?off=abc">Comprar</a>
         <a id="kiwify" href="https://pay.kiwify.com.br/AbCd">Kiwify</a>
         <a id="stripe" href="https://buy.stripe.com/test_123">Stripe</a>
         <a id="custom" href="https://checkout.example.com/p">Custom</a>
         <a id="mine" href="https://pay.hotmart.com/X123?sck=newsletter">Own sck</a>
         <a id="blog" href="https://blog.example.com/">Blog</a>`,
        // A call queued before the loader's init: delivered once /r.js loads, with the id returned now.
        `<script>window.rastro=window.rastro||function(){var i=Date.now().toString(36)+Math.random().toString(36).slice(2,12);(window.rastro.q=window.rastro.q||[]).push([arguments,i]);return i};
         window.leadId = rastro('track', 'lead', { value: 5, currency: 'BRL', plan: 'gold' });</script>${loader}`,
      ),
    '/denied': () =>
      page(
        '<p>consent denied before init</p>',
        `<script>window.rastro=window.rastro||function(){var i=Date.now().toString(36)+Math.random().toString(36).slice(2,12);(window.rastro.q=window.rastro.q||[]).push([arguments,i]);return i};
         rastro('consent', { ads: false });</script>${loader}`,
      ),
  };

  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('shop');
    rastroUrl = await t.rastro.app.listen({ port: 0, host: '127.0.0.1' });
    site = createServer((req, res) => {
      const route = routes[(req.url ?? '/').split('?')[0]!];
      res.writeHead(route ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(route ? route() : 'not found');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as AddressInfo).port;

    // The tenant allows the test site's origins only, and adds a checkout host of its own.
    const settings = await t.call('PATCH', '/api/v1/ingest/settings', tenant.keys.admin, {
      allowed_origins: [`http://127.0.0.1:${sitePort}`, `http://localhost:${sitePort}`],
      checkout_hosts: [{ host: 'checkout.example.com', params: ['ref'] }],
    });
    expect(settings.statusCode).toBe(200);
    const snippetRes = await fetch(`${rastroUrl}/api/v1/snippet?ingest_key=${tenant.keys.ingest}`, {
      headers: { authorization: `Bearer ${tenant.keys.admin}` },
    });
    loader = ((await snippetRes.json()) as { html: string }).html;

    profile = mkdtempSync(join(tmpdir(), 'rastro-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await new Promise((r) => site?.close(r));
    await t?.close();
  });

  const stored = (eventId: string) =>
    waitFor(
      () =>
        t.rastro.ctx.db
          .selectFrom('events')
          .select(['event_id', 'event_name', 'consent_ads', 'session_id', 'payload'])
          .where('tenant_id', '=', tenant.id)
          .where('event_id', '=', eventId)
          .executeTakeFirst() as Promise<StoredEvent | undefined>,
      10_000,
      `event ${eventId}`,
    );
  const cookies = async (url: string) =>
    Object.fromEntries((await context.cookies(url)).map((c) => [c.name, decodeURIComponent(c.value)]));

  let landing: Page;

  it('loads under 3 KB gzipped from a script tag and sends the pageview with _fbc from the landing fbclid', async () => {
    const gz = await fetch(`${rastroUrl}/r.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(Number(gz.headers.get('content-length'))).toBeLessThan(3072);

    landing = await context.newPage();
    const before = Date.now();
    await landing.goto(
      `http://127.0.0.1:${sitePort}/landing?fbclid=IwAR_browser-1&utm_source=facebook&utm_campaign=bf&gclid=G-1`,
    );
    const pageViewId = await landing.waitForFunction(
      () => (window as unknown as Record<string, string>).rastroPageViewId,
    );
    const id = (await pageViewId.jsonValue()) as string;
    const pv = await stored(id);
    expect(pv.event_name).toBe('page_view');
    expect(pv.consent_ads).toBe(true);
    expect(pv.session_id).toMatch(/^rs[0-9a-z]{20}$/);
    const clickIds = pv.payload.click_ids as Record<string, string>;
    expect(clickIds.fbc).toMatch(/^fb\.1\.\d{13}\.IwAR_browser-1$/);
    expect(Number(clickIds.fbc!.split('.')[2])).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(clickIds.fbp).toMatch(/^fb\.1\.\d{13}\.\d{10}$/);
    expect(clickIds.gclid).toBe('G-1');
    expect(pv.payload.utm).toEqual({ source: 'facebook', campaign: 'bf' });
    expect(pv.payload.source_url).toContain('/landing?fbclid=IwAR_browser-1');
    expect(pv.payload.user_agent).toMatch(/Chrome/);
    expect(pv.payload.client_ip).toBe('127.0.0.1');

    const jar = await cookies(`http://127.0.0.1:${sitePort}`);
    expect(jar._fbc).toBe(clickIds.fbc);
    expect(jar._fbp).toBe(clickIds.fbp);
    expect(jar._rs_sid).toBe(pv.session_id);
    expect(JSON.parse(jar._rs_ft!)).toMatchObject({ utm_source: 'facebook', fbclid: 'IwAR_browser-1', gclid: 'G-1' });
    expect(JSON.parse(jar._rs_lt!)).toMatchObject({ utm_campaign: 'bf' });

    // The session holds the landing as first touch.
    const session = (await t.call('GET', `/api/v1/sessions/${pv.session_id}`, tenant.keys.admin)).json();
    expect(session).toMatchObject({ fbclid: 'IwAR_browser-1', first_touch: { utm_source: 'facebook' } });
  });

  it('flushes calls queued before load, with the event_id the stub returned', async () => {
    const leadId = (await landing.evaluate(() => (window as unknown as Record<string, string>).leadId)) as string;
    const lead = await stored(leadId);
    expect(lead.event_name).toBe('lead');
    expect(lead.payload.custom_data).toMatchObject({ value: 5, currency: 'BRL', extra: { plan: 'gold' } });
    expect((lead.payload.click_ids as Record<string, string>).fbc).toMatch(/IwAR_browser-1$/);
  });

  it("returns the event_id of rastro('track') for the pixel's eventID, and delivers the event", async () => {
    const id = await landing.evaluate(() =>
      (window as unknown as { rastro: (...a: unknown[]) => string }).rastro('track', 'purchase', {
        value: 97,
        currency: 'BRL',
        order_id: 'browser-order-1',
        user: { email: 'buyer@example.com' },
      }),
    );
    expect(typeof id).toBe('string');
    const purchase = await stored(id);
    expect(purchase.event_name).toBe('purchase');
    expect(purchase.payload.custom_data).toMatchObject({ value: 97, order_id: 'browser-order-1' });
    expect(JSON.stringify(purchase.payload)).not.toContain('buyer@example.com');
    const given = await landing.evaluate(() =>
      (window as unknown as { rastro: (...a: unknown[]) => string }).rastro('track', 'lead', { event_id: 'pixel-1' }),
    );
    expect(given).toBe('pixel-1');
    await stored('pixel-1');
  });

  it('decorates checkout links with the session id in each gateway parameter', async () => {
    const sid = await landing.evaluate(() =>
      (window as unknown as { rastro: (c: string) => string }).rastro('session'),
    );
    const href = async (id: string) => new URL((await landing.getAttribute(`#${id}`, 'href'))!);
    const hotmart = await href('hotmart');
    expect(hotmart.searchParams.get('sck')).toBe(sid);
    expect(hotmart.searchParams.get('xcod')).toBe(sid);
    expect(hotmart.searchParams.get('off')).toBe('abc');
    expect((await href('kiwify')).searchParams.get('sck')).toBe(sid);
    expect((await href('stripe')).searchParams.get('client_reference_id')).toBe(sid);
    expect((await href('custom')).searchParams.get('ref')).toBe(sid); // tenant-configured host
    const mine = await href('mine');
    expect(mine.searchParams.get('sck')).toBe('newsletter'); // the site's own value is kept
    expect(mine.searchParams.get('xcod')).toBe(sid);
    expect((await href('blog')).search).toBe('');
  });

  it('honours a consent call: later events are marked denied and carry no ad identifiers', async () => {
    const id = await landing.evaluate(() => {
      const r = (window as unknown as { rastro: (...a: unknown[]) => string }).rastro;
      r('consent', { ads: false });
      return r('track', 'view_content', {});
    });
    const ev = await stored(id);
    expect(ev.consent_ads).toBe(false);
    expect(ev.payload.click_ids).toEqual({});
    expect((await cookies(`http://127.0.0.1:${sitePort}`))._rs_consent).toBe('0');
  });

  it('with consent denied before init: the pageview is marked denied and no ad cookie is created', async () => {
    const denied = await context.newPage();
    // Another host name, so another cookie jar.
    await denied.goto(`http://localhost:${sitePort}/denied?fbclid=IwAR_denied`);
    const handle = await denied.waitForFunction(() => (window as unknown as Record<string, string>).rastroPageViewId);
    const pv = await stored((await handle.jsonValue()) as string);
    expect(pv.consent_ads).toBe(false);
    expect(pv.payload.click_ids).toEqual({});
    const jar = await cookies(`http://localhost:${sitePort}`);
    expect(jar._fbp).toBeUndefined();
    expect(jar._fbc).toBeUndefined();
    expect(jar._rs_sid).toMatch(/^rs[0-9a-z]{20}$/);
    await denied.close();
  });
});
