import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

describe('authentication and scopes', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('acme');
  });
  afterAll(() => t.close());

  it('creates a tenant with prefixed admin and ingest keys', () => {
    expect(tenant.keys.admin).toMatch(/^rst_admin_[A-Za-z0-9_-]{40,}$/);
    expect(tenant.keys.ingest).toMatch(/^rst_ingest_[A-Za-z0-9_-]{40,}$/);
  });

  it('rejects a missing key with 401 and the error shape', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/keys' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Bearer') } });
  });

  it('rejects a wrong key with 401', async () => {
    const res = await t.call('GET', '/api/v1/keys', 'rst_admin_notarealkey');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });

  it('rejects an ingest key on an admin route with 403', async () => {
    const res = await t.call('GET', '/api/v1/keys', tenant.keys.ingest);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('accepts an ingest key on an ingest route, also as ?key=', async () => {
    expect((await t.call('GET', '/api/v1/me', tenant.keys.ingest)).json()).toMatchObject({ scope: 'ingest' });
    const res = await t.inject({ method: 'GET', url: `/api/v1/me?key=${tenant.keys.ingest}` });
    expect(res.statusCode).toBe(200);
  });

  it('does not accept ?key= on admin routes', async () => {
    const res = await t.inject({ method: 'GET', url: `/api/v1/keys?key=${tenant.keys.admin}` });
    expect(res.statusCode).toBe(401);
  });

  it('guards tenant creation with the operator token', async () => {
    expect((await t.call('POST', '/api/v1/tenants', tenant.keys.admin, { name: 'x' })).statusCode).toBe(401);
    expect((await t.call('POST', '/api/v1/tenants', OPERATOR_TOKEN, { name: 'x' })).statusCode).toBe(201);
  });

  it('creates, lists and revokes keys; a revoked key gets 401 at once', async () => {
    const created = await t.call('POST', '/api/v1/keys', tenant.keys.admin, { scope: 'admin', name: 'ci' });
    expect(created.statusCode).toBe(201);
    const key = created.json() as { id: string; key: string; prefix: string };
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect((await t.call('GET', '/api/v1/me', key.key)).statusCode).toBe(200);

    const list = (await t.call('GET', '/api/v1/keys', tenant.keys.admin)).json() as { items: { id: string }[] };
    expect(list.items.map((k) => k.id)).toContain(key.id);
    expect(JSON.stringify(list)).not.toContain(key.key);

    expect((await t.call('DELETE', `/api/v1/keys/${key.id}`, tenant.keys.admin)).statusCode).toBe(204);
    expect((await t.call('GET', '/api/v1/me', key.key)).statusCode).toBe(401);
    expect((await t.call('DELETE', `/api/v1/keys/${key.id}`, tenant.keys.admin)).statusCode).toBe(404);
  });

  it("lets the operator token manage any tenant's keys (a lost admin key), and nothing else does", async () => {
    const other = await t.createTenant('other');
    const path = `/api/v1/tenants/${other.id}/keys`;
    // A tenant's admin key cannot reach another tenant's keys, nor its own through the operator route.
    expect((await t.call('GET', path, tenant.keys.admin)).statusCode).toBe(401);
    expect(
      (await t.call('POST', `/api/v1/tenants/${tenant.id}/keys`, tenant.keys.admin, { scope: 'admin' })).statusCode,
    ).toBe(401);

    const created = await t.call('POST', path, OPERATOR_TOKEN, { scope: 'admin', name: 'recovery' });
    expect(created.statusCode).toBe(201);
    const key = created.json() as { id: string; key: string };
    const me = (await t.call('GET', '/api/v1/me', key.key)).json() as { tenant_id: string; scope: string };
    expect(me).toMatchObject({ tenant_id: other.id, scope: 'admin' });
    const listed = (await t.call('GET', path, OPERATOR_TOKEN)).json() as { items: { id: string; name: string }[] };
    expect(listed.items).toContainEqual(expect.objectContaining({ id: key.id, name: 'recovery' }));
    expect(JSON.stringify(listed)).not.toContain(key.key);

    // A key id of one tenant revoked under another tenant's path is not found, and stays valid.
    expect((await t.call('DELETE', `/api/v1/tenants/${tenant.id}/keys/${key.id}`, OPERATOR_TOKEN)).statusCode).toBe(
      404,
    );
    expect((await t.call('GET', '/api/v1/me', key.key)).statusCode).toBe(200);
    expect((await t.call('DELETE', `${path}/${key.id}`, OPERATOR_TOKEN)).statusCode).toBe(204);
    expect((await t.call('GET', '/api/v1/me', key.key)).statusCode).toBe(401);

    // The operator verifies any tenant's audit chain; a tenant key cannot.
    const verify = await t.call('GET', `/api/v1/tenants/${other.id}/ledger/verify`, OPERATOR_TOKEN);
    expect(verify.json()).toMatchObject({ ok: true, entries: expect.any(Number) });
    expect((await t.call('GET', `/api/v1/tenants/${other.id}/ledger/verify`, other.keys.admin)).statusCode).toBe(401);

    const unknown = await t.call('GET', '/api/v1/tenants/00000000-0000-7000-8000-000000000000/keys', OPERATOR_TOKEN);
    expect(unknown.statusCode).toBe(404);
    expect((await t.call('GET', '/api/v1/tenants/not-a-uuid/keys', OPERATOR_TOKEN)).statusCode).toBe(400);
  });

  it('stores only the hash of a key', async () => {
    const rows = await t.rastro.ctx.db.selectFrom('api_keys').selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(tenant.keys.admin);
    expect(dump).not.toContain(tenant.keys.ingest);
  });
});
