import { sql, type Kysely, type Selectable } from 'kysely';
import { LRUCache } from 'lru-cache';
import { notFound, RastroError, validationFailed } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import type { LinksTable, LinkUtm } from '../db/tables/ingest.ts';
import type { AppContext } from '../http/context.ts';
import { appendLedger } from '../ledger/ledger.ts';

export type LinkRow = Selectable<LinksTable>;

/** Rastro's own parameter when a link names none; the snippet recognizes click ids in any parameter. */
export const DEFAULT_CLICK_ID_PARAM = 'rclid';
export const SLUG = '^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$';
export const PARAM = '^[A-Za-z0-9_.-]{1,64}$';

export interface LinkInput {
  slug: string;
  target_url: string;
  utm?: LinkUtm;
  click_id_param?: string;
}

function checkTarget(url: string, field = 'body.target_url'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw validationFailed([{ field, problem: 'must be an absolute URL' }]);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw validationFailed([{ field, problem: 'must be an http(s) URL' }]);
  }
  return parsed.toString();
}

const cleanUtm = (utm: LinkUtm | undefined): LinkUtm =>
  Object.fromEntries(Object.entries(utm ?? {}).filter(([, v]) => typeof v === 'string' && v !== '')) as LinkUtm;

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23505';

const slugTaken = (slug: string) =>
  new RastroError('conflict', `slug ${slug} is taken`, [{ field: 'body.slug', problem: 'is taken' }]);

export async function createLink(db: Kysely<Database>, tenantId: string, input: LinkInput, actor: string) {
  const row = {
    tenant_id: tenantId,
    link_id: newId(),
    slug: input.slug,
    target_url: checkTarget(input.target_url),
    utm: JSON.stringify(cleanUtm(input.utm)),
    click_id_param: input.click_id_param ?? DEFAULT_CLICK_ID_PARAM,
  };
  try {
    return await db.transaction().execute(async (trx) => {
      const created = await trx.insertInto('links').values(row).returningAll().executeTakeFirstOrThrow();
      await appendLedger(trx, tenantId, {
        actor,
        entityType: 'link',
        entityId: created.link_id,
        type: 'link.created',
        data: { slug: created.slug, target_url: created.target_url, click_id_param: created.click_id_param },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(input.slug);
    throw error;
  }
}

export async function getLink(db: Kysely<Database>, tenantId: string, linkId: string): Promise<LinkRow> {
  const row = await db
    .selectFrom('links')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('link_id', '=', linkId)
    .executeTakeFirst();
  if (!row) throw notFound(`link ${linkId}`);
  return row;
}

export async function listLinks(db: Kysely<Database>, tenantId: string, limit: number, cursor?: string, slug?: string) {
  let q = db.selectFrom('links').selectAll().where('tenant_id', '=', tenantId);
  if (slug !== undefined) q = q.where('slug', '=', slug);
  if (cursor) q = q.where('link_id', '<', cursor);
  const rows = await q
    .orderBy('link_id', 'desc')
    .limit(limit + 1)
    .execute();
  return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.link_id : null };
}

export async function updateLink(
  db: Kysely<Database>,
  tenantId: string,
  linkId: string,
  patch: Partial<LinkInput>,
  actor: string,
): Promise<{ before: LinkRow; after: LinkRow }> {
  try {
    return await db.transaction().execute(async (trx) => {
      const before = await getLink(trx, tenantId, linkId);
      const after = await trx
        .updateTable('links')
        .set({
          slug: patch.slug ?? before.slug,
          target_url: patch.target_url ? checkTarget(patch.target_url) : before.target_url,
          utm: patch.utm ? JSON.stringify(cleanUtm(patch.utm)) : JSON.stringify(before.utm),
          click_id_param: patch.click_id_param ?? before.click_id_param,
          updated_at: new Date(),
        })
        .where('tenant_id', '=', tenantId)
        .where('link_id', '=', linkId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendLedger(trx, tenantId, {
        actor,
        entityType: 'link',
        entityId: linkId,
        type: 'link.updated',
        data: { slug: after.slug, target_url: after.target_url, click_id_param: after.click_id_param, utm: after.utm },
      });
      return { before, after };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(patch.slug ?? '');
    throw error;
  }
}

export async function deleteLink(db: Kysely<Database>, tenantId: string, linkId: string, actor: string) {
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom('links')
      .where('tenant_id', '=', tenantId)
      .where('link_id', '=', linkId)
      .returning(['slug'])
      .executeTakeFirst();
    if (!gone) throw notFound(`link ${linkId}`);
    await appendLedger(trx, tenantId, {
      actor,
      entityType: 'link',
      entityId: linkId,
      type: 'link.deleted',
      data: { slug: gone.slug },
    });
    return gone.slug;
  });
}

export async function clickCounts(db: Kysely<Database>, tenantId: string, linkId: string) {
  const rows = await db
    .selectFrom('clicks')
    .select(['is_bot', sql<number>`count(*)::int`.as('n')])
    .where('tenant_id', '=', tenantId)
    .where('link_id', '=', linkId)
    .groupBy('is_bot')
    .execute();
  return {
    human: rows.find((r) => !r.is_bot)?.n ?? 0,
    bot: rows.find((r) => r.is_bot)?.n ?? 0,
  };
}

/** Redirects resolve slugs from a short-lived per-process cache (p99 ≤ 10 ms); edits here drop it at once. */
const LINK_TTL_MS = 5_000;

export interface LinkCache {
  get(slug: string): Promise<LinkRow | undefined>;
  forget(slug: string): void;
}

const caches = new WeakMap<AppContext, LinkCache>();

export function linkCache(ctx: AppContext): LinkCache {
  let cache = caches.get(ctx);
  if (!cache) {
    const lru = new LRUCache<string, { row: LinkRow | null }>({ max: 50_000, ttl: LINK_TTL_MS });
    cache = {
      async get(slug) {
        const hit = lru.get(slug);
        if (hit) return hit.row ?? undefined;
        const row = await ctx.db.selectFrom('links').selectAll().where('slug', '=', slug).executeTakeFirst();
        lru.set(slug, { row: row ?? null });
        return row;
      },
      forget: (slug) => void lru.delete(slug),
    };
    caches.set(ctx, cache);
  }
  return cache;
}
