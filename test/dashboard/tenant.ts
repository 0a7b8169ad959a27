import type { BrowserContext } from 'playwright-core';
import { expect } from 'vitest';
import { OPERATOR_TOKEN } from '../support/harness.ts';
import { TOKEN } from '../support/meta.ts';

export interface DashboardTenant {
  adminKey: string;
  /** Calls the API as the tenant's admin; fails the test on an error status. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Signs every page of this browser context in as the tenant (the key the sign-in page stores). */
  signIn(context: BrowserContext): Promise<void>;
}

/** A new tenant on a listening Rastro, through the API (the browser flow has its own test). */
export async function createTenant(url: string, name: string): Promise<DashboardTenant> {
  const res = await fetch(`${url}/api/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  const adminKey = ((await res.json()) as { keys: { admin: string } }).keys.admin;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    expect(r.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    adminKey,
    api,
    async signIn(context) {
      await context.addInitScript((key) => sessionStorage.setItem('rastro.admin_key', key), adminKey);
    },
  };
}

/** A Meta destination pointing at the emulator (through RASTRO_META_GRAPH_URL); its id. */
export async function addMeta(tenant: DashboardTenant, pixelId = '112233445566778'): Promise<string> {
  const d = await tenant.api<{ id: string }>('POST', '/destinations', {
    type: 'meta_capi',
    name: 'Meta pixel',
    config: { pixel_id: pixelId, access_token: TOKEN },
  });
  return d.id;
}
