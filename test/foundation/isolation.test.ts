import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

/**
 * Tenant isolation through every route: with tenant A's keys, no route returns tenant B's data or
 * changes it. The sweep reads the OpenAPI document, so routes added later are covered too.
 */
describe('tenant isolation', () => {
  let t: TestRastro;
  let a: TestTenant;
  let b: TestTenant;
  let bIds: string[];
  beforeAll(async () => {
    t = await startTestRastro();
    a = await t.createTenant('tenant-a');
    b = await t.createTenant('tenant-b');
    // Give B some data of its own: an extra key (ledger entries) and a rejected request.
    await t.call('POST', '/api/v1/keys', b.keys.admin, { scope: 'ingest', name: 'b-secret-name' });
    await t.call('POST', '/api/v1/keys', b.keys.admin, { scope: 'nope' });
    const keys = (await t.call('GET', '/api/v1/keys', b.keys.admin)).json() as { items: { id: string }[] };
    const rejections = (await t.call('GET', '/api/v1/rejections', b.keys.admin)).json() as { items: { id: string }[] };
    expect(rejections.items.length).toBeGreaterThan(0);
    bIds = [b.id, ...keys.items.map((k) => k.id), ...rejections.items.map((r) => r.id)];
  });
  afterAll(() => t.close());

  it('no GET route shows B data to A', async () => {
    const spec = (await t.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths = Object.entries(spec.paths).filter(([path, ops]) => path.startsWith('/api/v1') && ops.get);
    expect(paths.length).toBeGreaterThan(3);
    for (const [path] of paths) {
      const urls = path.includes('{') ? bIds.map((id) => path.replace(/\{[^}]+\}/g, id)) : [path];
      for (const url of urls) {
        const res = await t.call('GET', url, a.keys.admin);
        // A B id in the path must be unknown to A (404 echoes the id it did not find; 400 for a bad id
        // shape; 401 on the operator's routes, which no tenant key opens).
        if (url !== path) {
          expect([400, 401, 404], `${url} answered ${res.statusCode}`).toContain(res.statusCode);
          for (const id of bIds) if (!url.includes(id)) expect(res.body, `${url} leaked ${id}`).not.toContain(id);
          continue;
        }
        for (const id of bIds) expect(res.body, `${url} leaked ${id}`).not.toContain(id);
        expect(res.body).not.toContain('b-secret-name');
      }
    }
  });

  it('A cannot revoke B keys', async () => {
    const keys = (await t.call('GET', '/api/v1/keys', b.keys.admin)).json() as { items: { id: string }[] };
    for (const key of keys.items) {
      expect((await t.call('DELETE', `/api/v1/keys/${key.id}`, a.keys.admin)).statusCode).toBe(404);
    }
    expect((await t.call('GET', '/api/v1/me', b.keys.admin)).statusCode).toBe(200);
  });

  it('A ledger holds only A entries', async () => {
    const page = (await t.call('GET', '/api/v1/ledger?limit=500', a.keys.admin)).json() as {
      items: { entity_id: string }[];
    };
    expect(page.items.length).toBeGreaterThan(0);
    for (const id of bIds) expect(page.items.map((e) => e.entity_id)).not.toContain(id);
  });
});
