import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitClicks, redirectWaitsForFlush, redirectWindowMs } from '../../src/links/redirect.ts';
import { newClickId, newSessionId } from '../../src/sessions/ids.ts';
import { findClick } from '../../src/sessions/lookup.ts';
import { CLICK_ID, idTime, SESSION_ID } from '../../src/sessions/ids.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

const HUMAN_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const PREVIEWER_UA = 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)';

interface LinkView {
  id: string;
  slug: string;
  url: string;
  target_url: string;
  click_id_param: string;
  clicks?: { human: number; bot: number };
}

/** Set-Cookie headers as name → attributes string. */
function cookiesOf(header: string | string[] | undefined): Record<string, string> {
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return Object.fromEntries(list.map((c) => [c.slice(0, c.indexOf('=')), c]));
}
const valueOf = (cookie: string | undefined) =>
  cookie ? decodeURIComponent(cookie.split(';')[0]!.split('=')[1]!) : '';

describe('redirect links', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  let hotmart: LinkView;

  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('shop');
  });
  afterAll(() => t.close());

  const go = (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
    t.inject({ method, url, headers: { 'user-agent': HUMAN_UA, ...headers }, remoteAddress: '198.51.100.20' });
  const clicks = () =>
    t.rastro.ctx.db.selectFrom('clicks').selectAll().where('tenant_id', '=', tenant.id).orderBy('created_at').execute();

  it('creates, lists, reads, updates and deletes links (ledgered)', async () => {
    const created = await t.call('POST', '/api/v1/links', tenant.keys.admin, {
      slug: 'curso-hotmart',
      target_url: 'https://pay.hotmart.com/X123?off=abc',
      utm: { source: 'instagram', medium: 'bio', campaign: 'launch' },
      click_id_param: 'sck',
    });
    expect(created.statusCode, created.body).toBe(201);
    hotmart = created.json();
    expect(hotmart).toMatchObject({
      slug: 'curso-hotmart',
      click_id_param: 'sck',
      url: 'http://localhost:80/go/curso-hotmart',
    });

    const tmp = (
      await t.call('POST', '/api/v1/links', tenant.keys.admin, { slug: 'tmp', target_url: 'https://shop.example.com/' })
    ).json() as LinkView;
    expect(tmp.click_id_param).toBe('rclid');
    const list = (await t.call('GET', '/api/v1/links', tenant.keys.admin)).json() as { items: LinkView[] };
    expect(list.items.map((l) => l.slug)).toEqual(['tmp', 'curso-hotmart']);
    const bySlug = (await t.call('GET', '/api/v1/links?slug=curso-hotmart', tenant.keys.admin)).json() as {
      items: LinkView[];
    };
    expect(bySlug.items.map((l) => l.id)).toEqual([hotmart.id]);
    const patched = await t.call('PATCH', `/api/v1/links/${tmp.id}`, tenant.keys.admin, {
      slug: 'tmp2',
      target_url: 'https://shop.example.com/lp',
    });
    expect(patched.json()).toMatchObject({ slug: 'tmp2', target_url: 'https://shop.example.com/lp' });
    expect((await go('/go/tmp')).statusCode).toBe(404);
    expect((await go('/go/tmp2')).statusCode).toBe(302);
    expect((await t.call('DELETE', `/api/v1/links/${tmp.id}`, tenant.keys.admin)).statusCode).toBe(204);
    expect((await go('/go/tmp2')).statusCode).toBe(404);
    // A person following the dead link reads a page; an API client gets the JSON error.
    const page = await t.inject({ method: 'GET', url: '/go/tmp2', headers: { accept: 'text/html,*/*' } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('This link does not exist');
    expect((await go('/go/tmp2')).json().error.code).toBe('not_found');
    expect((await t.call('GET', `/api/v1/links/${tmp.id}`, tenant.keys.admin)).statusCode).toBe(404);
    const ledger = (await t.call('GET', '/api/v1/ledger?entity=link', tenant.keys.admin)).json();
    expect(ledger.items.map((e: { type: string }) => e.type)).toEqual([
      'link.deleted',
      'link.updated',
      'link.created',
      'link.created',
    ]);
  });

  it('refuses bad links: taken slug (across tenants), bad target, bad slug, bad parameter', async () => {
    const other = await t.createTenant('other');
    const taken = await t.call('POST', '/api/v1/links', other.keys.admin, {
      slug: 'curso-hotmart',
      target_url: 'https://example.com/',
    });
    expect(taken.statusCode).toBe(409);
    const bad = await t.call('POST', '/api/v1/links', tenant.keys.admin, {
      slug: 'ok-slug',
      target_url: 'javascript:alert(1)',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('body.target_url');
    const badSlug = await t.call('POST', '/api/v1/links', tenant.keys.admin, {
      slug: 'no/slash',
      target_url: 'https://example.com/',
      click_id_param: 'a b',
      extra: 1,
    });
    expect(badSlug.statusCode).toBe(400);
    const details = badSlug.json().error.details as { field: string; problem: string }[];
    expect(details.map((d) => d.field)).toEqual(
      expect.arrayContaining(['body.slug', 'body.click_id_param', 'body.extra']),
    );
    // Said in words, not as the pattern.
    expect(details.find((d) => d.field === 'body.slug')?.problem).toBe(
      'must be 1 to 100 letters, digits, "-" or "_", starting with a letter or digit',
    );
    // Another tenant cannot see or change this tenant's link.
    expect((await t.call('GET', `/api/v1/links/${hotmart.id}`, other.keys.admin)).statusCode).toBe(404);
    expect((await t.call('DELETE', `/api/v1/links/${hotmart.id}`, other.keys.admin)).statusCode).toBe(404);
  });

  it('redirects a human: click recorded, cookies set, 302 with the query kept and the click id appended', async () => {
    const before = Date.now();
    const res = await go('/go/curso-hotmart?fbclid=IwAR1abc_DEF-2&utm_content=story&off=override&x=1&x=2', {
      referer: 'https://l.instagram.com/',
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers['cache-control']).toBe('no-store');
    const location = new URL(res.headers.location as string);
    expect(location.origin + location.pathname).toBe('https://pay.hotmart.com/X123');
    const q = location.searchParams;
    expect(q.get('off')).toBe('override'); // the visitor's query wins over the target's
    expect(q.getAll('x')).toEqual(['1', '2']);
    expect(q.get('fbclid')).toBe('IwAR1abc_DEF-2');
    expect(q.get('utm_source')).toBe('instagram'); // from the link
    expect(q.get('utm_content')).toBe('story'); // from the visit
    const clickId = q.get('sck')!;
    expect(clickId).toMatch(CLICK_ID);
    expect(clickId).toHaveLength(22);
    expect(idTime(clickId)).toBeGreaterThanOrEqual(before);

    const set = cookiesOf(res.headers['set-cookie']);
    const sessionId = valueOf(set._rs_sid);
    expect(sessionId).toMatch(SESSION_ID);
    expect(set._rs_sid).toMatch(/; Max-Age=1800; Path=\/; SameSite=Lax$/);
    expect(valueOf(set._fbc)).toMatch(/^fb\.1\.\d{13}\.IwAR1abc_DEF-2$/);
    expect(set._fbc).toContain('Max-Age=7776000');
    expect(valueOf(set._fbp)).toMatch(/^fb\.1\.\d{13}\.\d{10}$/);

    const click = (await clicks()).find((c) => c.click_id === clickId)!;
    expect(click).toMatchObject({
      link_id: hotmart.id,
      slug: 'curso-hotmart',
      session_id: sessionId,
      ip: '198.51.100.20',
      user_agent: HUMAN_UA,
      referrer: 'https://l.instagram.com/',
      fbclid: 'IwAR1abc_DEF-2',
      fbc: valueOf(set._fbc),
      fbp: valueOf(set._fbp),
      utm_source: 'instagram',
      utm_medium: 'bio',
      utm_campaign: 'launch',
      utm_content: 'story',
      is_bot: false,
    });
    expect(click.landing_url).toBe(location.toString());
    expect(await findClick(t.rastro.ctx.db, tenant.id, clickId)).toBeDefined();

    // The click starts a session that matching can reach by session id, click id or fbclid.
    const session = (await t.call('GET', `/api/v1/sessions/${sessionId}`, tenant.keys.admin)).json();
    expect(session).toMatchObject({
      click_id: clickId,
      fbclid: 'IwAR1abc_DEF-2',
      ip: '198.51.100.20',
      first_touch: { utm_source: 'instagram', utm_content: 'story', click_id: clickId },
    });
    expect(session.clicks.map((c: { click_id: string }) => c.click_id)).toEqual([clickId]);
  });

  it('reuses the visitor session and cookies on a second click, and keeps the fbc of the same fbclid', async () => {
    const first = await go('/go/curso-hotmart?fbclid=SAME');
    const set1 = cookiesOf(first.headers['set-cookie']);
    const cookie = ['_rs_sid', '_fbc', '_fbp'].map((n) => `${n}=${encodeURIComponent(valueOf(set1[n]))}`).join('; ');
    const second = await go('/go/curso-hotmart?fbclid=SAME', { cookie });
    const set2 = cookiesOf(second.headers['set-cookie']);
    expect(valueOf(set2._rs_sid)).toBe(valueOf(set1._rs_sid));
    expect(set2._fbc).toBeUndefined(); // unchanged: not set again
    expect(set2._fbp).toBeUndefined();
    const mine = (await clicks()).filter((c) => c.session_id === valueOf(set1._rs_sid));
    expect(mine).toHaveLength(2);
    expect(mine[1]!.fbc).toBe(valueOf(set1._fbc));
  });

  it('records a link previewer or bot as such: no cookies, no click id, never a conversion', async () => {
    for (const headers of [
      { 'user-agent': PREVIEWER_UA },
      { 'user-agent': 'WhatsApp/2.23.20.0 A' },
      { 'user-agent': '' },
    ]) {
      const res = await go('/go/curso-hotmart?utm_source=whatsapp', headers);
      expect(res.statusCode).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(location.searchParams.get('sck')).toBeNull();
      expect(location.searchParams.get('utm_source')).toBe('whatsapp');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const head = await go('/go/curso-hotmart', {}, 'HEAD');
    expect(head.statusCode).toBe(302);
    const bots = (await clicks()).filter((c) => c.is_bot);
    expect(bots).toHaveLength(4);
    for (const bot of bots) {
      expect(bot.session_id).toBeNull();
      expect(await findClick(t.rastro.ctx.db, tenant.id, bot.click_id)).toBeUndefined();
    }
    const view = (await t.call('GET', `/api/v1/links/${hotmart.id}`, tenant.keys.admin)).json() as LinkView;
    expect(view.clicks).toEqual({ human: 3, bot: 4 });
  });

  it('commits a group of clicks and their sessions, of one tenant or several, without waiting for the WAL flush only inside their own transaction', async () => {
    const other = await t.createTenant('other shop');
    const clickOf = (tenantId: string) => {
      const now = Date.now();
      const sessionId = newSessionId(now);
      return {
        click: {
          tenant_id: tenantId,
          click_id: newClickId(now),
          link_id: null,
          slug: null,
          session_id: sessionId,
          created_at: new Date(now),
          ip: '198.51.100.7',
          user_agent: HUMAN_UA,
          referrer: null,
          landing_url: 'https://shop.example.com/',
          fbclid: null,
          fbc: null,
          fbp: null,
          gclid: null,
          ttclid: null,
          utm_source: null,
          utm_medium: null,
          utm_campaign: null,
          utm_content: null,
          utm_term: null,
          is_bot: false,
        },
        touch: { sessionId, at: new Date(now), clickId: 'x', identities: [] },
      };
    };
    const one = [clickOf(tenant.id), clickOf(tenant.id)]; // one tenant: the prepared statement
    const two = [clickOf(tenant.id), clickOf(other.id)]; // two tenants: a session upsert each
    // One connection throughout: a setting that outlived the click's commit would still be on it.
    await t.rastro.ctx.db.connection().execute(async (conn) => {
      const setting = async () =>
        (await sql<{ v: string }>`select current_setting('synchronous_commit') as v`.execute(conn)).rows[0]!.v;
      expect(await setting()).toBe('on');
      for (const items of [one, two]) {
        expect(await commitClicks(conn, items, false)).toEqual(items.map(() => ({ ok: true, value: undefined })));
        expect(await setting()).toBe('on');
      }
    });
    const ids = [...one, ...two].map((i) => i.click.click_id);
    const seen = await t.rastro.ctx.db.selectFrom('clicks').select('click_id').where('click_id', 'in', ids).execute();
    expect(seen).toHaveLength(4);
    // Each session under its own tenant, with the click that started it.
    const sessions = await t.rastro.ctx.db
      .selectFrom('sessions')
      .select(['tenant_id', 'session_id', 'click_id', 'event_count'])
      .where(
        'session_id',
        'in',
        [...one, ...two].map((i) => i.touch.sessionId),
      )
      .execute();
    expect(sessions.map((s) => s.tenant_id).sort()).toEqual([tenant.id, tenant.id, tenant.id, other.id].sort());
    expect(sessions.every((s) => s.click_id === 'x' && s.event_count === 1)).toBe(true);
  });

  it('waits for the WAL flush on PGlite always, on PostgreSQL when RASTRO_REDIRECT_SYNC_COMMIT=on', () => {
    const engine = t.rastro.ctx.engine;
    expect(t.config.redirectSyncCommit).toBe(false);
    expect(redirectWaitsForFlush({ engine, config: t.config })).toBe(engine === 'pglite');
    const on = { ...t.config, redirectSyncCommit: true };
    expect(redirectWaitsForFlush({ engine, config: on })).toBe(true);
  });

  it('groups clicks for 1 ms on PGlite, not at all on PostgreSQL, unless RASTRO_REDIRECT_WINDOW_MS says', () => {
    const config = { ...t.config, redirectWindowMs: undefined };
    expect(redirectWindowMs({ engine: 'pglite', config })).toBe(1);
    expect(redirectWindowMs({ engine: 'postgres', config })).toBe(0);
    const set = { ...config, redirectWindowMs: 0 };
    expect(redirectWindowMs({ engine: 'pglite', config: set })).toBe(0);
    expect(redirectWindowMs({ engine: 'postgres', config: { ...config, redirectWindowMs: 5 } })).toBe(5);
  });

  it('answers 404 for an unknown slug', async () => {
    const res = await go('/go/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('sets cookies on the configured cookie domain when the host is inside it', async () => {
    await t.call('PATCH', '/api/v1/ingest/settings', tenant.keys.admin, { cookie_domain: 'shop.example.com' });
    const inside = await go('/go/curso-hotmart', { host: 't.shop.example.com' });
    expect(cookiesOf(inside.headers['set-cookie'])._rs_sid).toContain('; Domain=shop.example.com');
    const outside = await go('/go/curso-hotmart', { host: 'rastro.other.net' });
    expect(cookiesOf(outside.headers['set-cookie'])._rs_sid).not.toContain('Domain=');
  });
});
