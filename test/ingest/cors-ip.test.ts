import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

const ipOf = async (t: TestRastro, tenant: TestTenant, headers: Record<string, string>, remoteAddress: string) => {
  const res = await t.inject({
    method: 'POST',
    url: '/api/v1/track/page_view',
    headers: { authorization: `Bearer ${tenant.keys.ingest}`, ...headers },
    payload: {},
    remoteAddress,
  });
  expect(res.statusCode).toBe(202);
  const row = await t.rastro.ctx.db
    .selectFrom('events')
    .select('payload')
    .where('tenant_id', '=', tenant.id)
    .where('event_id', '=', res.json().event_id)
    .executeTakeFirstOrThrow();
  return (row.payload as { client_ip?: string }).client_ip;
};

describe('track API: CORS per tenant', () => {
  let t: TestRastro;
  let shop: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    t = await startTestRastro();
    shop = await t.createTenant('shop');
    other = await t.createTenant('other');
  });
  afterAll(() => t.close());

  const beacon = (key: string, origin: string, eventId: string) =>
    t.inject({
      method: 'POST',
      url: `/api/v1/track?key=${key}`,
      headers: { origin, 'content-type': 'text/plain' },
      payload: JSON.stringify({ events: [{ event_name: 'page_view', event_id: eventId }] }),
    });
  const stored = async (tenantId: string, eventId: string) =>
    Boolean(
      await t.rastro.ctx.db
        .selectFrom('events')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('event_id', '=', eventId)
        .executeTakeFirst(),
    );

  it('accepts any origin while the tenant has no allowed origins, echoing it', async () => {
    const res = await beacon(shop.keys.ingest, 'https://anything.example', 'cors-open');
    expect(res.statusCode).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe('https://anything.example');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('sets allowed origins through the admin API (normalized, ledgered) and rejects malformed ones', async () => {
    const bad = await t.call('PATCH', '/api/v1/ingest/settings', shop.keys.admin, {
      allowed_origins: ['https://shop.example.com', 'ftp://x', 'https://shop.example.com/path'],
    });
    expect(bad.statusCode).toBe(400);
    expect((bad.json().error.details as { field: string }[]).map((d) => d.field)).toEqual([
      'body.allowed_origins.1',
      'body.allowed_origins.2',
    ]);
    const res = await t.call('PATCH', '/api/v1/ingest/settings', shop.keys.admin, {
      allowed_origins: ['https://Shop.Example.com/', 'https://*.example.org'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().allowed_origins).toEqual(['https://shop.example.com', 'https://*.example.org']);
    const got = (await t.call('GET', '/api/v1/ingest/settings', shop.keys.admin)).json();
    expect(got.allowed_origins).toEqual(['https://shop.example.com', 'https://*.example.org']);
    expect(got.built_in_checkout_hosts.map((h: { host: string }) => h.host)).toContain('pay.hotmart.com');
    const ledger = (await t.call('GET', '/api/v1/ledger?type=ingest_settings.updated', shop.keys.admin)).json();
    expect(ledger.items).toHaveLength(1);
  });

  it('accepts an allowed origin (exact or under a wildcard) and refuses an unknown one with 403', async () => {
    const ok = await beacon(shop.keys.ingest, 'https://shop.example.com', 'cors-ok');
    expect(ok.statusCode).toBe(202);
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    const sub = await beacon(shop.keys.ingest, 'https://lp.example.org', 'cors-sub');
    expect(sub.statusCode).toBe(202);

    for (const [origin, id] of [
      ['https://evil.example', 'cors-evil'],
      ['http://shop.example.com', 'cors-http'],
      ['https://example.org', 'cors-apex'],
      ['https://shop.example.com.evil.example', 'cors-suffix'],
      ['null', 'cors-null'],
    ]) {
      const res = await beacon(shop.keys.ingest, origin!, id!);
      expect(res.statusCode, origin).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(await stored(shop.id, id!)).toBe(false);
    }
    // Server-to-server calls carry no Origin and are not concerned.
    const server = await t.call('POST', '/api/v1/track/lead', shop.keys.ingest, {});
    expect(server.statusCode).toBe(202);
    // Another tenant's list does not apply.
    expect((await beacon(other.keys.ingest, 'https://evil.example', 'cors-other')).statusCode).toBe(202);
  });

  it('answers preflights per tenant when the key is in the query, permissively without a key', async () => {
    const preflight = (url: string, origin: string) =>
      t.inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const ok = await preflight(`/api/v1/track?key=${shop.keys.ingest}`, 'https://shop.example.com');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': 'https://shop.example.com',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type',
    });
    const denied = await preflight(`/api/v1/track/lead?key=${shop.keys.ingest}`, 'https://evil.example');
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const badKey = await preflight('/api/v1/track?key=nope', 'https://shop.example.com');
    expect(badKey.statusCode).toBe(401);
    // Without a key the tenant is unknown; the request itself is checked after authentication.
    const anonymous = await preflight('/api/v1/track', 'https://evil.example');
    expect(anonymous.statusCode).toBe(204);
    const actual = await t.inject({
      method: 'POST',
      url: '/api/v1/track/lead',
      headers: { origin: 'https://evil.example', authorization: `Bearer ${shop.keys.ingest}` },
      payload: {},
    });
    expect(actual.statusCode).toBe(403);
  });

  it('ignores X-Forwarded-For when no proxy is trusted (the default)', async () => {
    expect(await ipOf(t, other, { 'x-forwarded-for': '198.51.100.7' }, '10.1.2.3')).toBe('10.1.2.3');
  });

  it('validates checkout hosts and the cookie domain', async () => {
    const bad = await t.call('PATCH', '/api/v1/ingest/settings', shop.keys.admin, {
      checkout_hosts: [
        { host: 'not a host', params: ['sck'] },
        { host: 'pay.example.com', params: ['a b'] },
      ],
      cookie_domain: 'bad domain',
    });
    expect(bad.statusCode).toBe(400);
    expect((bad.json().error.details as { field: string }[]).map((d) => d.field)).toEqual([
      'body.checkout_hosts.0.host',
      'body.checkout_hosts.1.params.0',
      'body.cookie_domain',
    ]);
    const ok = await t.call('PATCH', '/api/v1/ingest/settings', shop.keys.admin, {
      checkout_hosts: [{ host: 'Checkout.Example.com', params: ['ref'] }],
      cookie_domain: '.Example.com',
    });
    expect(ok.json()).toMatchObject({
      checkout_hosts: [{ host: 'checkout.example.com', params: ['ref'] }],
      cookie_domain: 'example.com',
      allowed_origins: ['https://shop.example.com', 'https://*.example.org'], // untouched
    });
  });
});

describe('track API: client IP behind proxies', () => {
  it('ignores X-Forwarded-For without trusted proxies, and honours it only from trusted ones', async () => {
    const proxied = await startTestRastro({ env: { RASTRO_TRUSTED_PROXIES: '10.0.0.0/8' } });
    try {
      const b = await proxied.createTenant();
      // From a trusted proxy: the client it names.
      expect(await ipOf(proxied, b, { 'x-forwarded-for': '198.51.100.7' }, '10.1.2.3')).toBe('198.51.100.7');
      // A chain through two trusted proxies: the first untrusted hop from the right.
      expect(await ipOf(proxied, b, { 'x-forwarded-for': '198.51.100.8, 10.9.9.9' }, '10.1.2.3')).toBe('198.51.100.8');
      // A spoofed header sent by the client through the proxy does not win over the proxy's own entry.
      expect(await ipOf(proxied, b, { 'x-forwarded-for': '1.2.3.4, 203.0.113.50' }, '10.1.2.3')).toBe('203.0.113.50');
      // Not from a trusted proxy: the header is ignored.
      expect(await ipOf(proxied, b, { 'x-forwarded-for': '198.51.100.7' }, '203.0.113.9')).toBe('203.0.113.9');
      // An ip in the event itself (a server sending on behalf of a browser) wins.
      const res = await proxied.call('POST', '/api/v1/track/lead', b.keys.ingest, { ip: '192.0.2.44' });
      const row = await proxied.rastro.ctx.db
        .selectFrom('events')
        .select('payload')
        .where('event_id', '=', res.json().event_id)
        .executeTakeFirstOrThrow();
      expect((row.payload as { client_ip?: string }).client_ip).toBe('192.0.2.44');
    } finally {
      await proxied.close();
    }
  });
});
