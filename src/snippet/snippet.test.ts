import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compact, loaderSnippet, snippet } from './snippet.ts';

describe('browser snippet', () => {
  it('is served under 3 KB gzipped', () => {
    const s = snippet();
    expect(s.gzip.length).toBeLessThan(3 * 1024);
    expect(gzipSync(s.source).length).toBeLessThan(3 * 1024);
  });

  it('stays valid JavaScript without comments, and is dependency-free (no import/require)', () => {
    const s = snippet();
    expect(() => new Function(s.source)).not.toThrow();
    expect(s.source).not.toMatch(/^\s*\/\//m);
    expect(s.source).not.toMatch(/\bimport\b|\brequire\(/);
    const original = readFileSync(new URL('./r.js', import.meta.url), 'utf8');
    expect(s.source.length).toBeLessThan(original.length);
  });

  it('compacts whole-line comments and indentation only', () => {
    expect(compact('/* global a */\n// note\n  var a = "http://x"; // tail\n')).toBe('var a = "http://x"; // tail');
  });

  it('builds a loader tag with the key, the script URL and the checkout hosts, safely quoted', () => {
    const html = loaderSnippet({
      baseUrl: 'https://t.shop.com/',
      ingestKey: 'rst_ingest_abc',
      checkoutHosts: [{ host: 'checkout.shop.com', params: ['ref'] }],
    });
    expect(html).toContain('"https://t.shop.com/r.js"');
    expect(html).toContain('rastro("init","rst_ingest_abc",{"checkout":{"checkout.shop.com":["ref"]}})');
    expect(html.startsWith('<script>') && html.endsWith('</script>')).toBe(true);
    const hostile = loaderSnippet({ baseUrl: 'https://t.shop.com', ingestKey: '"</script><script>alert(1)' });
    expect(hostile).not.toContain('"</script>');
  });
});
