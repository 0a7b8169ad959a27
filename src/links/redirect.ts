import { Type } from '@sinclair/typebox';
import { isbot } from 'isbot';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { notFound } from '../core/errors.ts';
import { prepared } from '../db/prepared.ts';
import type { Database } from '../db/schema.ts';
import type { ClicksTable, Touch } from '../db/tables/ingest.ts';
import type { AppContext } from '../http/context.ts';
import type { RouteModule } from '../http/types.ts';
import { GroupCommitter, type Outcome } from '../ingest/group-commit.ts';
import { settingsCache } from '../ingest/settings.ts';
import {
  COOKIES,
  cookieDomainFor,
  FBC,
  fbcFor,
  fbclidOf,
  FBP,
  META_COOKIE_MAX_AGE_S,
  newFbp,
  parseCookies,
  serializeCookie,
  SESSION_MAX_AGE_S,
} from '../sessions/cookies.ts';
import { newClickId, newSessionId, SESSION_ID } from '../sessions/ids.ts';
import { sessionUpsertCall, type SessionTouch } from '../sessions/record.ts';
import { linkCache, SLUG } from './store.ts';

type ClickRow = ClicksTable;

interface ClickSubmission {
  click: ClickRow;
  touch?: SessionTouch;
}

const UTM_KEYS = ['source', 'medium', 'campaign', 'content', 'term'] as const;

/**
 * Clicks (and the sessions they start) of many redirects in one statement: a select of the clicks
 * insert and of each tenant's session upsert (PL/pgSQL functions of migration 0018, planned once per
 * connection), so a group costs one round trip and is atomic. Tenants in key order: concurrent groups
 * lock their sessions in the same order.
 *
 * `waitForFlush: false` (PostgreSQL's default for clicks) commits without waiting for the WAL flush
 * (`synchronous_commit = off` for this transaction only): the click is committed in the server, so a
 * Rastro crash loses nothing, but a database server crash may lose the last few hundred ms of clicks
 * (PostgreSQL's WAL writer flushes within 3 × wal_writer_delay). In exchange a visitor never waits
 * on a slow disk flush (seen: 10–20 ms flushes on the VM, the whole redirect tail). Events always
 * wait. Never on PGlite: it runs without a WAL writer, so an unflushed commit stays in this process.
 */
export async function commitClicks(
  db: Kysely<Database>,
  items: ClickSubmission[],
  waitForFlush = true,
): Promise<Outcome<void>[]> {
  const byTenant = new Map<string, SessionTouch[]>();
  for (const { click, touch } of items) {
    if (!touch) continue;
    const list = byTenant.get(click.tenant_id) ?? [];
    list.push(touch);
    byTenant.set(click.tenant_id, list);
  }
  const tenants = [...byTenant.keys()].sort();
  const calls: RawBuilder<unknown>[] = [
    // A statement outside a transaction is its own: set_config(…, true) lasts until its commit,
    // which is when synchronous_commit is read.
    ...(waitForFlush ? [] : [sql`set_config('synchronous_commit', 'off', true)`]),
    sql`rastro_insert_clicks(${JSON.stringify(items.map((i) => i.click))}::json)`,
    ...tenants.map((t) => sessionUpsertCall(t, byTenant.get(t)!)!),
  ];
  const statement = sql`select ${sql.join(calls)}`;
  // One shape per number of tenants: only the usual one (a single tenant) is kept prepared.
  await (tenants.length <= 1 ? prepared(statement) : statement).execute(db);
  return items.map(() => ({ ok: true, value: undefined }));
}

/** Whether a redirect waits for its click's WAL flush (see commitClicks): always on PGlite. */
export const redirectWaitsForFlush = (ctx: Pick<AppContext, 'engine' | 'config'>): boolean =>
  ctx.engine === 'pglite' || ctx.config.redirectSyncCommit;

/**
 * The click group-commit window (RASTRO_REDIRECT_WINDOW_MS, or the engine's default). PostgreSQL: 0,
 * groups form from the clicks that arrive while earlier groups commit, and a redirect waits for its
 * own commit only. PGlite: 1 ms. Its statements run on this process's thread at a fixed cost each,
 * so at 1,000 clicks/s one statement per click kept that thread 74–94 % busy, near its ceiling; a
 * 1 ms window puts two or three clicks in a statement and brings it to 53–66 %, headroom for a burst,
 * for ~0.8 ms more at the median (p99 at 1,000/s in isolated runs 5.3–6.0 ms against 4.05–9.15; at
 * 2,500/s the thread was 97 % busy and p99 14.25 ms without the window, 72 % and 10.71 ms with it).
 */
export const redirectWindowMs = (ctx: Pick<AppContext, 'engine' | 'config'>): number =>
  ctx.config.redirectWindowMs ?? (ctx.engine === 'pglite' ? 1 : 0);

/** The query string exactly as received (order and repeated keys kept). */
const rawQuery = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
};

const DEAD_LINK = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link not found</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1 style="font-size:1.4rem">This link does not exist</h1>
<p>It may have been mistyped, or removed by whoever shared it.</p></body></html>`;

const clip = (v: string | null | undefined, max = 500): string | null => (v ? v.slice(0, max) : null);

/**
 * `/go/:slug`: records the click (IP, UA, referrer, fbclid/gclid/ttclid, UTMs) durably, sets the
 * first-party cookies (session, `_fbc` from fbclid, `_fbp`), and answers 302 to the target with the
 * visitor's query preserved, the link's UTMs added where absent and Rastro's click id in the link's
 * `click_id_param`. Known bots and link previewers (and HEAD requests) are recorded with `is_bot`,
 * get no cookies and no click id, and so never become conversions.
 */
export const redirectRoutes: RouteModule = (ctx) => async (app) => {
  const links = linkCache(ctx);
  const settings = settingsCache(ctx);
  const waitForFlush = redirectWaitsForFlush(ctx);
  const committer = new GroupCommitter<ClickSubmission, void>({
    // No fixed window on PostgreSQL (medians of 4 runs at 1,000/s: p50 3.1 → 2.0 ms, p99 8.6 → 7.6 ms).
    windowMs: redirectWindowMs(ctx),
    maxWeight: 500,
    maxConcurrent: ctx.engine === 'pglite' ? 1 : 2,
    commit: (items) => commitClicks(ctx.db, items, waitForFlush),
  });
  app.addHook('onClose', async () => committer.close());

  app.get(
    '/go/:slug',
    {
      config: { auth: 'public' },
      compress: false,
      schema: {
        tags: ['links'],
        summary: 'Redirect link: records the click, sets first-party cookies, 302 to the target with the click id',
        params: Type.Object({ slug: Type.String({ pattern: SLUG }) }),
      },
    },
    async (request, reply) => {
      const link = await links.get(request.params.slug);
      if (!link) {
        // A person who followed a dead link gets a page, an API client the usual JSON error.
        if (!request.headers.accept?.includes('text/html')) throw notFound(`link ${request.params.slug}`);
        return reply.status(404).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(DEAD_LINK);
      }
      const now = Date.now();
      const ua = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : '';
      const bot = request.method === 'HEAD' || ua.trim() === '' || isbot(ua);
      const query = new URLSearchParams(rawQuery(request.url));
      const cookies = parseCookies(request.headers.cookie);

      const target = new URL(link.target_url);
      for (const key of new Set(query.keys())) target.searchParams.delete(key);
      for (const [key, value] of query) target.searchParams.append(key, value);
      for (const k of UTM_KEYS) {
        const v = link.utm[k];
        if (v && !target.searchParams.has(`utm_${k}`)) target.searchParams.set(`utm_${k}`, v);
      }
      const clickId = newClickId(now);
      if (!bot) target.searchParams.set(link.click_id_param, clickId);

      const fbclid = clip(query.get('fbclid'));
      const cookieFbc = cookies[COOKIES.fbc] && FBC.test(cookies[COOKIES.fbc]!) ? cookies[COOKIES.fbc]! : undefined;
      const fbc = fbclid ? (fbclidOf(cookieFbc) === fbclid ? cookieFbc! : fbcFor(fbclid, now)) : cookieFbc;
      const cookieFbp = cookies[COOKIES.fbp] && FBP.test(cookies[COOKIES.fbp]!) ? cookies[COOKIES.fbp] : undefined;
      const fbp = cookieFbp ?? (bot ? undefined : newFbp(now));
      const cookieSession = cookies[COOKIES.session];
      const sessionId = cookieSession && SESSION_ID.test(cookieSession) ? cookieSession : newSessionId(now);
      const utm = Object.fromEntries(UTM_KEYS.map((k) => [k, clip(query.get(`utm_${k}`) ?? link.utm[k])]));
      const referrer = clip(typeof request.headers.referer === 'string' ? request.headers.referer : null, 4096);
      const landing = target.toString();
      const ip = request.ip;
      const at = new Date(now);

      const click: ClickRow = {
        tenant_id: link.tenant_id,
        click_id: clickId,
        link_id: link.link_id,
        slug: link.slug,
        session_id: bot ? null : sessionId,
        created_at: at,
        ip,
        user_agent: clip(ua, 1024),
        referrer,
        landing_url: landing.slice(0, 4096),
        fbclid,
        fbc: fbc ?? null,
        fbp: fbp ?? null,
        gclid: clip(query.get('gclid')),
        ttclid: clip(query.get('ttclid')),
        utm_source: utm.source ?? null,
        utm_medium: utm.medium ?? null,
        utm_campaign: utm.campaign ?? null,
        utm_content: utm.content ?? null,
        utm_term: utm.term ?? null,
        is_bot: bot,
      };
      const touch: Touch = Object.fromEntries(
        Object.entries({
          at: Math.floor(now / 1000),
          ...Object.fromEntries(UTM_KEYS.map((k) => [`utm_${k}`, utm[k]])),
          fbclid,
          gclid: click.gclid,
          ttclid: click.ttclid,
          click_id: clickId,
          landing_url: landing.slice(0, 4096),
          referrer,
        }).filter(([, v]) => v !== null && v !== undefined),
      ) as unknown as Touch;
      await committer.submit({
        click,
        touch: bot
          ? undefined
          : {
              sessionId,
              at,
              ip,
              userAgent: click.user_agent ?? undefined,
              fbc,
              fbp,
              fbclid: fbclid ?? undefined,
              gclid: click.gclid ?? undefined,
              ttclid: click.ttclid ?? undefined,
              clickId,
              lastTouch: touch,
              identities: [],
            },
      });

      if (!bot) {
        const { cookie_domain } = await settings.get(link.tenant_id);
        const opts = { domain: cookieDomainFor(request.host, cookie_domain), secure: request.protocol === 'https' };
        const set = [serializeCookie(COOKIES.session, sessionId, { ...opts, maxAgeS: SESSION_MAX_AGE_S })];
        if (fbc && fbc !== cookieFbc)
          set.push(serializeCookie(COOKIES.fbc, fbc, { ...opts, maxAgeS: META_COOKIE_MAX_AGE_S }));
        if (fbp && fbp !== cookieFbp)
          set.push(serializeCookie(COOKIES.fbp, fbp, { ...opts, maxAgeS: META_COOKIE_MAX_AGE_S }));
        void reply.header('set-cookie', set);
      }
      void reply.header('cache-control', 'no-store');
      return reply.redirect(landing, 302);
    },
  );
};
