import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../core/project-root.ts';
import type { CheckoutHost } from '../db/tables/ingest.ts';

/**
 * The browser snippet as served at `/r.js`: `r.js` beside this file with its comment lines and
 * indentation removed (no minifier dependency; gzip does the rest), and its gzipped bytes and ETag
 * computed once per process.
 */
export interface Snippet {
  source: string;
  gzip: Buffer;
  etag: string;
}

/** Removes whole-line comments and indentation; the snippet's source keeps comments on lines of their own. */
export function compact(source: string): string {
  return source
    .replace(/^\s*\/\*[\s\S]*?\*\/\s*$/gm, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .join('\n');
}

let cached: Snippet | undefined;

export function snippet(): Snippet {
  if (!cached) {
    const source = compact(readFileSync(join(PROJECT_ROOT, 'src', 'snippet', 'r.js'), 'utf8'));
    cached = {
      source,
      gzip: gzipSync(source, { level: 9 }),
      etag: `"${createHash('sha256').update(source).digest('base64url').slice(0, 22)}"`,
    };
  }
  return cached;
}

export interface LoaderOptions {
  /** Rastro's public base URL, e.g. `https://t.shop.example.com`. */
  baseUrl: string;
  ingestKey: string;
  checkoutHosts?: CheckoutHost[];
  cookieDomain?: string | null;
}

/**
 * The tag a site pastes in its <head>: a stub that queues calls (and returns an event id for each at
 * once, so the Meta pixel can reuse it as `eventID`) until `/r.js` loads asynchronously.
 * `rastro('init', …)` returns the automatic pageview's event id.
 */
export function loaderSnippet(o: LoaderOptions): string {
  const base = o.baseUrl.replace(/\/+$/, '');
  const options: Record<string, unknown> = {};
  if (o.checkoutHosts?.length) options.checkout = Object.fromEntries(o.checkoutHosts.map((h) => [h.host, h.params]));
  if (o.cookieDomain) options.cookieDomain = o.cookieDomain;
  // JSON in a <script>: `<` escaped so no value can close the tag.
  const js = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
  return [
    '<script>',
    '(function(w,d,u){w.rastro=w.rastro||function(){var i=Date.now().toString(36)+Math.random().toString(36).slice(2,12);' +
      '(w.rastro.q=w.rastro.q||[]).push([arguments,i]);return i};var s=d.createElement("script");s.async=1;s.src=u;' +
      `d.head.appendChild(s)})(window,document,${js(`${base}/r.js`)});`,
    `var rastroPageViewId=rastro("init",${js(o.ingestKey)},${js(options)});`,
    '</script>',
  ].join('\n');
}
