import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

describe('GET /api/v1/events/count', () => {
  let t: TestRastro;
  let acme: TestTenant;
  let other: TestTenant;
  beforeAll(async () => {
    t = await startTestRastro();
    acme = await t.createTenant('acme');
    other = await t.createTenant('other');
    const dest = await t.call('POST', '/api/v1/destinations', acme.keys.admin, {
      type: 'meta_capi',
      name: 'pixel',
      config: { pixel_id: '123456789012345', access_token: 'EAAcounttoken123456' },
    });
    expect(dest.statusCode).toBe(201);
    // 25 leads and 5 purchases without ad consent: pending and skipped deliveries (no worker runs here).
    const events = Array.from({ length: 30 }, (_, i) => ({
      event_name: i < 25 ? 'lead' : 'purchase',
      url: 'https://shop.example.com/',
      user_agent: 'Mozilla/5.0',
      ...(i >= 25 ? { value: 10, currency: 'BRL', consent: { ads: false } } : {}),
    }));
    expect((await t.call('POST', '/api/v1/events', acme.keys.admin, { events })).statusCode).toBe(202);
  });
  afterAll(() => t.close());

  const count = async (key: string, query = '') => {
    const res = await t.call('GET', `/api/v1/events/count${query}`, key);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { count: number; capped: boolean };
  };

  it('counts the events the same filters list, by status, name and several statuses at once', async () => {
    expect(await count(acme.keys.admin)).toEqual({ count: 30, capped: false });
    expect(await count(acme.keys.admin, '?status=pending')).toEqual({ count: 25, capped: false });
    expect(await count(acme.keys.admin, '?status=skipped')).toEqual({ count: 5, capped: false });
    expect(await count(acme.keys.admin, '?status=pending,skipped')).toEqual({ count: 30, capped: false });
    expect(await count(acme.keys.admin, '?status=dead,failed')).toEqual({ count: 0, capped: false });
    expect(await count(acme.keys.admin, '?event_name=Purchase')).toEqual({ count: 5, capped: false });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await count(acme.keys.admin, `?from=${encodeURIComponent(future)}`)).toEqual({ count: 0, capped: false });
    // The list agrees.
    const listed = (await t.call('GET', '/api/v1/events?status=skipped', acme.keys.admin)).json() as {
      items: unknown[];
    };
    expect(listed.items).toHaveLength(5);
  });

  it('stops at its limit and says so', async () => {
    expect(await count(acme.keys.admin, '?limit=10')).toEqual({ count: 10, capped: true });
    expect(await count(acme.keys.admin, '?limit=30')).toEqual({ count: 30, capped: false });
  });

  it("never counts another tenant's events, and names a bad filter", async () => {
    expect(await count(other.keys.admin)).toEqual({ count: 0, capped: false });
    expect((await t.call('GET', '/api/v1/events/count', acme.keys.ingest)).statusCode).toBe(403);
    const bad = await t.call('GET', '/api/v1/events/count?status=lost', acme.keys.admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('querystring.status');
  });
});
