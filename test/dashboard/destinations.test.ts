import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { startEmulator, TOKEN } from '../support/meta.ts';
import { expectFitsPhone, openSignedIn, type SignedInDashboard, QUICK_RETRIES } from './signed-in.ts';
import { addMeta } from './tenant.ts';

/**
 * Setup's Meta destinations after they are created: edited (name, pixel, token replaced, test event
 * code added and removed, enabled and disabled) with the API's field problems shown at the right
 * input in plain words; deleted after a confirmation; and "Send a test event" on a destination without
 * a test event code explains why it needs one and adds it, instead of ending in a garbled "skipped".
 */
const STEP_MS = 90_000;
const NEW_TOKEN = 'EAAnewtoken0987654321'; // the emulator's second valid token

interface DestinationView {
  id: string;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

describe('dashboard: editing and deleting destinations (browser)', () => {
  let emulator: MetaEmulator;
  let dash: SignedInDashboard;
  let mainId = '';

  const destination = (name: string) => dash.page.getByTestId('meta-destination').filter({ hasText: name });
  const fieldError = (form: Locator, input: string) =>
    form.locator('label.field', { has: dash.page.locator(`[name=${input}]`) }).getByTestId('field-error');
  const view = (id: string) => dash.tenant.api<DestinationView>('GET', `/destinations/${id}`);

  beforeAll(async () => {
    emulator = await startEmulator();
    dash = await openSignedIn('Loja Destinos', { RASTRO_META_GRAPH_URL: emulator.url }, QUICK_RETRIES);
    mainId = await addMeta(dash.tenant, '112233445566778');
  }, 120_000);
  afterAll(async () => {
    await dash?.close();
    await emulator?.close();
  });

  it(
    'shows the API field problems at their inputs in plain words, then saves every change',
    async () => {
      await dash.page.goto(`${dash.server.url}/onboarding`);
      await destination('Meta pixel').getByRole('button', { name: 'Edit' }).click();
      const form = dash.page.getByRole('form', { name: 'Edit Meta pixel' });
      // The token is never shown: the form says it is set, with its last characters.
      expect(await form.getByTestId('token-state').textContent()).toContain(`Set (ends in ${TOKEN.slice(-4)})`);
      expect(await form.locator('input[name=access_token]').inputValue()).toBe('');

      await form.locator('input[name=pixel_id]').fill('12ab');
      await form.locator('input[name=access_token]').fill('short');
      await form.locator('input[name=default_phone_region]').fill('BRA');
      await form.getByRole('button', { name: 'Save changes' }).click();
      // Each under its input, named by its label; the words are the API's own when it has some
      // ("must be the Pixel (dataset) ID…: 5 to 20 digits"), else the dashboard's for a known rule.
      await expect.poll(() => fieldError(form, 'pixel_id').textContent()).toMatch(/^Pixel ID: .*5 to 20 digits$/);
      expect(await fieldError(form, 'access_token').textContent()).toMatch(/^Access token: \S/);
      expect(await fieldError(form, 'default_phone_region').textContent()).toMatch(
        /^Default phone region: .*two.letter.*\bBR\b/,
      );
      expect(await fieldError(form, 'name').count()).toBe(0);
      const shown = (await form.textContent()) ?? '';
      expect(shown).toContain('Check the fields marked in red.');
      for (const raw of ['^[0-9]', '[A-Za-z]', 'Expected', 'body.config']) expect(shown).not.toContain(raw);
      await dash.browser.screenshot(dash.page, 'destinations-field-errors');
      expect((await view(mainId)).config.pixel_id).toBe('112233445566778'); // nothing saved

      await form.locator('input[name=name]').fill('Meta main');
      await form.locator('input[name=pixel_id]').fill('998877665544');
      await form.locator('input[name=access_token]').fill(NEW_TOKEN);
      await form.locator('input[name=default_phone_region]').fill('br');
      await form.locator('input[name=test_event_code]').fill('TEST777');
      await form.locator('input[name=enabled]').uncheck();
      await form.getByRole('button', { name: 'Save changes' }).click();
      await form.waitFor({ state: 'detached' });
      const row = destination('Meta main');
      await expect.poll(() => row.textContent()).toContain('test code TEST777');
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('pixel 998877665544');
      expect(text).toContain('disabled');
      const saved = await view(mainId);
      expect(saved).toMatchObject({ name: 'Meta main', enabled: false });
      expect(saved.config).toMatchObject({
        pixel_id: '998877665544',
        default_phone_region: 'br',
        test_event_code: 'TEST777',
        access_token: `****${NEW_TOKEN.slice(-4)}`,
      });

      // Enabled again; the new token is the one Meta receives.
      await row.getByRole('button', { name: 'Edit' }).click();
      const again = dash.page.getByRole('form', { name: 'Edit Meta main' });
      expect(await again.getByTestId('token-state').textContent()).toContain(`ends in ${NEW_TOKEN.slice(-4)}`);
      await again.locator('input[name=enabled]').check();
      await again.getByRole('button', { name: 'Save changes' }).click();
      await again.waitFor({ state: 'detached' });
      await expect.poll(async () => (await view(mainId)).enabled).toBe(true);
      await expect.poll(() => row.locator('.badge', { hasText: 'disabled' }).count()).toBe(0);
      await row.getByTestId('send-test-event').click();
      await expect
        .poll(() => row.getByTestId('test-result').textContent(), { timeout: 20_000 })
        .toBe('Test event delivered: Meta accepted it; it shows in Events Manager → Test events.');
      const sent = emulator.requests().filter((r) => r.pixelId === '998877665544' && r.status === 200);
      expect(sent.map((r) => [r.testEventCode, r.tokenHint])).toEqual([['TEST777', NEW_TOKEN.slice(-4)]]);
      expect(dash.errors).toEqual([]);
    },
    STEP_MS,
  );

  it(
    'removes a test event code by emptying it (or says plainly that this server cannot yet)',
    async () => {
      // Whether the API removes a config field set to null (a server change): probed on a spare destination.
      const spare = await addMeta(dash.tenant, '445566778899');
      await dash.tenant.api('PATCH', `/destinations/${spare}`, { config: { test_event_code: 'TESTX' } });
      const probe = await fetch(`${dash.server.url}/api/v1/destinations/${spare}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${dash.tenant.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ config: { test_event_code: null } }),
      });
      const removable = probe.status === 200;
      await dash.tenant.api('DELETE', `/destinations/${spare}`);

      await dash.page.goto(`${dash.server.url}/onboarding`);
      const row = destination('Meta main');
      await row.getByRole('button', { name: 'Edit' }).click();
      const form = dash.page.getByRole('form', { name: 'Edit Meta main' });
      await form.locator('input[name=test_event_code]').fill('');
      await form.getByRole('button', { name: 'Save changes' }).click();
      if (removable) {
        await form.waitFor({ state: 'detached' });
        await expect.poll(() => row.textContent()).toContain('no test event code');
        expect((await view(mainId)).config.test_event_code).toBeUndefined();
      } else {
        await expect
          .poll(() => fieldError(form, 'test_event_code').textContent())
          .toContain('Test event code: this server cannot remove it yet');
        expect(await fieldError(form, 'test_event_code').textContent()).toContain('delete this destination');
        expect((await view(mainId)).config.test_event_code).toBe('TEST777');
        await form.getByRole('button', { name: 'Cancel' }).click();
      }
    },
    STEP_MS,
  );

  it(
    'explains why a test event needs a test event code, adds one and sends the test',
    async () => {
      const id = await addMeta(dash.tenant, '556677889900');
      await dash.tenant.api('PATCH', `/destinations/${id}`, { name: 'Pixel sem código' });
      const before = (await dash.tenant.api<{ items: unknown[] }>('GET', '/events?limit=200')).items.length;
      await dash.page.goto(`${dash.server.url}/onboarding`);
      const row = destination('Pixel sem código');
      expect(await row.textContent()).toContain('no test event code');
      await row.getByTestId('send-test-event').click();
      const why = row.getByTestId('test-code-needed');
      await why.waitFor();
      expect(await why.textContent()).toMatch(/Test events.* tab only when they carry a test event code/);
      // Nothing was sent: it would only have been skipped.
      expect((await dash.tenant.api<{ items: unknown[] }>('GET', '/events?limit=200')).items.length).toBe(before);
      await dash.browser.screenshot(dash.page, 'destinations-test-code-needed');

      const form = row.getByRole('form', { name: 'Add a test event code' });
      await form.locator('input[name=test_event_code]').fill('T'.repeat(65));
      await form.getByRole('button', { name: 'Add code and send a test event' }).click();
      await expect
        .poll(() => fieldError(form, 'test_event_code').textContent())
        .toMatch(/^Test event code: .*64 characters/);
      await form.locator('input[name=test_event_code]').fill('TEST555');
      await form.getByRole('button', { name: 'Add code and send a test event' }).click();
      await expect.poll(() => row.getByTestId('test-result').textContent(), { timeout: 20_000 }).toContain('delivered');
      expect(await row.textContent()).toContain('test code TEST555');
      expect(emulator.received({ pixelId: '556677889900', isTest: true }).map((r) => r.testEventCode)).toEqual([
        'TEST555',
      ]);
      await dash.tenant.api('DELETE', `/destinations/${id}`);
    },
    STEP_MS,
  );

  it(
    'says in one sentence why a test event was skipped',
    async () => {
      // The code was removed after the page loaded (another tab, the API): the page still believes it is set.
      const id = await addMeta(dash.tenant, '667788990011');
      await dash.tenant.api('PATCH', `/destinations/${id}`, { name: 'Pixel antigo' });
      await dash.page.route('**/api/v1/destinations', async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { items: DestinationView[] };
        for (const d of body.items) if (d.id === id) d.config.test_event_code = 'TESTOLD';
        await route.fulfill({ response, json: body });
      });
      await dash.page.goto(`${dash.server.url}/onboarding`);
      const row = destination('Pixel antigo');
      await row.getByTestId('send-test-event').click();
      await expect
        .poll(() => row.getByTestId('test-result').textContent(), { timeout: 20_000 })
        .toBe('Test event skipped: Rastro did not send it to Meta, because this destination has no test event code.');
      await dash.page.unroute('**/api/v1/destinations');
      await dash.tenant.api('DELETE', `/destinations/${id}`);
    },
    STEP_MS,
  );

  it(
    'deletes a destination only once confirmed',
    async () => {
      const id = await addMeta(dash.tenant, '778899001122');
      await dash.tenant.api('PATCH', `/destinations/${id}`, { name: 'Pixel velho' });
      await dash.page.goto(`${dash.server.url}/onboarding`);
      const row = destination('Pixel velho');
      let asked = '';
      dash.page.once('dialog', (d) => {
        asked = d.message();
        void d.dismiss();
      });
      await row.getByRole('button', { name: 'Delete' }).click();
      await expect.poll(() => asked).toContain('Delete the destination “Pixel velho” (pixel 778899001122)?');
      expect(asked).toContain('cannot be undone');
      expect((await view(id)).name).toBe('Pixel velho'); // dismissed: still there

      dash.page.once('dialog', (d) => void d.accept());
      await row.getByRole('button', { name: 'Delete' }).click();
      await row.waitFor({ state: 'detached' });
      const left = await dash.tenant.api<{ items: DestinationView[] }>('GET', '/destinations');
      expect(left.items.map((d) => d.name)).toEqual(['Meta main']);
      const ledger = await dash.tenant.api<{ items: { type: string; entity_id: string }[] }>(
        'GET',
        '/ledger?type=destination.deleted',
      );
      expect(ledger.items.some((e) => e.entity_id === id)).toBe(true);
      expect(await dash.page.getByTestId('meta-destination').count()).toBe(1);
      expect(dash.errors).toEqual([]);
    },
    STEP_MS,
  );

  it(
    'fits a phone, with the edit form open',
    async () => {
      const phone = await dash.phone();
      await phone.page.goto(`${dash.server.url}/onboarding`);
      const row = phone.page.getByTestId('meta-destination').first();
      await row.getByRole('button', { name: 'Edit' }).click();
      await phone.page.getByRole('form', { name: 'Edit Meta main' }).waitFor();
      await phone.page.getByTestId('api-key').first().waitFor();
      await expectFitsPhone(phone.page);
      await dash.browser.screenshot(phone.page, 'destinations-phone');
      await phone.context.close();
    },
    STEP_MS,
  );
});
