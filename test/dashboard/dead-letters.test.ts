import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { waitFor } from '../support/harness.ts';
import { purchase, startEmulator } from '../support/meta.ts';
import { expectFitsPhone, openSignedIn, type SignedInDashboard, QUICK_RETRIES } from './signed-in.ts';
import { addMeta } from './tenant.ts';

/**
 * Deliveries that need someone: dead ones (every retry used up) and failed ones (rejected for good,
 * e.g. a website event without a user agent). The events list says why each stopped; the Dead
 * letters page lists both kinds, counts them, tells them apart and replays what it shows; an event
 * opened from it leads back to it.
 */
const STEP_MS = 90_000;

describe('dashboard: dead letters (browser)', () => {
  let emulator: MetaEmulator;
  let dash: SignedInDashboard;
  const ids = { dead: '', failed: '', ok: '' };

  const send = async (event: Record<string, unknown>) => {
    const res = await dash.tenant.api<{ events: { id: string }[] }>('POST', '/events', { events: [event] });
    return res.events[0]?.id as string;
  };
  const statusOf = async (id: string) =>
    (await dash.tenant.api<{ deliveries: { status: string }[] }>('GET', `/events/${id}`)).deliveries[0]?.status;
  const row = (eventId: string) => dash.page.locator('[data-testid=events-table] tbody tr', { hasText: eventId });
  const rowIds = async () =>
    (await dash.page.locator('[data-testid=events-table] tbody td[data-label="Event id"]').allTextContents()).sort();

  beforeAll(async () => {
    emulator = await startEmulator();
    dash = await openSignedIn('Loja Dead Letters', { RASTRO_META_GRAPH_URL: emulator.url }, QUICK_RETRIES);
    await addMeta(dash.tenant);
    dash.page.on('dialog', (d) => void d.accept());

    // One dead (two 5xx with two attempts), one failed (no user agent: Meta's rules reject it), one delivered.
    emulator.injectFaults({ type: '5xx', count: 2 });
    ids.dead = await send(purchase({ event_id: 'dl-dead-1' }));
    await waitFor(async () => (await statusOf(ids.dead)) === 'dead', 20_000, 'the delivery to die');
    ids.failed = await send(purchase({ event_id: 'dl-failed-1', user_agent: undefined }));
    ids.ok = await send(purchase({ event_id: 'dl-ok-1' }));
    await waitFor(async () => (await statusOf(ids.failed)) === 'failed', 20_000, 'the delivery to fail');
    await waitFor(async () => (await statusOf(ids.ok)) === 'delivered', 20_000, 'the delivery');
  }, 120_000);
  afterAll(async () => {
    await dash?.close();
    await emulator?.close();
  });

  it(
    'shows in the events list why a delivery failed, in full on hover',
    async () => {
      await dash.page.goto(`${dash.server.url}/events`);
      const failed = row('dl-failed-1').getByTestId('delivery-error');
      await failed.waitFor();
      expect(await failed.textContent()).toContain('client_user_agent: required for website events');
      expect(await failed.getAttribute('title')).toBe(await failed.textContent());
      expect(await row('dl-dead-1').getByTestId('delivery-error').textContent()).toMatch(/gave up after 2 attempts/);
      expect(await row('dl-ok-1').getByTestId('delivery-error').count()).toBe(0);
      await dash.browser.screenshot(dash.page, 'dead-letters-events-reasons', false);
    },
    STEP_MS,
  );

  it(
    'lists dead and failed deliveries, counts each kind and explains the difference',
    async () => {
      await dash.page.getByRole('link', { name: 'Dead letters' }).click();
      await dash.page.waitForURL('**/dead-letters');
      await row('dl-failed-1').waitFor();
      expect(await rowIds()).toEqual(['dl-dead-1', 'dl-failed-1']);
      await expect.poll(() => dash.page.getByTestId('view-both').textContent()).toBe('Dead and failed 2');
      expect(await dash.page.getByTestId('view-dead').textContent()).toBe('Dead 1');
      expect(await dash.page.getByTestId('view-failed').textContent()).toBe('Failed 1');
      const legend = await dash.page.locator('.status-legend').textContent();
      expect(legend).toContain('Every retry was used up');
      expect(legend).toContain('Rastro does not retry it');
      expect(await row('dl-failed-1').getByTestId('delivery-error').textContent()).toContain('client_user_agent');
      await dash.browser.screenshot(dash.page, 'dead-letters-both', false);

      await dash.page.getByTestId('view-failed').click();
      await dash.page.waitForURL('**/dead-letters?status=failed');
      await expect.poll(rowIds).toEqual(['dl-failed-1']);
      expect(await dash.page.getByTestId('view-failed').getAttribute('aria-pressed')).toBe('true');
      await dash.page.getByTestId('view-dead').click();
      await expect.poll(rowIds).toEqual(['dl-dead-1']);
    },
    STEP_MS,
  );

  it(
    'leads back from an event to the dead letters it was opened from, with the sidebar there too',
    async () => {
      await dash.page.getByTestId('view-failed').click();
      await row('dl-failed-1').getByRole('link', { name: 'purchase' }).click();
      await dash.page.getByTestId('event-title').waitFor();
      const back = dash.page.getByTestId('back-link');
      expect(await back.textContent()).toBe('← Dead letters');
      const active = dash.page.locator('.nav-item.active');
      expect(await active.textContent()).toContain('Dead letters');
      await dash.browser.screenshot(dash.page, 'dead-letters-detail', false);
      await back.click();
      await dash.page.waitForURL('**/dead-letters?status=failed');
      await expect.poll(rowIds).toEqual(['dl-failed-1']);

      // From the events list the page leads back to Events; a back address elsewhere is not followed.
      await dash.page.goto(`${dash.server.url}/events`);
      await row('dl-dead-1').getByRole('link', { name: 'purchase' }).click();
      await dash.page.waitForURL(`**/events/${ids.dead}`);
      expect(await dash.page.getByTestId('back-link').textContent()).toBe('← Events');
      expect(await dash.page.locator('.nav-item.active').textContent()).toContain('Events');
      await dash.page.goto(`${dash.server.url}/events/${ids.dead}?back=${encodeURIComponent('https://example.com/')}`);
      expect(await dash.page.getByTestId('back-link').getAttribute('href')).toBe('/events');
    },
    STEP_MS,
  );

  it(
    'fits a phone',
    async () => {
      const phone = await dash.phone();
      await phone.page.goto(`${dash.server.url}/dead-letters`);
      await phone.page.locator('[data-testid=events-table] tbody tr', { hasText: 'dl-failed-1' }).waitFor();
      await expectFitsPhone(phone.page);
      await dash.browser.screenshot(phone.page, 'dead-letters-phone');
      await phone.context.close();
    },
    STEP_MS,
  );

  it(
    'replays every dead and failed delivery it shows',
    async () => {
      await dash.page.goto(`${dash.server.url}/dead-letters`);
      await row('dl-failed-1').waitFor();
      await dash.page.getByRole('button', { name: 'Replay all dead and failed (2)' }).click();
      await dash.page.getByText('2 deliveries queued again.').waitFor();
      // The dead one goes through now; the failed one is rejected again (its user agent is still missing).
      await waitFor(async () => (await statusOf(ids.dead)) === 'delivered', 20_000, 'the replayed delivery');
      await waitFor(async () => (await statusOf(ids.failed)) === 'failed', 20_000, 'the replay to fail again');
      await expect.poll(rowIds, { timeout: 15_000 }).toEqual(['dl-failed-1']);
      await expect
        .poll(() => dash.page.getByTestId('view-both').textContent(), { timeout: 15_000 })
        .toBe('Dead and failed 1');
      expect(emulator.received().filter((r) => r.eventId === 'dl-dead-1')).toHaveLength(1);
      expect(dash.errors).toEqual([]);
    },
    STEP_MS,
  );
});
