import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DeliveryPolicy } from '../../src/delivery/policy.ts';
import { launchBrowser, VIEWPORTS, type TestBrowser } from './browser.ts';
import { startListeningRastro, type ListeningRastro } from './server.ts';
import { createTenant, type DashboardTenant } from './tenant.ts';

/** Retries quick enough for a test to watch a delivery die (with the Meta emulator's faults). */
export const QUICK_RETRIES: Partial<DeliveryPolicy> = {
  baseDelayMs: 50,
  maxDelayMs: 200,
  maxAttempts: 2,
  throttlePauseMs: 200,
  breakerThreshold: 1000,
};

export interface SignedInDashboard {
  server: ListeningRastro;
  tenant: DashboardTenant;
  browser: TestBrowser;
  /** A desktop page signed in as the tenant. */
  page: Page;
  /** Errors thrown in `page`'s scripts (a test ends expecting none). */
  errors: string[];
  /** Another page, phone-sized, signed in as the tenant. */
  phone(): Promise<{ page: Page; context: BrowserContext }>;
  close(): Promise<void>;
}

/** A listening Rastro, a new tenant on it, and Chromium with a desktop page signed in as that tenant. */
export async function openSignedIn(
  tenantName: string,
  env: Record<string, string> = {},
  deliveryPolicy: Partial<DeliveryPolicy> = {},
): Promise<SignedInDashboard> {
  const server = await startListeningRastro(env, deliveryPolicy);
  let browser: TestBrowser | undefined;
  try {
    const tenant = await createTenant(server.url, tenantName);
    browser = await launchBrowser();
    return await signedIn(server, tenant, browser);
  } catch (err) {
    await browser?.close();
    await server.close();
    throw err;
  }
}

async function signedIn(
  server: ListeningRastro,
  tenant: DashboardTenant,
  browser: TestBrowser,
): Promise<SignedInDashboard> {
  const opened = await browser.newPage('desktop');
  await tenant.signIn(opened.context);
  const errors: string[] = [];
  opened.page.on('pageerror', (e) => errors.push(e.message));
  return {
    server,
    tenant,
    browser,
    page: opened.page,
    errors,
    async phone() {
      const phone = await browser.newPage('phone');
      await tenant.signIn(phone.context);
      return phone;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** The page scrolls no wider than a phone's screen. */
export async function expectFitsPhone(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
}
