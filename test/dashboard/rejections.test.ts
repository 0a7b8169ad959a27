import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startListeningRastro, type ListeningRastro } from './server.ts';
import { createTenant, type DashboardTenant } from './tenant.ts';

/**
 * Requests the API refused are kept (sealed) for the tenant to inspect: the Rejected requests page
 * lists them newest first, 50 at a time, and opens one with its field problems and the body as it
 * arrived, pretty-printed when it is JSON. Opening it with a bad address refuses nothing more.
 */
const STEP_MS = 90_000;

interface RejectionView {
  id: string;
  code: string;
  message: string;
  details: { field: string; problem: string }[] | null;
}

describe('dashboard: rejected requests (browser)', () => {
  let server: ListeningRastro;
  let browser: TestBrowser;
  let page: Page;
  let tenant: DashboardTenant;
  const errors: string[] = [];

  const post = (raw: string) =>
    fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.adminKey}`, 'content-type': 'application/json' },
      body: raw,
    });
  const rows = () => page.locator('[data-testid=rejections-table] tbody tr');
  const rejections = async () => (await tenant.api<{ items: RejectionView[] }>('GET', '/rejections?limit=200')).items;

  beforeAll(async () => {
    server = await startListeningRastro({}, {});
    tenant = await createTenant(server.url, 'Loja Recusas');
    browser = await launchBrowser();
    const opened = await browser.newPage('desktop');
    await tenant.signIn(opened.context);
    page = opened.page;
    page.on('pageerror', (e) => errors.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'says what appears here while there is nothing, from the sidebar',
    async () => {
      await page.goto(`${server.url}/events`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rejected requests' }).click();
      await page.waitForURL('**/rejections');
      const empty = page.getByTestId('rejections-empty');
      await empty.waitFor();
      expect(await empty.textContent()).toContain('sends something Rastro cannot accept, it shows here');
      expect(await page.locator('.nav-item.active').textContent()).toContain('Rejected requests');
      await browser.screenshot(page, 'rejections-empty', false);
    },
    STEP_MS,
  );

  it(
    'lists them newest first, 50 at a time, with the message in full on hover',
    async () => {
      for (let i = 0; i < 55; i++) expect((await post('{"events": "nope"}')).status).toBe(400);
      const invalid = JSON.stringify({
        events: [{}, { event_name: 'purchase', value: 'x', currency: 12, user: { email: 'ana@example.com' } }],
        bogus: 1,
      });
      expect((await post(invalid)).status).toBe(400);
      expect((await post('{"events": [ not json')).status).toBe(400);

      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect.poll(() => rows().count()).toBe(50);
      const first = rows().nth(0);
      expect(await first.locator('td[data-label=Route]').textContent()).toBe('POST /api/v1/events');
      expect(await first.locator('td[data-label=Code]').textContent()).toBe('bad_json');
      const second = rows().nth(1).locator('td[data-label=Message]');
      const full = (await rejections())[1]?.message ?? '';
      expect(full).toContain('body.events.0.event_name: is required');
      expect(await second.getAttribute('title')).toBe(full);
      // Too long for its column: cut with an ellipsis, the whole text in the title.
      expect(await second.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      await browser.screenshot(page, 'rejections-list', false);

      await page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => rows().count()).toBe(57);
      expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      const ids = await rejections();
      expect(ids).toHaveLength(57);
    },
    STEP_MS,
  );

  it(
    'opens one: its field problems as a list, the JSON body indented, a note that it was stored encrypted',
    async () => {
      const [, invalid] = await rejections();
      await rows().nth(1).click();
      await page.waitForURL(`**/rejections/${invalid?.id}`);
      const problems = page.locator('[data-testid=rejection-problems] li');
      await problems.first().waitFor();
      expect(await problems.allTextContents()).toEqual(invalid?.details?.map((p) => `${p.field} ${p.problem}`));
      const body = page.getByTestId('rejection-body');
      expect(await body.getAttribute('data-format')).toBe('json');
      const text = (await body.textContent()) ?? '';
      expect(text).toContain('\n  "events": [\n');
      expect(text).toContain('"email": "ana@example.com"');
      expect(await page.locator('.page').textContent()).toContain('Stored encrypted');
      expect(await page.locator('.nav-item.active').textContent()).toContain('Rejected requests');
      await browser.screenshot(page, 'rejections-detail');

      await page.getByTestId('back-link').click();
      await rows().first().click();
      const raw = page.getByTestId('rejection-body');
      await raw.waitFor();
      expect(await raw.getAttribute('data-format')).toBe('text');
      expect(await raw.textContent()).toBe('{"events": [ not json');
      expect(await page.getByTestId('rejection-message').textContent()).toContain('body is not valid JSON');
      expect(await page.getByTestId('rejection-problems').count()).toBe(0);
    },
    STEP_MS,
  );

  it(
    'refuses nothing more when its address is wrong, and fits a phone',
    async () => {
      const before = (await rejections()).length;
      await page.goto(`${server.url}/rejections/not-an-id`);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Rejected request not found');
      await page.goto(`${server.url}/rejections/0198a1b2-0000-7000-8000-000000000001`);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Rejected request not found');
      expect((await rejections()).length).toBe(before);

      const phone = await browser.newPage('phone');
      await tenant.signIn(phone.context);
      await phone.page.goto(`${server.url}/rejections`);
      await phone.page.locator('[data-testid=rejections-table] tbody tr').first().waitFor();
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await browser.screenshot(phone.page, 'rejections-phone', false);
      await phone.page.locator('[data-testid=rejections-table] tbody tr').nth(1).click();
      await phone.page.getByTestId('rejection-body').waitFor();
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await browser.screenshot(phone.page, 'rejections-phone-detail');
      await phone.context.close();
      expect(errors).toEqual([]);
    },
    STEP_MS,
  );
});
