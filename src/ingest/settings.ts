import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { validationFailed, type FieldProblem } from '../core/errors.ts';
import type { Database } from '../db/schema.ts';
import type { CheckoutHost } from '../db/tables/ingest.ts';
import type { AppContext } from '../http/context.ts';
import { appendLedger } from '../ledger/ledger.ts';

/** A tenant's first-party ingest settings. */
export interface IngestSettings {
  /** Browser origins allowed to call the track API; empty means any origin (onboarding default). */
  allowed_origins: string[];
  /** Checkout hosts the snippet decorates, on top of the built-in ones. */
  checkout_hosts: CheckoutHost[];
  /** Cookie domain for `/go/:slug` redirects; null sets host-only cookies. */
  cookie_domain: string | null;
}

export const DEFAULT_SETTINGS: IngestSettings = { allowed_origins: [], checkout_hosts: [], cookie_domain: null };

/** Built-in checkout hosts and the pass-through parameters the snippet fills with the session id. */
export const BUILT_IN_CHECKOUT_HOSTS: CheckoutHost[] = [
  { host: 'pay.hotmart.com', params: ['sck', 'xcod'] },
  { host: 'pay.kiwify.com.br', params: ['sck'] },
  { host: 'buy.stripe.com', params: ['client_reference_id'] },
];

/** `https://Shop.Example.com/` → `https://shop.example.com`; `https://*.example.com` kept as a pattern. */
export function normalizeOrigin(value: string): string | undefined {
  const m = /^(https?):\/\/(\*\.)?([^/?#]+?)\/?$/i.exec(value.trim());
  if (!m) return undefined;
  const wildcard = m[2] ?? '';
  try {
    const url = new URL(`${m[1]}://${m[3]}`);
    if (url.username || url.password) return undefined;
    return `${url.protocol}//${wildcard}${url.host}`;
  } catch {
    return undefined;
  }
}

/** Whether a request's Origin is in the list (exactly, or under a `*.` pattern). Empty list: any. */
export function originAllowed(origin: string, allowed: string[]): boolean {
  if (allowed.length === 0) return true;
  const o = normalizeOrigin(origin);
  if (!o || o.includes('*')) return false;
  for (const a of allowed) {
    if (a === o) return true;
    const star = a.indexOf('://*.');
    if (star >= 0) {
      const scheme = a.slice(0, star + 3);
      const suffix = a.slice(star + 4); // ".example.com[:port]"
      if (o.startsWith(scheme) && o.endsWith(suffix) && o.length > scheme.length + suffix.length) return true;
    }
  }
  return false;
}

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const PARAM = /^[A-Za-z0-9_.-]{1,64}$/;

export interface SettingsPatch {
  allowed_origins?: string[];
  checkout_hosts?: CheckoutHost[];
  cookie_domain?: string | null;
}

/** Normalizes a patch; throws `validation_failed` naming each bad entry. */
export function checkSettingsPatch(patch: SettingsPatch): SettingsPatch {
  const problems: FieldProblem[] = [];
  const out: SettingsPatch = {};
  if (patch.allowed_origins) {
    out.allowed_origins = [];
    patch.allowed_origins.forEach((o, i) => {
      const n = normalizeOrigin(o);
      if (!n)
        problems.push({
          field: `body.allowed_origins.${i}`,
          problem: 'must be an origin like https://shop.example.com',
        });
      else if (!out.allowed_origins!.includes(n)) out.allowed_origins!.push(n);
    });
  }
  if (patch.checkout_hosts) {
    out.checkout_hosts = patch.checkout_hosts.map((h, i) => {
      const host = h.host.trim().toLowerCase();
      if (!HOST.test(host)) problems.push({ field: `body.checkout_hosts.${i}.host`, problem: 'must be a host name' });
      h.params.forEach((p, j) => {
        if (!PARAM.test(p))
          problems.push({ field: `body.checkout_hosts.${i}.params.${j}`, problem: 'must be a parameter name' });
      });
      return { host, params: [...new Set(h.params)] };
    });
  }
  if (patch.cookie_domain !== undefined) {
    const d = patch.cookie_domain?.trim().toLowerCase().replace(/^\./, '') || null;
    if (d && !HOST.test(d)) problems.push({ field: 'body.cookie_domain', problem: 'must be a domain name' });
    out.cookie_domain = d;
  }
  if (problems.length > 0) {
    throw validationFailed(problems);
  }
  return out;
}

export async function readSettings(db: Kysely<Database>, tenantId: string): Promise<IngestSettings> {
  const row = await db
    .selectFrom('ingest_settings')
    .select(['allowed_origins', 'checkout_hosts', 'cookie_domain'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row ? { ...row } : { ...DEFAULT_SETTINGS };
}

/** Merges a patch over the current settings, with its ledger entry, in one transaction. */
export async function updateSettings(
  db: Kysely<Database>,
  tenantId: string,
  patch: SettingsPatch,
  actor: string,
): Promise<IngestSettings> {
  const checked = checkSettingsPatch(patch);
  return db.transaction().execute(async (trx) => {
    const current = await readSettings(trx, tenantId);
    const next: IngestSettings = { ...current, ...checked };
    await trx
      .insertInto('ingest_settings')
      .values({
        tenant_id: tenantId,
        allowed_origins: JSON.stringify(next.allowed_origins),
        checkout_hosts: JSON.stringify(next.checkout_hosts),
        cookie_domain: next.cookie_domain,
        updated_at: new Date(),
      })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({
          allowed_origins: JSON.stringify(next.allowed_origins),
          checkout_hosts: JSON.stringify(next.checkout_hosts),
          cookie_domain: next.cookie_domain,
          updated_at: new Date(),
        }),
      )
      .execute();
    await appendLedger(trx, tenantId, {
      actor,
      entityType: 'ingest_settings',
      entityId: tenantId,
      type: 'ingest_settings.updated',
      data: { ...next },
    });
    return next;
  });
}

/** Settings are read on every browser track request (CORS): cached briefly per process. */
const SETTINGS_TTL_MS = 10_000;

export interface SettingsCache {
  get(tenantId: string): Promise<IngestSettings>;
  forget(tenantId: string): void;
}

const caches = new WeakMap<AppContext, SettingsCache>();

/** The settings cache of an app context (shared by the track, redirect and settings routes). */
export function settingsCache(ctx: AppContext): SettingsCache {
  let cache = caches.get(ctx);
  if (!cache) {
    const lru = new LRUCache<string, IngestSettings>({ max: 10_000, ttl: SETTINGS_TTL_MS });
    cache = {
      async get(tenantId) {
        const hit = lru.get(tenantId);
        if (hit) return hit;
        const settings = await readSettings(ctx.db, tenantId);
        lru.set(tenantId, settings);
        return settings;
      },
      forget: (tenantId) => void lru.delete(tenantId),
    };
    caches.set(ctx, cache);
  }
  return cache;
}
