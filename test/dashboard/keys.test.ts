import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startListeningRastro, type ListeningRastro } from './server.ts';
import { createTenant, type DashboardTenant } from './tenant.ts';

/**
 * Setup lists the tenant's API keys with a revoke button each, confirmed first; the key the dashboard
 * is signed in with has none, and says why (revoking it would lock the dashboard out).
 */
const STEP_MS = 90_000;

interface KeyView {
  id: string;
  name: string;
  prefix: string;
  revoked_at: string | null;
}

describe('dashboard: revoking API keys (browser)', () => {
  let server: ListeningRastro;
  let browser: TestBrowser;
  let page: Page;
  let tenant: DashboardTenant;
  const made = { ingest: '', admin: '' };
  const errors: string[] = [];

  const keyRow = (prefix: string) => page.getByTestId('api-key').filter({ hasText: prefix });
  const status = async (key: string) =>
    (await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status;

  beforeAll(async () => {
    server = await startListeningRastro({}, {});
    tenant = await createTenant(server.url, 'Loja Chaves');
    made.ingest = (await tenant.api<{ key: string }>('POST', '/keys', { scope: 'ingest', name: 'old server' })).key;
    made.admin = (await tenant.api<{ key: string }>('POST', '/keys', { scope: 'admin', name: 'ci script' })).key;
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
    'cannot revoke the key it is signed in with, and says why',
    async () => {
      await page.goto(`${server.url}/onboarding`);
      await expect.poll(() => page.getByTestId('api-key').count()).toBe(4); // the tenant's two, and two more
      const mine = keyRow(tenant.adminKey.slice(0, 16));
      expect(await mine.getByTestId('current-key').textContent()).toContain(
        'This dashboard is signed in with this key, so it cannot revoke it',
      );
      expect(await mine.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Revoke key/ }).count()).toBe(3);
      expect(await page.getByTestId('current-key').count()).toBe(1);
      await browser.screenshot(page, 'keys-list', false);
    },
    STEP_MS,
  );

  it(
    'revokes a key once confirmed: requests with it are refused from then on',
    async () => {
      const prefix = made.ingest.slice(0, 16);
      let asked = '';
      page.once('dialog', (d) => {
        asked = d.message();
        void d.dismiss();
      });
      await keyRow(prefix)
        .getByRole('button', { name: `Revoke key ${prefix}` })
        .click();
      await expect.poll(() => asked).toContain(`Revoke the ingest key ${prefix}… (old server)?`);
      expect(asked).toContain('cannot be undone');
      expect(await status(made.ingest)).toBe(200); // dismissed: still works

      page.once('dialog', (d) => void d.accept());
      await keyRow(prefix)
        .getByRole('button', { name: `Revoke key ${prefix}` })
        .click();
      await expect.poll(() => page.getByTestId('key-revoked').textContent()).toContain(`${prefix}… revoked`);
      await keyRow(prefix).waitFor({ state: 'detached' });
      expect(await status(made.ingest)).toBe(401);
      const keys = await tenant.api<{ items: KeyView[] }>('GET', '/keys');
      expect(keys.items.find((k) => k.name === 'old server')?.revoked_at).not.toBeNull();

      // Another admin key can go too; the dashboard's own still works.
      const admin = made.admin.slice(0, 16);
      page.once('dialog', (d) => void d.accept());
      await keyRow(admin)
        .getByRole('button', { name: `Revoke key ${admin}` })
        .click();
      await keyRow(admin).waitFor({ state: 'detached' });
      expect(await status(made.admin)).toBe(401);
      expect(await status(tenant.adminKey)).toBe(200);
      expect(await page.getByTestId('api-key').count()).toBe(2);
      expect(errors).toEqual([]);
    },
    STEP_MS,
  );

  it(
    'fits a phone',
    async () => {
      const phone = await browser.newPage('phone');
      await tenant.signIn(phone.context);
      await phone.page.goto(`${server.url}/onboarding`);
      await phone.page.getByTestId('current-key').waitFor();
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await browser.screenshot(phone.page, 'keys-phone');
      await phone.context.close();
    },
    STEP_MS,
  );
});
