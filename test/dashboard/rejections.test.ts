import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFitsPhone, openSignedIn, type SignedInDashboard } from './signed-in.ts';

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
  let dash: SignedInDashboard;

  const post = (raw: string) =>
    fetch(`${dash.server.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dash.tenant.adminKey}`, 'content-type': 'application/json' },
      body: raw,
    });
  const rows = () => dash.page.locator('[data-testid=rejections-table] tbody tr');
  const rejections = async () =>
    (await dash.tenant.api<{ items: RejectionView[] }>('GET', '/rejections?limit=200')).items;

  beforeAll(async () => {
    dash = await openSignedIn('Loja Recusas');
  }, 120_000);
  afterAll(async () => {
    await dash?.close();
  });

  it(
    'says what appears here while there is nothing, from the sidebar',
    async () => {
      await dash.page.goto(`${dash.server.url}/events`);
      await dash.page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Rejected requests' })
        .click();
      await dash.page.waitForURL('**/rejections');
      const empty = dash.page.getByTestId('rejections-empty');
      await empty.waitFor();
      expect(await empty.textContent()).toContain('sends something Rastro cannot accept, it shows here');
      expect(await dash.page.locator('.nav-item.active').textContent()).toContain('Rejected requests');
      await dash.browser.screenshot(dash.page, 'rejections-empty', false);
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

      await dash.page.getByRole('button', { name: 'Refresh' }).click();
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
      await dash.browser.screenshot(dash.page, 'rejections-list', false);

      await dash.page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => rows().count()).toBe(57);
      expect(await dash.page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
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
      await dash.page.waitForURL(`**/rejections/${invalid?.id}`);
      const problems = dash.page.locator('[data-testid=rejection-problems] li');
      await problems.first().waitFor();
      expect(await problems.allTextContents()).toEqual(invalid?.details?.map((p) => `${p.field} ${p.problem}`));
      const body = dash.page.getByTestId('rejection-body');
      expect(await body.getAttribute('data-format')).toBe('json');
      const text = (await body.textContent()) ?? '';
      expect(text).toContain('\n  "events": [\n');
      expect(text).toContain('"email": "ana@example.com"');
      expect(await dash.page.locator('.page').textContent()).toContain('Stored encrypted');
      expect(await dash.page.locator('.nav-item.active').textContent()).toContain('Rejected requests');
      await dash.browser.screenshot(dash.page, 'rejections-detail');

      await dash.page.getByTestId('back-link').click();
      await rows().first().click();
      const raw = dash.page.getByTestId('rejection-body');
      await raw.waitFor();
      expect(await raw.getAttribute('data-format')).toBe('text');
      expect(await raw.textContent()).toBe('{"events": [ not json');
      expect(await dash.page.getByTestId('rejection-message').textContent()).toContain('body is not valid JSON');
      expect(await dash.page.getByTestId('rejection-problems').count()).toBe(0);
    },
    STEP_MS,
  );

  it(
    'refuses nothing more when its address is wrong, and fits a phone',
    async () => {
      const before = (await rejections()).length;
      await dash.page.goto(`${dash.server.url}/rejections/not-an-id`);
      await expect.poll(() => dash.page.locator('h1').textContent()).toBe('Rejected request not found');
      await dash.page.goto(`${dash.server.url}/rejections/0198a1b2-0000-7000-8000-000000000001`);
      await expect.poll(() => dash.page.locator('h1').textContent()).toBe('Rejected request not found');
      expect((await rejections()).length).toBe(before);

      const phone = await dash.phone();
      await phone.page.goto(`${dash.server.url}/rejections`);
      await phone.page.locator('[data-testid=rejections-table] tbody tr').first().waitFor();
      await expectFitsPhone(phone.page);
      await dash.browser.screenshot(phone.page, 'rejections-phone', false);
      await phone.page.locator('[data-testid=rejections-table] tbody tr').nth(1).click();
      await phone.page.getByTestId('rejection-body').waitFor();
      await expectFitsPhone(phone.page);
      await dash.browser.screenshot(phone.page, 'rejections-phone-detail');
      await phone.context.close();
      expect(dash.errors).toEqual([]);
    },
    STEP_MS,
  );
});
