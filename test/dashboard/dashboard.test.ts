import { createHmac } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { QualityRollup } from '../../src/quality/task.ts';
import { OPERATOR_TOKEN, waitFor } from '../support/harness.ts';
import { purchase, startEmulator, TOKEN } from '../support/meta.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startListeningRastro, type ListeningRastro } from './server.ts';

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a listening
 * Rastro and the Meta emulator: an operator creates a tenant, the marketer connects Meta and checks
 * it with a test event, sees a server event and a gateway purchase arrive, opens one, replays a dead
 * delivery, reads the quality charts and the audit trail, on a laptop and on a phone. Screenshots go
 * to artifacts/dashboard/.
 */
const PIXEL = '998877665544332';
const TEST_CODE = 'TEST4242';
const STEP_MS = 90_000;

describe('operations dashboard (browser)', () => {
  let emulator: MetaEmulator;
  let server: ListeningRastro;
  let browser: TestBrowser;
  let page: Page;
  let adminKey = '';
  const errors: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator();
    server = await startListeningRastro(
      { RASTRO_META_GRAPH_URL: emulator.url },
      { baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 2, throttlePauseMs: 200, breakerThreshold: 1000 },
    );
    browser = await launchBrowser();
    page = (await browser.newPage('desktop')).page;
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('status of 404')) errors.push(m.text());
    });
    page.on('dialog', (d) => void d.accept());
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await emulator?.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  };

  it(
    'lets an operator create a tenant and sign in as it',
    async () => {
      await page.goto(`${server.url}/`);
      await page.getByText('Create a tenant').click();
      await page.fill('input[name=operator-token]', OPERATOR_TOKEN);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.fill('input[name=tenant-name]', 'Loja Playwright');
      await page.getByRole('button', { name: 'Create tenant' }).click();
      adminKey = (await page.getByTestId('new-admin-key').textContent()) ?? '';
      expect(adminKey).toMatch(/^rst_admin_/);
      await browser.screenshot(page, '01-operator-created-tenant');
      await page.getByRole('button', { name: 'Sign in as Loja Playwright' }).click();
      await page.waitForURL('**/onboarding');
      await expect.poll(() => page.getByTestId('tenant-name').textContent()).toBe('Loja Playwright');
    },
    STEP_MS,
  );

  it(
    'connects Meta and checks it with a test event delivered to the emulator',
    async () => {
      const form = page.getByRole('form', { name: 'Add a Meta pixel' });
      await form.locator('input[name=pixel_id]').fill(PIXEL);
      await form.locator('input[name=access_token]').fill(TOKEN);
      await form.locator('input[name=test_event_code]').fill(TEST_CODE);
      await form.getByRole('button', { name: 'Save destination' }).click();
      await page.getByTestId('meta-destination').waitFor();
      await page.getByTestId('send-test-event').click();
      await expect
        .poll(() => page.getByTestId('test-result').textContent(), { timeout: 20_000 })
        .toContain('delivered');
      const received = emulator.received({ pixelId: PIXEL, isTest: true });
      expect(received).toHaveLength(1);
      expect(received[0]?.testEventCode).toBe(TEST_CODE);
      await expect
        .poll(() => page.getByTestId('last-delivery').textContent(), { timeout: 15_000 })
        .toContain('page_view');
      await browser.screenshot(page, '02-onboarding-meta-checked');
    },
    STEP_MS,
  );

  it(
    'shows a server event arrive live, and its detail with the attempt and trace id',
    async () => {
      await page.getByRole('link', { name: 'Events' }).first().click();
      await page.getByTestId('events-table').waitFor();
      const sent = (await api('POST', '/events', { events: [purchase({ event_id: 'pw-order-1' })] })) as {
        events: { id: string }[];
      };
      const row = page.locator('[data-testid=events-table] tr', { hasText: 'pw-order-1' });
      await row.waitFor({ timeout: 15_000 }); // the live list refreshes itself
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('delivered');
      await browser.screenshot(page, '03-events-live', false);
      await row.getByRole('link', { name: 'purchase' }).click();
      await page.waitForURL(`**/events/${sent.events[0]?.id}`);
      await page.getByTestId('attempts-table').waitFor();
      const trace = await page.getByTestId('trace-id').first().textContent();
      expect(trace).toMatch(/^[A-Za-z0-9_-]{8,}$/);
      expect(emulator.received().some((r) => r.event.fbtrace_id === trace || r.eventId === 'pw-order-1')).toBe(true);
      expect(await page.getByTestId('event-emq').textContent()).toMatch(/^\d+\.\d$/);
      await browser.screenshot(page, '04-event-detail');
    },
    STEP_MS,
  );

  it(
    'connects a gateway, copies its webhook URL, and shows a webhook purchase arrive',
    async () => {
      await page.goto(`${server.url}/onboarding`);
      await page.getByTestId('meta-destination').waitFor();
      const gateways = page.getByRole('form', { name: 'Connect a gateway' });
      if ((await gateways.count()) === 0) {
        // This server has no gateway connections API: the section is hidden, nothing more to check.
        expect(await page.locator('#step-gateways').count()).toBe(0);
        return;
      }
      // Matching may wait for late click data before sending an unmatched sale; not in this test.
      await fetch(`${server.url}/api/v1/settings/matching`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ grace_seconds: 0 }),
      });
      const secret = 'whsec_playwright_generic_0123456789';
      await gateways.locator('select').selectOption('generic');
      await gateways.locator('input[type=password]').fill(secret);
      await gateways.getByRole('button', { name: 'Connect' }).click();
      const connection = page.getByTestId('gateway-connection');
      await connection.waitFor();
      await connection.getByRole('button', { name: 'Copy URL' }).click();
      const url = await page.evaluate(() => navigator.clipboard.readText());
      expect(url).toMatch(/\/api\/v1\/webhooks\/generic\/[0-9a-f-]{36}/);

      const body = JSON.stringify({
        event_type: 'order.paid',
        notification_id: 'ntf-playwright-1',
        order_id: 'PW-WEBHOOK-1',
        status: 'approved',
        amount: 349.9,
        currency: 'BRL',
        occurred_at: new Date().toISOString(),
        payment_method: 'card',
        buyer: { email: 'helena@example.com', phone: '+5511976543210', first_name: 'Helena', country: 'BR' },
        products: [{ id: 'SKU-1', name: 'Luminária', quantity: 1, price: 349.9 }],
        tracking: {
          fbp: 'fb.1.1754980000000.1029384756',
          client_ip: '201.17.42.9',
          user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15',
          landing_url: 'https://loja.example.com/luminarias',
        },
      });
      const t = Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-rastro-signature': `t=${t},v1=${v1}` },
        body,
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      await expect.poll(() => connection.textContent(), { timeout: 20_000 }).toContain('Last webhook');
      await browser.screenshot(page, '05-onboarding-gateway');

      await page.goto(`${server.url}/events?event_name=purchase`);
      const row = page.locator('[data-testid=events-table] tr', { hasText: 'webhook:generic' });
      await row.waitFor({ timeout: 20_000 });
      await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('delivered');
      await browser.screenshot(page, '06-events-webhook-purchase', false);
      await row.getByRole('link', { name: 'purchase' }).click();
      await page.getByTestId('attempts-table').waitFor();
      await expect.poll(() => page.getByTestId('match-info').textContent()).toContain('PW-WEBHOOK-1');
      await browser.screenshot(page, '06b-webhook-purchase-detail');
      // Sales can be filtered by how they matched a click.
      await page.goto(`${server.url}/events?match=unmatched`);
      await page.locator('[data-testid=sales-table] tr', { hasText: 'PW-WEBHOOK-1' }).waitFor();
    },
    STEP_MS,
  );

  it(
    'lists a dead delivery under dead letters and replays every dead one',
    async () => {
      emulator.injectFaults({ type: '5xx', count: 2 });
      const sent = (await api('POST', '/events', { events: [purchase({ event_id: 'pw-dead-1' })] })) as {
        events: { id: string }[];
      };
      const id = sent.events[0]?.id as string;
      await waitFor(
        async () =>
          ((await api('GET', `/events/${id}`)) as { deliveries: { status: string }[] }).deliveries[0]?.status ===
          'dead',
        20_000,
        'the delivery to die',
      );
      await page.getByRole('link', { name: 'Dead letters' }).click();
      const row = page.locator('[data-testid=events-table] tr', { hasText: 'pw-dead-1' });
      await row.waitFor();
      await browser.screenshot(page, '07-dead-letters', false);
      await page.getByRole('button', { name: /Replay all dead/ }).click();
      await page.getByText(/queued again/).waitFor();
      await page.goto(`${server.url}/events/${id}`);
      await expect
        .poll(async () => (await page.locator('.delivery .badge').first().textContent()) ?? '', { timeout: 20_000 })
        .toBe('delivered');
      const outcomes = await page.locator('[data-testid=attempts-table] tbody tr').count();
      expect(outcomes).toBe(3); // two 5xx, then the replay delivered
      expect(emulator.received().filter((r) => r.eventId === 'pw-dead-1')).toHaveLength(1);
      await browser.screenshot(page, '08-replayed-detail');
    },
    STEP_MS,
  );

  it(
    'renders the signal-quality charts with the numbers on hover',
    async () => {
      const rollup = new QualityRollup(server.rastro.ctx.db);
      await waitFor(
        async () => {
          await rollup.drain();
          const q = (await api('GET', '/quality')) as { totals: { received: number; pending: number } };
          return q.totals.received >= 3 && q.totals.pending === 0;
        },
        20_000,
        'the rollup to count the traffic',
      );
      await page.goto(`${server.url}/quality`);
      for (const chart of ['chart-volume', 'chart-rates', 'chart-latency', 'chart-emq', 'chart-coverage']) {
        const canvas = page.locator(`[data-testid=${chart}] canvas`);
        await canvas.waitFor();
        const box = await canvas.boundingBox();
        expect(box?.width, chart).toBeGreaterThan(200);
        expect(box?.height, chart).toBeGreaterThan(100);
      }
      expect(await page.locator('[data-testid=bars-emq] li').count()).toBeGreaterThanOrEqual(2);
      const kpis = await page.getByTestId('kpis').textContent();
      expect(kpis).toMatch(/Received\s*[3-9]/);
      // Hover the last (current) hour of the volume chart: the legend shows that hour's numbers.
      const over = page.locator('[data-testid=chart-volume] .u-over');
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
      const received = page.locator('[data-testid=chart-volume] .u-legend .u-series').nth(1).locator('.u-value');
      await expect.poll(() => received.textContent()).toMatch(/^[1-9]\d*$/);
      await browser.screenshot(page, '09-quality-desktop');
    },
    STEP_MS,
  );

  it(
    'shows the audit trail with its verified hash chain',
    async () => {
      await page.getByRole('link', { name: 'Audit' }).click();
      await page.getByTestId('ledger-verified').waitFor();
      const types = await page.locator('.ledger-type').allTextContents();
      expect(types).toEqual(expect.arrayContaining(['destination.created', 'delivery.replayed']));
      await page.fill('input[name=type]', 'delivery.replayed');
      await page.press('input[name=type]', 'Enter');
      await expect.poll(() => page.locator('.ledger-type').allTextContents()).toEqual(['delivery.replayed']);
      await browser.screenshot(page, '10-audit', false);
    },
    STEP_MS,
  );

  it(
    'works on a phone: sign in, events, detail and charts',
    async () => {
      const phone = (await browser.newPage('phone')).page;
      phone.on('pageerror', (e) => errors.push(e.message));
      await phone.goto(`${server.url}/events`);
      await phone.fill('input[name=key]', adminKey);
      await phone.getByRole('button', { name: 'Sign in' }).click();
      await phone.getByTestId('events-table').waitFor();
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390); // nothing wider than the screen
      await browser.screenshot(phone, '11-phone-events', false);
      await phone.locator('[data-testid=events-table] tbody tr', { hasText: 'pw-order-1' }).click();
      await phone.getByTestId('attempts-table').waitFor();
      await browser.screenshot(phone, '12-phone-event-detail');
      await phone.getByRole('link', { name: 'Signal quality' }).click();
      await phone.locator('[data-testid=chart-volume] canvas').waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await browser.screenshot(phone, '13-phone-quality');
      await phone.context().close();
      expect(errors).toEqual([]);
    },
    STEP_MS,
  );
});
