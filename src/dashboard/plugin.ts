import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { RastroError } from '../core/errors.ts';
import { PROJECT_ROOT } from '../core/project-root.ts';

/** Where `npm run build:web` puts the dashboard (web/dist, git-ignored). */
export const DEFAULT_DIST = join(PROJECT_ROOT, 'web', 'dist');

/** Paths that belong to the server: an unknown one is a JSON 404, never the single-page app. */
const SERVER_PREFIXES = ['/api/', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/assets/'];

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rastro</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1>Rastro</h1><p>The dashboard has not been built on this server. Run <code>npm install</code> and
<code>npm run build:web</code> (or <code>npm start</code>, which builds it), then reload.</p>
<p>The API is up: see <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * Serves the operations dashboard (a React single-page app built into web/dist) at `/`: hashed assets
 * with long-lived caching, and index.html for every other browser navigation (client-side routes such
 * as /events/:id). Registered last, so every server route wins over the fallback.
 */
export const dashboardPlugin =
  (root: string = DEFAULT_DIST): FastifyPluginAsync =>
  async (app) => {
    const indexPath = join(root, 'index.html');
    const built = existsSync(indexPath);
    if (built) {
      // Hashed file names: cached for a year. Files are looked up per request, so a rebuild needs no restart.
      await app.register(fastifyStatic, {
        root: join(root, 'assets'),
        prefix: '/assets/',
        wildcard: true,
        index: false,
        decorateReply: false,
        // web/build.mjs writes .br and .gz beside each asset.
        preCompressed: true,
        cacheControl: false,
        setHeaders: (res) => {
          res.setHeader('cache-control', 'public, max-age=31536000, immutable');
          res.setHeader('x-content-type-options', 'nosniff');
        },
      });
    }

    let cached: { mtimeMs: number; html: string } | undefined;
    const indexHtml = (): string => {
      if (!existsSync(indexPath)) return NOT_BUILT;
      const { mtimeMs } = statSync(indexPath);
      if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, html: readFileSync(indexPath, 'utf8') };
      return cached.html;
    };

    const sendApp = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? '/';
      const wantsHtml = (request.headers.accept ?? '*/*').includes('text/html');
      if (SERVER_PREFIXES.some((p) => path.startsWith(p)) || /\.[a-z0-9]+$/i.test(path) || !wantsHtml) {
        throw new RastroError('not_found', `no route for ${request.method} ${path}`);
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(indexHtml());
    };

    const options = { config: { auth: 'public' as const }, schema: { hide: true } };
    app.get('/', options, sendApp);
    app.get('/*', options, sendApp);
  };
