import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byFbclid, byIp, findSession, sessionsByIdentity } from '../../src/sessions/lookup.ts';
import { foldQueuedTouches, foldTouchesOf } from '../../src/sessions/queue.ts';
import { sessionTouchTask } from '../../src/sessions/task.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const UA = 'Mozilla/5.0 (Linux; Android 14) Chrome/124 Mobile';

// Both ways the track API writes sessions (RASTRO_INGEST_SESSIONS), on the engine under test.
describe.each(['queue', 'inline'] as const)('sessions and the identity graph (%s)', (mode) => {
  let t: TestRastro;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    t = await startTestRastro({ env: { RASTRO_INGEST_SESSIONS: mode } });
    tenant = await t.createTenant('shop');
    other = await t.createTenant('other');
  });
  afterAll(() => t.close());

  const db = () => t.rastro.ctx.db;
  const track = async (events: Record<string, unknown>[], key = tenant.keys.ingest, ip = '198.51.100.30') => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/track',
      headers: { authorization: `Bearer ${key}`, 'user-agent': UA },
      payload: { events },
      remoteAddress: ip,
    });
    expect(res.statusCode, res.body).toBe(202);
    // What every reader of sessions does first (the sessions API, matching): fold the queued touches.
    await foldTouchesOf(db(), key === tenant.keys.ingest ? tenant.id : other.id);
  };

  it('stitches events of one session: first/last seen, identifiers, first and last touch, count', async () => {
    const now = Math.floor(Date.now() / 1000);
    const landing = { at: now - 100, utm_source: 'facebook', utm_campaign: 'bf', fbclid: 'FBCLID1' };
    await track([
      {
        event_name: 'page_view',
        event_time: now - 100,
        session_id: 'rs-alpha',
        url: 'https://shop.example.com/?utm_source=facebook&fbclid=FBCLID1',
        fbc: `fb.1.${(now - 100) * 1000}.FBCLID1`,
        fbp: 'fb.1.1700000000000.1234567890',
        utm_source: 'facebook',
        utm_campaign: 'bf',
        first_touch: landing,
        last_touch: landing,
      },
      {
        event_name: 'lead',
        event_time: now - 50,
        session_id: 'rs-alpha',
        user: { email: 'Maria@Example.com', phone: '+55 11 98765-4321', external_id: 'crm-42' },
        first_touch: landing,
        last_touch: landing,
      },
    ]);
    const s = (await findSession(db(), tenant.id, 'rs-alpha'))!;
    expect(s).toMatchObject({
      ip: '198.51.100.30',
      user_agent: UA,
      fbc: `fb.1.${(now - 100) * 1000}.FBCLID1`,
      fbclid: 'FBCLID1', // read from _fbc
      fbp: 'fb.1.1700000000000.1234567890',
      event_count: 2,
      first_touch: landing,
      last_touch: landing,
    });
    expect(s.first_seen.getTime()).toBe((now - 100) * 1000);
    expect(s.last_seen.getTime()).toBe((now - 50) * 1000);

    // A later landing in the same session moves the last touch only.
    const second = { at: now - 10, utm_source: 'google', gclid: 'GCLID9' };
    await track([{ event_name: 'page_view', session_id: 'rs-alpha', first_touch: landing, last_touch: second }]);
    const s2 = (await findSession(db(), tenant.id, 'rs-alpha'))!;
    expect(s2).toMatchObject({ first_touch: landing, last_touch: second, event_count: 3, fbclid: 'FBCLID1' });
  });

  it('links hashed email, phone and external id to sessions, never a clear value', async () => {
    await track([{ event_name: 'purchase', session_id: 'rs-beta', user: { email: ' maria@example.com ' } }]);
    const links = await db()
      .selectFrom('identity_links')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('session_id', '=', 'rs-alpha')
      .orderBy('kind')
      .execute();
    expect(links.map((l) => [l.kind, l.hash])).toEqual([
      ['em', sha('maria@example.com')],
      ['external_id', sha('crm-42')],
      ['ph', sha('5511987654321')],
    ]);
    const sessions = await sessionsByIdentity(db(), tenant.id, 'em', sha('maria@example.com'));
    expect(sessions.map((s) => s.session_id).sort()).toEqual(['rs-alpha', 'rs-beta']);
    // Tenant-scoped: the other tenant sees nothing.
    expect(await sessionsByIdentity(db(), other.id, 'em', sha('maria@example.com'))).toEqual([]);
    const dump = JSON.stringify([
      await db().selectFrom('sessions').selectAll().execute(),
      await db().selectFrom('identity_links').selectAll().execute(),
    ]);
    expect(dump).not.toMatch(/maria|98765|crm-42/i);
    const view = (await t.call('GET', '/api/v1/sessions/rs-alpha', tenant.keys.admin)).json();
    expect(view.identities.map((i: { kind: string }) => i.kind).sort()).toEqual(['em', 'external_id', 'ph']);
    expect((await t.call('GET', '/api/v1/sessions/rs-alpha', other.keys.admin)).statusCode).toBe(404);
  });

  it('serves the matching lookups: by fbclid and by IP in a time window', async () => {
    const since = new Date(Date.now() - 3600_000);
    const fb = await byFbclid(db(), tenant.id, 'FBCLID1', since);
    expect(fb.sessions.map((s) => s.session_id)).toEqual(['rs-alpha']);
    const ip = await byIp(db(), tenant.id, '198.51.100.30', since, new Date(Date.now() + 60_000));
    expect(ip.sessions.map((s) => s.session_id).sort()).toEqual(['rs-alpha', 'rs-beta']);
    expect((await byFbclid(db(), other.id, 'FBCLID1', since)).sessions).toEqual([]);
  });

  it('joins a landing that carries a Rastro click id to the click', async () => {
    await t.call('POST', '/api/v1/links', tenant.keys.admin, {
      slug: 'lp',
      target_url: 'https://shop.example.com/lp',
    });
    const redirect = await t.inject({ method: 'GET', url: '/go/lp', headers: { 'user-agent': UA } });
    const clickId = new URL(redirect.headers.location as string).searchParams.get('rclid')!;
    await track([
      {
        event_name: 'page_view',
        session_id: 'rs-gamma',
        click_id: clickId,
        last_touch: { at: Math.floor(Date.now() / 1000), click_id: clickId },
      },
    ]);
    const view = (await t.call('GET', '/api/v1/sessions/rs-gamma', tenant.keys.admin)).json();
    expect(view.click_id).toBe(clickId);
    expect(view.clicks.map((c: { click_id: string }) => c.click_id)).toEqual([clickId]);
  });

  it('merges many events of one session in one group without conflicts', async () => {
    const events = Array.from({ length: 200 }, (_, i) => ({
      event_name: 'view_content',
      session_id: `rs-bulk-${i % 7}`,
      user: { email: `buyer${i % 3}@example.com` },
    }));
    await Promise.all([track(events.slice(0, 100)), track(events.slice(100))]);
    const rows = await db()
      .selectFrom('sessions')
      .select(['session_id', 'event_count'])
      .where('tenant_id', '=', tenant.id)
      .where('session_id', 'like', 'rs-bulk-%')
      .execute();
    expect(rows).toHaveLength(7);
    expect(rows.reduce((n, r) => n + r.event_count, 0)).toBe(200);
    const links = await db()
      .selectFrom('identity_links')
      .select('session_id')
      .where('tenant_id', '=', tenant.id)
      .where('session_id', 'like', 'rs-bulk-%')
      .execute();
    expect(links).toHaveLength(21); // 7 sessions × 3 emails
  });

  it.runIf(mode === 'inline')("upserts sessions in the events' statement: nothing is queued", async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/track',
      headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'user-agent': UA },
      payload: { events: [{ event_name: 'page_view', session_id: 'rs-inline', fbp: 'fb.1.1700000000000.333' }] },
    });
    expect(res.statusCode).toBe(202);
    expect(await findSession(db(), tenant.id, 'rs-inline')).toMatchObject({ event_count: 1 });
    expect(await db().selectFrom('session_touches').selectAll().execute()).toEqual([]);
  });

  it.runIf(mode === 'queue')(
    "queues a group's touches with its events; the sessions API and the worker fold them",
    async () => {
      const queued = () => db().selectFrom('session_touches').select('id').where('tenant_id', '=', tenant.id).execute();
      const raw = async (events: Record<string, unknown>[]) => {
        const res = await t.inject({
          method: 'POST',
          url: '/api/v1/track',
          headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'user-agent': UA },
          payload: { events },
        });
        expect(res.statusCode, res.body).toBe(202);
      };
      // The harness runs no worker (role api): folds happen only where this test asks.
      await raw([{ event_name: 'page_view', session_id: 'rs-queued', fbp: 'fb.1.1700000000000.111' }]);
      expect(await queued()).toHaveLength(1);
      expect(await findSession(db(), tenant.id, 'rs-queued')).toBeUndefined();
      const view = await t.call('GET', '/api/v1/sessions/rs-queued', tenant.keys.admin);
      expect(view.statusCode).toBe(200);
      expect(view.json()).toMatchObject({ event_count: 1, fbp: 'fb.1.1700000000000.111' });
      expect(await queued()).toHaveLength(0);

      // The worker's task, and the queue's length in /metrics.
      const task = sessionTouchTask(t.rastro.ctx);
      await raw([{ event_name: 'page_view', session_id: 'rs-queued' }]);
      expect(await t.rastro.ctx.metrics.metrics()).toMatch(/^rastro_session_touches_queued 1$/m);
      expect(await task.run(new AbortController().signal)).toBe(1);
      expect(await queued()).toHaveLength(0);
      expect(await t.rastro.ctx.metrics.metrics()).toMatch(/^rastro_session_touches_queued 0$/m);
      expect(await t.rastro.ctx.metrics.metrics()).toMatch(/^rastro_session_touches_folded_total 1$/m);
      expect((await findSession(db(), tenant.id, 'rs-queued'))?.event_count).toBe(2);
    },
  );

  it.runIf(mode === 'queue')('folds a backlog in two concurrent lanes: every touch counted once', async () => {
    // Twelve groups, each touching the same four sessions (and one identity per session), folded by
    // two transactions at a time: the sessions' rows are shared by every group.
    for (let g = 0; g < 12; g++) {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/track',
        headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'user-agent': UA },
        payload: {
          events: [0, 1, 2, 3].map((s) => ({
            event_name: 'lead',
            session_id: `rs-lane-${s}`,
            user: { external_id: `lane-user-${s}` },
          })),
        },
      });
      expect(res.statusCode, res.body).toBe(202);
    }
    expect(await foldQueuedTouches(db(), 100, 2)).toBe(12);
    expect(await db().selectFrom('session_touches').selectAll().where('tenant_id', '=', tenant.id).execute()).toEqual(
      [],
    );
    for (const s of [0, 1, 2, 3]) {
      expect((await findSession(db(), tenant.id, `rs-lane-${s}`))?.event_count).toBe(12);
      const linked = await sessionsByIdentity(db(), tenant.id, 'external_id', sha(`lane-user-${s}`));
      expect(linked.map((l) => l.session_id)).toEqual([`rs-lane-${s}`]);
    }
  });

  it('folds touches in any order to the same session: latest values and touches by when they were seen', async () => {
    const now = Math.floor(Date.now() / 1000);
    const early = { at: now - 300, utm_source: 'facebook' };
    const late = { at: now - 10, utm_source: 'google' };
    // The later event is committed (queued) first, as two processes' groups may be.
    const send = (event_time: number, touch: object, fbp: string) =>
      t.inject({
        method: 'POST',
        url: '/api/v1/track',
        headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'user-agent': UA },
        payload: { events: [{ event_name: 'page_view', session_id: 'rs-order', event_time, last_touch: touch, fbp }] },
      });
    expect((await send(now - 10, late, 'fb.1.1700000000000.222')).statusCode).toBe(202);
    expect((await send(now - 300, early, 'fb.1.1700000000000.111')).statusCode).toBe(202);
    await foldTouchesOf(db(), tenant.id);
    const s = (await findSession(db(), tenant.id, 'rs-order'))!;
    expect(s).toMatchObject({ first_touch: early, last_touch: late, fbp: 'fb.1.1700000000000.222', event_count: 2 });
    expect(s.first_seen.getTime()).toBe((now - 300) * 1000);
    expect(s.last_seen.getTime()).toBe((now - 10) * 1000);
  });
});
