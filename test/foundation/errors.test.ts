import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

describe('error shape and rejected requests', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('acme');
  });
  afterAll(() => t.close());

  it('names each offending field', async () => {
    const res = await t.call('POST', '/api/v1/keys', tenant.keys.admin, { scope: 'root', extra: 1 });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('validation_failed');
    const fields = (error.details as { field: string }[]).map((d) => d.field);
    expect(fields).toContain('body.scope');
    expect(fields).toContain('body.extra');
  });

  it('spells out the first ten problems and lists them all in details', async () => {
    const events = Array.from({ length: 30 }, () => ({ event_name: 'purchase', value: 'lots' }));
    const res = await t.call('POST', '/api/v1/events', tenant.keys.admin, { events });
    expect(res.statusCode).toBe(400);
    const { error } = res.json() as { error: { message: string; details: { field: string }[] } };
    expect(error.details.map((d) => d.field)).toEqual(events.map((_, i) => `body.events.${i}.value`));
    expect(error.message).toMatch(
      /^body\.events\.0\.value: must be number; .*body\.events\.9\.value: must be number; and 20 more \(see details\)$/,
    );
  });

  it('answers bad JSON with 400 bad_json and keeps the request', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { authorization: `Bearer ${tenant.keys.admin}`, 'content-type': 'application/json' },
      payload: '{"scope": "admin",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('bad_json');
    const list = (await t.call('GET', '/api/v1/rejections', tenant.keys.admin)).json() as {
      items: { id: string; code: string }[];
    };
    const kept = list.items.find((r) => r.code === 'bad_json');
    expect(kept).toBeDefined();
    const detail = (await t.call('GET', `/api/v1/rejections/${kept?.id}`, tenant.keys.admin)).json();
    expect(detail.body).toBe('{"scope": "admin",');
    // Sealed at rest: the database does not hold the body in clear.
    const rows = await t.rastro.ctx.db.selectFrom('rejected_requests').select('body_sealed').execute();
    expect(JSON.stringify(rows)).not.toContain('"scope"');
  });

  it('refuses a body that is not JSON with 415, says what to send, and keeps the request', async () => {
    for (const [type, payload] of [
      ['application/x-www-form-urlencoded', 'events=1'],
      ['application/octet-stream', 'events=2'],
      ['application/xml', '<events/>'],
    ] as const) {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { authorization: `Bearer ${tenant.keys.admin}`, 'content-type': type },
        payload,
      });
      expect(res.statusCode, type).toBe(415);
      const { error } = res.json();
      expect(error.code).toBe('unsupported_media_type');
      expect(error.message).toBe(`body must be JSON: send Content-Type: application/json (got ${type})`);
      // One short answer, not a list of the fields of a Buffer.
      expect(res.body.length).toBeLessThan(300);
    }
    const list = (await t.call('GET', '/api/v1/rejections?code=unsupported_media_type', tenant.keys.admin)).json() as {
      items: { id: string; code: string }[];
    };
    const kept = list.items;
    expect(kept.map((r) => r.code)).toEqual([
      'unsupported_media_type',
      'unsupported_media_type',
      'unsupported_media_type',
    ]);
    expect((await t.call('GET', '/api/v1/rejections?code=nope', tenant.keys.admin)).statusCode).toBe(400);
    const bodies = await Promise.all(
      kept.map(async (r) => (await t.call('GET', `/api/v1/rejections/${r.id}`, tenant.keys.admin)).json().body),
    );
    expect(bodies).toEqual(expect.arrayContaining(['events=1', 'events=2']));
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('echoes a request id and counts requests in /metrics', async () => {
    const res = await t.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    // Error answers carry it too (the header is set when the request arrives).
    const refused = await t.inject({ method: 'GET', url: '/api/v1/events', headers: { 'x-request-id': 'def-456' } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['x-request-id']).toBe('def-456');
    const missing = await t.inject({
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: { 'x-request-id': 'ghi-789' },
    });
    expect(missing.headers['x-request-id']).toBe('ghi-789');
    const metrics = (await t.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/rastro_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(metrics).toContain('rastro_http_request_duration_seconds_bucket');
  });

  it('serves readiness, OpenAPI and the docs UI', async () => {
    const ready = await t.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toMatchObject({ database: 'ok', migrations: 'ok' });
    const spec = (await t.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/tenants', '/api/v1/ledger']));
    // Routes without credentials say so; the others inherit the document's bearer requirement.
    for (const [path, method] of [
      ['/healthz', 'get'],
      ['/r.js', 'get'],
      ['/go/{slug}', 'get'],
      ['/metrics', 'get'],
    ] as const) {
      expect(spec.paths[path][method].security, path).toEqual([]);
    }
    expect(spec.paths['/api/v1/events'].post.security).toBeUndefined();
    expect(spec.security).toEqual([{ bearer: [] }]);
    expect((await t.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  it('compresses large answers for clients that accept it, never the ingest routes', async () => {
    const gzip = { 'accept-encoding': 'gzip' };
    const ui = await t.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js', headers: gzip });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(ui.rawPayload).length).toBeGreaterThan(3 * ui.rawPayload.length);
    const spec = await t.inject({ method: 'GET', url: '/openapi.json', headers: { 'accept-encoding': 'br' } });
    expect(spec.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(spec.rawPayload).toString()).openapi).toBe('3.1.0');
    // Without Accept-Encoding: as before.
    const plain = await t.inject({ method: 'GET', url: '/openapi.json' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    // A batch's answer can pass the threshold; the ingest routes still answer uncompressed.
    const events = Array.from({ length: 40 }, () => ({ event_name: 'page_view', url: 'https://shop.example.com/' }));
    const track = await t.inject({
      method: 'POST',
      url: '/api/v1/track',
      headers: { ...gzip, authorization: `Bearer ${tenant.keys.ingest}` },
      payload: { events },
    });
    expect(track.statusCode).toBe(202);
    expect(track.rawPayload.length).toBeGreaterThan(1024);
    expect(track.headers['content-encoding']).toBeUndefined();
  });

  it('tells a key which key it is (GET /me)', async () => {
    const me = (await t.call('GET', '/api/v1/me', tenant.keys.admin)).json() as { key_id: string; name: string };
    expect(me.name).toBe('acme');
    const keys = (await t.call('GET', '/api/v1/keys', tenant.keys.admin)).json() as {
      items: { id: string; scope: string }[];
    };
    expect(keys.items.find((k) => k.id === me.key_id)?.scope).toBe('admin');
  });

  it('says what is wrong with an Authorization header without the Bearer scheme', async () => {
    const res = await t.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: tenant.keys.admin },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toContain('must be "Bearer <key>"');
  });
});

describe('/metrics with RASTRO_METRICS_TOKEN', () => {
  let t: TestRastro;
  const token = 'metrics-token-0123456789';
  beforeAll(async () => {
    t = await startTestRastro({ env: { RASTRO_METRICS_TOKEN: token } });
  });
  afterAll(() => t.close());

  it('asks for the token, and the OpenAPI document says so', async () => {
    expect((await t.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await t.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const ok = await t.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('rastro_http_requests_total');
    const spec = (await t.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(spec.paths['/metrics'].get.security).toBeUndefined();
    expect((await t.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
