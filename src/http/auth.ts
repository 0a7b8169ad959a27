import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { RastroError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { findActiveKey, hashKey, type KeyIdentity } from '../tenants/api-keys.ts';
import type { AppContext } from './context.ts';

/**
 * Route-level authentication, declared in each route's `config.auth`:
 * - `public`: no credentials (health, docs, snippet, redirects, webhooks that verify their own signature);
 * - `operator`: the RASTRO_ADMIN_TOKEN (creates tenants);
 * - `admin`: a tenant admin key;
 * - `ingest`: an ingest or admin key, also accepted as `?key=` for navigator.sendBeacon;
 * - `metrics`: public, or the RASTRO_METRICS_TOKEN when one is set (Prometheus `bearer_token`).
 */
export type AuthMode = 'public' | 'operator' | 'admin' | 'ingest' | 'metrics';

export interface AuthInfo {
  tenantId: string;
  /** Known when authenticated by an API key (cached with it). */
  tenantName?: string;
  keyId: string;
  scope: 'admin' | 'ingest';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    auth: AuthInfo | null;
  }
}

/** Valid keys are cached briefly; revocation in this process drops them at once, elsewhere within the TTL. */
const KEY_CACHE_TTL_MS = 10_000;

const bearer = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
};

const safeEqual = (a: string, b: string): boolean => {
  const ha = Buffer.from(sha256Hex(a), 'hex');
  const hb = Buffer.from(sha256Hex(b), 'hex');
  return timingSafeEqual(ha, hb);
};

export function registerAuth(app: FastifyInstance, ctx: AppContext): { forgetKey(hash: string): void } {
  const cache = new LRUCache<string, KeyIdentity>({ max: 10_000, ttl: KEY_CACHE_TTL_MS });
  app.decorateRequest('auth', null);

  /** The key's identity: from the cache at once (every request but the first of a key), else a promise. */
  const resolveKey = (key: string): KeyIdentity | undefined | Promise<KeyIdentity | undefined> => {
    const hash = hashKey(key);
    const cached = cache.get(hash);
    if (cached) return cached;
    return findActiveKey(ctx.db, key).then((found) => {
      if (found) cache.set(hash, found);
      return found;
    });
  };

  /** Lets the key's identity through (sets `request.auth`), or answers the error to send instead. */
  const admit = (request: FastifyRequest, mode: string, identity: KeyIdentity | undefined): RastroError | undefined => {
    if (!identity) return new RastroError('unauthorized', 'invalid or revoked API key');
    if (mode === 'admin' && identity.scope !== 'admin') {
      return new RastroError('forbidden', `this route needs an admin key; an ${identity.scope} key was given`);
    }
    request.auth = {
      tenantId: identity.tenantId,
      tenantName: identity.tenantName,
      keyId: identity.keyId,
      scope: identity.scope,
    };
    return undefined;
  };

  /**
   * What the route's mode asks of the request: nothing more (`true`), or the key's identity (at once
   * when cached, else a promise). Throws what the client is told when the credentials do not do.
   */
  const check = (request: FastifyRequest, mode: string): true | ReturnType<typeof resolveKey> => {
    if (mode === 'public' || (mode === 'metrics' && !ctx.config.metricsToken)) return true;
    const query = request.query as Record<string, unknown> | undefined;
    const token = bearer(request) ?? (mode === 'ingest' && typeof query?.key === 'string' ? query.key : undefined);
    if (!token) {
      throw new RastroError(
        'unauthorized',
        request.headers.authorization
          ? 'the Authorization header must be "Bearer <key>" (the word Bearer, a space, then the key)'
          : 'missing credentials: send Authorization: Bearer <key>',
      );
    }
    if (mode === 'metrics') {
      if (!safeEqual(token, ctx.config.metricsToken!)) throw new RastroError('unauthorized', 'invalid metrics token');
      return true;
    }
    if (mode === 'operator') {
      if (!ctx.config.adminToken) throw new RastroError('unauthorized', 'operator token is not configured');
      if (!safeEqual(token, ctx.config.adminToken)) throw new RastroError('unauthorized', 'invalid operator token');
      return true;
    }
    return resolveKey(token);
  };

  // Callback style, synchronous when the key is cached: an async hook costs a promise per request.
  // `done` is called once, outside any try, so an error further down the request is never taken
  // for an authentication failure.
  app.addHook('onRequest', (request, _reply, done) => {
    const mode = request.routeOptions.config.auth ?? 'public';
    let outcome: ReturnType<typeof check>;
    try {
      outcome = check(request, mode);
    } catch (error) {
      return done(error as Error);
    }
    if (outcome === true) return done();
    if (!(outcome instanceof Promise)) return done(admit(request, mode, outcome));
    outcome.then(
      (identity) => done(admit(request, mode, identity)),
      (error: Error) => done(error),
    );
  });

  return { forgetKey: (hash) => void cache.delete(hash) };
}

/** The authenticated tenant of an `admin`/`ingest` route (the auth hook guarantees it). */
export function tenantOf(request: FastifyRequest): string {
  if (!request.auth) throw new RastroError('unauthorized', 'authentication required');
  return request.auth.tenantId;
}
