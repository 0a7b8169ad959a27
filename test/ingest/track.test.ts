import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrackCommitter, submitTrack } from '../../src/ingest/committer.ts';
import { foldTouchesOf } from '../../src/sessions/queue.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';
import { addMetaDestination } from '../support/meta.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; problem: string }[] };
}

describe('track API', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  let destinationId: string;

  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('shop');
    destinationId = await addMetaDestination(t, tenant);
  });
  afterAll(() => t.close());

  const db = () => t.rastro.ctx.db;
  const track = (url: string, payload: unknown, key = tenant.keys.ingest, headers: Record<string, string> = {}) =>
    t.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${key}`, ...headers },
      payload: payload as string,
    });
  const eventRow = (eventId: string) =>
    db()
      .selectFrom('events')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('event_id', '=', eventId)
      .executeTakeFirst();
  const fields = (body: ErrorBody) => (body.error.details ?? []).map((d) => d.field);

  it('accepts one event at /track/{event}: 202 {event_id} once committed, with client IP and UA', async () => {
    const res = await track(
      '/api/v1/track/lead',
      { url: 'https://shop.example.com/', user: { email: 'Ana@Example.com' }, value: 0, currency: 'BRL' },
      tenant.keys.ingest,
      { 'user-agent': 'Mozilla/5.0 (X11) Chrome/120' },
    );
    expect(res.statusCode, res.body).toBe(202);
    const { id, event_id } = res.json() as { id: string; event_id: string };
    expect(event_id).toBeTruthy();
    const row = await eventRow(event_id);
    expect(row).toMatchObject({ id, event_name: 'lead', source: 'track', consent_ads: true });
    const payload = row!.payload as Record<string, unknown>;
    expect(payload).toMatchObject({ client_ip: '127.0.0.1', user_agent: 'Mozilla/5.0 (X11) Chrome/120' });
    expect((payload.user as Record<string, unknown>).em).toEqual([sha('ana@example.com')]);
    expect(JSON.stringify(payload)).not.toMatch(/ana@example/i);
    const deliveries = await db().selectFrom('deliveries').selectAll().where('event_ref', '=', id).execute();
    expect(deliveries.map((d) => [d.destination_id, d.status])).toEqual([[destinationId, 'pending']]);
  });

  it('keeps a given event_id, maps pageview and Meta names, and accepts custom names and click', async () => {
    for (const [name, stored] of [
      ['pageview', 'page_view'],
      ['PageView', 'page_view'],
      ['initiate_checkout', 'initiate_checkout'],
      ['click', 'click'],
      ['quiz_done', 'quiz_done'],
    ]) {
      const id = `given-${name}`;
      const res = await track(`/api/v1/track/${name}`, { event_id: id });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().event_id).toBe(id);
      expect((await eventRow(id))?.event_name).toBe(stored);
    }
  });

  it('accepts an empty body at /track/{event}', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/track/page_view',
      headers: { authorization: `Bearer ${tenant.keys.ingest}` },
    });
    expect(res.statusCode, res.body).toBe(202);
  });

  it('accepts a batch at /track with one id per event, in order', async () => {
    const events = Array.from({ length: 500 }, (_, i) => ({ event_name: 'view_content', event_id: `batch-${i}` }));
    const res = await track('/api/v1/track', { events });
    expect(res.statusCode, res.body).toBe(202);
    const accepted = (res.json() as { events: { event_id: string }[] }).events;
    expect(accepted.map((a) => a.event_id)).toEqual(events.map((e) => e.event_id));
    const count = await db()
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenant.id)
      .where('event_id', 'like', 'batch-%')
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(500);
  });

  it('accepts text/plain JSON with the key in ?key= (navigator.sendBeacon)', async () => {
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/track?key=${tenant.keys.ingest}`,
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ events: [{ event_name: 'page_view', event_id: 'beacon-1' }] }),
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(await eventRow('beacon-1')).toBeDefined();
  });

  it('accepts an admin key too', async () => {
    const res = await track('/api/v1/track/page_view', {}, tenant.keys.admin);
    expect(res.statusCode).toBe(202);
  });

  it('refuses a missing or invalid key with 401', async () => {
    const missing = await t.inject({ method: 'POST', url: '/api/v1/track/lead', payload: {} });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('unauthorized');
    const invalid = await track('/api/v1/track/lead', {}, 'rst_ingest_not-a-key');
    expect(invalid.statusCode).toBe(401);
    const invalidQuery = await t.inject({ method: 'POST', url: '/api/v1/track?key=nope', payload: { events: [] } });
    expect(invalidQuery.statusCode).toBe(401);
  });

  it('refuses an ingest key on the admin routes of ingest with 403', async () => {
    for (const [method, url, payload] of [
      ['GET', '/api/v1/links', undefined],
      ['POST', '/api/v1/links', { slug: 'x', target_url: 'https://example.com' }],
      ['GET', '/api/v1/ingest/settings', undefined],
      ['PATCH', '/api/v1/ingest/settings', { allowed_origins: [] }],
      ['GET', '/api/v1/snippet', undefined],
      ['GET', '/api/v1/sessions/rs0', undefined],
    ] as const) {
      const res = await t.call(method, url, tenant.keys.ingest, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
  });

  it('refuses bad JSON with 400 bad_json and keeps the request', async () => {
    const res = await track('/api/v1/track', '{"events": [', tenant.keys.ingest, {
      'content-type': 'application/json',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('bad_json');
    const beacon = await t.inject({
      method: 'POST',
      url: `/api/v1/track/lead?key=${tenant.keys.ingest}`,
      headers: { 'content-type': 'text/plain' },
      payload: 'not json',
    });
    expect(beacon.statusCode).toBe(400);
    expect(beacon.json().error.code).toBe('bad_json');
    const kept = (await t.call('GET', '/api/v1/rejections', tenant.keys.admin)).json() as {
      items: { code: string; source: string; url: string }[];
    };
    const mine = kept.items.filter((r) => r.code === 'bad_json' && r.source.startsWith('/api/v1/track'));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(mine)).not.toContain(tenant.keys.ingest); // ?key= is masked
  });

  it('names each field of the wrong type', async () => {
    const one = await track('/api/v1/track/purchase', {
      value: 'lots',
      currency: 12,
      user: { email: 5 },
      consent: { ads: 'yes' },
      session_id: 7,
      nope: true,
    });
    expect(one.statusCode).toBe(400);
    expect(fields(one.json())).toEqual(
      expect.arrayContaining([
        'body.value',
        'body.currency',
        'body.user.email',
        'body.consent.ads',
        'body.session_id',
        'body.nope',
      ]),
    );
    const batch = await track('/api/v1/track', {
      events: [{ event_name: 'lead' }, { event_name: 'purchase', value: '10', fbc: 'nope' }, { value: 1 }],
    });
    expect(batch.statusCode).toBe(400);
    expect(fields(batch.json())).toEqual(
      expect.arrayContaining(['body.events.1.value', 'body.events.1.fbc', 'body.events.2.event_name']),
    );
    const badName = await track('/api/v1/track/bad%20name!', {});
    expect(badName.statusCode).toBe(400);
    expect(fields(badName.json())).toContain('params.event');
    const ms = await track('/api/v1/track', { events: [{ event_name: 'lead', event_time: Date.now() }] });
    expect(ms.statusCode).toBe(400);
    expect(fields(ms.json())).toContain('body.events.0.event_time');
    const nul = await track('/api/v1/track/lead', { url: 'https://x.example/\u0000' });
    expect(nul.statusCode).toBe(400);
    const text = await track('/api/v1/track/lead', { custom: { note: 'the text \\u0000 is fine' } });
    expect(text.statusCode).toBe(202);
    expect(await eventRow('never')).toBeUndefined();
  });

  it('refuses a batch over 500 events and an empty one', async () => {
    const events = Array.from({ length: 501 }, () => ({ event_name: 'page_view' }));
    const big = await track('/api/v1/track', { events });
    expect(big.statusCode).toBe(400);
    expect(fields(big.json())).toContain('body.events');
    const empty = await track('/api/v1/track', { events: [] });
    expect(empty.statusCode).toBe(400);
  });

  it('stores a consent-denied event, marks its deliveries skipped, and leaves no session trace', async () => {
    const res = await track('/api/v1/track/purchase', {
      event_id: 'denied-1',
      session_id: 'rs-denied-session',
      user: { email: 'denied@example.com' },
      value: 10,
      currency: 'BRL',
      consent: { ads: false },
    });
    expect(res.statusCode).toBe(202);
    const row = await eventRow('denied-1');
    expect(row?.consent_ads).toBe(false);
    const deliveries = await db().selectFrom('deliveries').selectAll().where('event_ref', '=', row!.id).execute();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'skipped', last_error: 'consent denied: stored, never sent' });
    const detail = (await t.call('GET', `/api/v1/events/${row!.id}`, tenant.keys.admin)).json();
    expect(detail.deliveries[0].status).toBe('skipped');
    await foldTouchesOf(db(), tenant.id);
    const sessions = await db()
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('session_id', '=', 'rs-denied-session')
      .execute();
    expect(sessions).toEqual([]);
    const links = await db()
      .selectFrom('identity_links')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('hash', '=', sha('denied@example.com'))
      .execute();
    expect(links).toEqual([]);
  });

  it('commits concurrent requests in shared transactions and answers each with its own ids', async () => {
    const metric = async () => {
      const m = await t.rastro.ctx.metrics.getSingleMetric('rastro_ingest_group_size')!.get();
      const named = m.values as { metricName?: string; value: number }[];
      const count = named.find((v) => v.metricName === 'rastro_ingest_group_size_count')?.value ?? 0;
      const sum = named.find((v) => v.metricName === 'rastro_ingest_group_size_sum')?.value ?? 0;
      return { groups: count, requests: sum };
    };
    const before = await metric();
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => track('/api/v1/track/page_view', { event_id: `conc-${i}` })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 202));
    expect(responses.map((r) => r.json().event_id)).toEqual(responses.map((_, i) => `conc-${i}`));
    const after = await metric();
    expect(after.requests - before.requests).toBe(60);
    expect(after.groups - before.groups).toBeLessThan(30);
    for (let i = 0; i < 60; i++) expect(await eventRow(`conc-${i}`)).toBeDefined();
  });

  it('keeps tenants apart inside a shared group', async () => {
    const other = await t.createTenant('other');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        track('/api/v1/track/lead', { event_id: `mixed-${i}` }, i % 2 ? other.keys.ingest : tenant.keys.ingest),
      ),
    );
    expect(responses.every((r) => r.statusCode === 202)).toBe(true);
    const rows = await db()
      .selectFrom('events')
      .select(['id', 'tenant_id', 'event_id'])
      .where('event_id', 'like', 'mixed-%')
      .execute();
    expect(rows).toHaveLength(20);
    for (const [i, r] of responses.entries()) {
      const row = rows.find((x) => x.id === r.json().id)!;
      expect(row.event_id).toBe(`mixed-${i}`);
      expect(row.tenant_id).toBe(i % 2 ? other.id : tenant.id);
    }
  });

  it('answers each request of a failed group on its own: good ones commit, the bad one fails', async () => {
    const committer = createTrackCommitter(t.rastro.ctx);
    const submit = (eventId: string, sessionId = `rs-${eventId}`) =>
      submitTrack(t.rastro.ctx, committer, {
        tenantId: tenant.id,
        inputs: [
          { event_name: 'page_view', event_id: eventId, url: 'https://shop.example.com/', session_id: sessionId },
        ],
        field: () => 'body',
      });
    // NUL cannot be stored in a text column (the HTTP layer refuses it first): this request fails
    // inside the shared transaction.
    const outcomes = await Promise.allSettled([
      submit('group-a'),
      submit('group-b'),
      submit('group-bad', 'rs-\u0000'),
      submit('group-c'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(committer.stats.fallbacks).toBe(1);
    for (const id of ['group-a', 'group-b', 'group-c']) expect(await eventRow(id)).toBeDefined();
    expect(await eventRow('group-bad')).toBeUndefined();
    const accepted = outcomes[0] as PromiseFulfilledResult<{ event_id: string }[]>;
    expect(accepted.value[0]?.event_id).toBe('group-a');
    await committer.close();
  });

  it('serves /r.js gzipped or plain, cacheable, with an ETag', async () => {
    const gz = await t.inject({ method: 'GET', url: '/r.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers).toMatchObject({
      'content-type': 'application/javascript; charset=utf-8',
      'content-encoding': 'gzip',
      'cache-control': 'public, max-age=3600',
    });
    expect(gz.rawPayload.length).toBeLessThan(3 * 1024);
    const plain = await t.inject({ method: 'GET', url: '/r.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('/api/v1/track?key=');
    const again = await t.inject({
      method: 'GET',
      url: '/r.js',
      headers: { 'if-none-match': gz.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
  });

  it('hands out the loader snippet with a checked ingest key or a placeholder', async () => {
    const withKey = await t.call('GET', `/api/v1/snippet?ingest_key=${tenant.keys.ingest}`, tenant.keys.admin);
    expect(withKey.statusCode, withKey.body).toBe(200);
    expect(withKey.json()).toMatchObject({ script_url: 'http://localhost:80/r.js', ingest_key_placeholder: false });
    expect(withKey.json().html).toContain(`rastro("init","${tenant.keys.ingest}"`);
    const placeholder = (await t.call('GET', '/api/v1/snippet', tenant.keys.admin)).json();
    expect(placeholder.html).toContain('YOUR_INGEST_KEY');
    const adminKey = await t.call('GET', `/api/v1/snippet?ingest_key=${tenant.keys.admin}`, tenant.keys.admin);
    expect(adminKey.statusCode).toBe(400); // never embed an admin key in a public page
  });

  it('documents the track routes in OpenAPI', async () => {
    const spec = (await t.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/track',
        '/api/v1/track/{event}',
        '/api/v1/links',
        '/api/v1/ingest/settings',
        '/api/v1/snippet',
        '/r.js',
        '/go/{slug}',
      ]),
    );
  });
});
