import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFitsPhone, openSignedIn, type SignedInDashboard } from './signed-in.ts';

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
  let dash: SignedInDashboard;
  const made = { ingest: '', admin: '' };

  const keyRow = (prefix: string) => dash.page.getByTestId('api-key').filter({ hasText: prefix });
  const status = async (key: string) =>
    (await fetch(`${dash.server.url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status;

  beforeAll(async () => {
    dash = await openSignedIn('Loja Chaves');
    made.ingest = (
      await dash.tenant.api<{ key: string }>('POST', '/keys', { scope: 'ingest', name: 'old server' })
    ).key;
    made.admin = (await dash.tenant.api<{ key: string }>('POST', '/keys', { scope: 'admin', name: 'ci script' })).key;
  }, 120_000);
  afterAll(async () => {
    await dash?.close();
  });

  it(
    'cannot revoke the key it is signed in with, and says why',
    async () => {
      await dash.page.goto(`${dash.server.url}/onboarding`);
      await expect.poll(() => dash.page.getByTestId('api-key').count()).toBe(4); // the tenant's two, and two more
      const mine = keyRow(dash.tenant.adminKey.slice(0, 16));
      expect(await mine.getByTestId('current-key').textContent()).toContain(
        'This dashboard is signed in with this key, so it cannot revoke it',
      );
      expect(await mine.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
      expect(await dash.page.getByRole('button', { name: /^Revoke key/ }).count()).toBe(3);
      expect(await dash.page.getByTestId('current-key').count()).toBe(1);
      await dash.browser.screenshot(dash.page, 'keys-list', false);
    },
    STEP_MS,
  );

  it(
    'revokes a key once confirmed: requests with it are refused from then on',
    async () => {
      const prefix = made.ingest.slice(0, 16);
      let asked = '';
      dash.page.once('dialog', (d) => {
        asked = d.message();
        void d.dismiss();
      });
      await keyRow(prefix)
        .getByRole('button', { name: `Revoke key ${prefix}` })
        .click();
      await expect.poll(() => asked).toContain(`Revoke the ingest key ${prefix}… (old server)?`);
      expect(asked).toContain('cannot be undone');
      expect(await status(made.ingest)).toBe(200); // dismissed: still works

      dash.page.once('dialog', (d) => void d.accept());
      await keyRow(prefix)
        .getByRole('button', { name: `Revoke key ${prefix}` })
        .click();
      await expect.poll(() => dash.page.getByTestId('key-revoked').textContent()).toContain(`${prefix}… revoked`);
      await keyRow(prefix).waitFor({ state: 'detached' });
      expect(await status(made.ingest)).toBe(401);
      const keys = await dash.tenant.api<{ items: KeyView[] }>('GET', '/keys');
      expect(keys.items.find((k) => k.name === 'old server')?.revoked_at).not.toBeNull();

      // Another admin key can go too; the dashboard's own still works.
      const admin = made.admin.slice(0, 16);
      dash.page.once('dialog', (d) => void d.accept());
      await keyRow(admin)
        .getByRole('button', { name: `Revoke key ${admin}` })
        .click();
      await keyRow(admin).waitFor({ state: 'detached' });
      expect(await status(made.admin)).toBe(401);
      expect(await status(dash.tenant.adminKey)).toBe(200);
      expect(await dash.page.getByTestId('api-key').count()).toBe(2);
      expect(dash.errors).toEqual([]);
    },
    STEP_MS,
  );

  it(
    'fits a phone',
    async () => {
      const phone = await dash.phone();
      await phone.page.goto(`${dash.server.url}/onboarding`);
      await phone.page.getByTestId('current-key').waitFor();
      await expectFitsPhone(phone.page);
      await dash.browser.screenshot(phone.page, 'keys-phone');
      await phone.context.close();
    },
    STEP_MS,
  );
});
