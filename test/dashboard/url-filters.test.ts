import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, type SignedInDashboard } from './signed-in.ts';

/**
 * Addresses are typed, pasted and edited by hand: a filter in the URL that is not valid (a date that
 * is not a date, an unknown status, an id that is not an id) is ignored with an inline notice, and
 * the page renders. Whatever else fails while a page renders shows as a message inside the shell,
 * with the sidebar still working, never as a blank page.
 */
describe('dashboard: URL filters and render errors (browser)', () => {
  let dash: SignedInDashboard;

  beforeAll(async () => {
    dash = await openSignedIn('Loja URL');
  }, 120_000);
  afterAll(async () => {
    await dash?.close();
  });

  const cases: { path: string; title: string; ignored: string[]; ready: string }[] = [
    { path: '/events?from=notadate', title: 'Events', ignored: ['from=notadate'], ready: 'form[aria-label=Filters]' },
    {
      path: '/events?status=bogus&destination_id=nope&match=zzz&to=2024-13-45T99:00',
      title: 'Events',
      ignored: ['status=bogus', 'destination_id=nope', 'match=zzz', 'to=2024-13-45T99:00'],
      ready: 'form[aria-label=Filters]',
    },
    {
      path: '/audit?from=x&to=%2B275760-09-13',
      title: 'Audit',
      ignored: ['from=x', 'to=+275760-09-13'],
      ready: '[data-testid=ledger-verified]',
    },
    {
      path: '/quality?range=toString&destination_id=bad',
      title: 'Signal quality',
      ignored: ['range=toString', 'destination_id=bad'],
      ready: '[data-testid=kpis]',
    },
    {
      path: '/dead-letters?status=nope&from=yesterday',
      title: 'Dead letters',
      ignored: ['status=nope', 'from=yesterday'],
      ready: '[data-testid=view-both]',
    },
  ];

  it('renders every page with invalid filters in its address, and says which it ignored', async () => {
    for (const c of cases) {
      await dash.page.goto(`${dash.server.url}${c.path}`);
      await expect.poll(() => dash.page.locator('h1').first().textContent(), { message: c.path }).toBe(c.title);
      await dash.page.locator(c.ready).waitFor();
      const notice = (await dash.page.getByTestId('ignored-params').textContent()) ?? '';
      for (const ignored of c.ignored) expect(notice, c.path).toContain(ignored);
      // Ignored means not sent: the API had nothing to refuse.
      expect(await dash.page.locator('.notice-bad').count(), c.path).toBe(0);
      expect(await dash.page.getByRole('navigation', { name: 'Main' }).getByRole('link').count(), c.path).toBe(6);
    }
    await dash.browser.screenshot(dash.page, 'url-filters-ignored', false);
    // A valid date in another form than ISO is understood, not ignored.
    await dash.page.goto(`${dash.server.url}/events?from=2024-05-01T10:30`);
    await expect.poll(() => dash.page.locator('input[name=from]').inputValue()).toBe('2024-05-01T10:30');
    expect(await dash.page.getByTestId('ignored-params').count()).toBe(0);
    // A stray % in an event's path is not a crash either: the event is simply not found.
    // (The server refuses such a URL itself; the app can still get one through its own history.)
    await dash.page.evaluate(() => {
      history.pushState(null, '', '/events/abc%E0%A4%A');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await dash.page.getByTestId('back-link').waitFor();
    // Nor is a rejected request's address that is not an id.
    await dash.page.goto(`${dash.server.url}/rejections/nope`);
    await dash.page.getByTestId('back-link').waitFor();
    // The API kept no rejected request: the dashboard sent nothing it would refuse.
    const kept = await dash.tenant.api<{ items: { url: string; message: string }[] }>('GET', '/rejections');
    expect(kept.items.map((r) => `${r.url}: ${r.message}`)).toEqual([]);
    expect(dash.errors).toEqual([]);
  });

  it('shows a page that fails to render as a message inside the shell, and the sidebar still works', async () => {
    // An answer the dashboard does not expect (here: deliveries missing from an event) breaks the render.
    await dash.page.route(/\/api\/v1\/events\?/, (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          items: [{ id: '0198a1b2-0000-7000-8000-000000000001', event_name: 'purchase', deliveries: null }],
          next_cursor: null,
        }),
      }),
    );
    await dash.page.goto(`${dash.server.url}/events`);
    const message = dash.page.getByTestId('render-error');
    await message.waitFor();
    expect(await message.textContent()).toContain('This page could not be shown');
    await dash.browser.screenshot(dash.page, 'url-filters-render-error', false);
    await dash.page.unroute(/\/api\/v1\/events\?/);
    // The shell survived: another page opens from the sidebar, and coming back renders again.
    await dash.page.getByRole('link', { name: 'Signal quality' }).click();
    await expect.poll(() => dash.page.locator('h1').first().textContent()).toBe('Signal quality');
    await dash.page.getByRole('link', { name: 'Events' }).first().click();
    await dash.page.locator('form[aria-label=Filters]').waitFor();
    expect(await dash.page.getByTestId('render-error').count()).toBe(0);
  });
});
