import { describe, expect, it } from 'vitest';
import { checkSettingsPatch, normalizeOrigin, originAllowed } from './settings.ts';

describe('allowed origins', () => {
  it('normalizes origins and refuses anything else', () => {
    expect(normalizeOrigin('HTTPS://Shop.Example.com/')).toBe('https://shop.example.com');
    expect(normalizeOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(normalizeOrigin('https://shop.example.com:443')).toBe('https://shop.example.com');
    expect(normalizeOrigin('https://*.example.com')).toBe('https://*.example.com');
    for (const bad of ['shop.example.com', 'ftp://x.com', 'https://x.com/path', 'https://u:p@x.com', 'null', '*']) {
      expect(normalizeOrigin(bad), bad).toBeUndefined();
    }
  });

  it('matches exact origins and wildcard subdomains, never the apex or look-alikes', () => {
    const list = ['https://shop.example.com', 'https://*.example.org', 'http://localhost:3000'];
    expect(originAllowed('https://shop.example.com', list)).toBe(true);
    expect(originAllowed('https://a.b.example.org', list)).toBe(true);
    expect(originAllowed('http://localhost:3000', list)).toBe(true);
    for (const o of [
      'https://example.org',
      'http://a.example.org',
      'https://evilexample.org',
      'https://shop.example.com.evil.io',
      'http://localhost:3001',
      'null',
      'https://*.example.org',
    ]) {
      expect(originAllowed(o, list), o).toBe(false);
    }
    expect(originAllowed('https://anything.io', [])).toBe(true);
  });

  it('checks a settings patch and names each bad entry', () => {
    expect(checkSettingsPatch({ allowed_origins: ['https://A.com', 'https://a.com/'] })).toEqual({
      allowed_origins: ['https://a.com'],
    });
    expect(() => checkSettingsPatch({ allowed_origins: ['nope'], cookie_domain: 'a b' })).toThrow(
      /body.allowed_origins.0.*body.cookie_domain/,
    );
    expect(checkSettingsPatch({ cookie_domain: '' })).toEqual({ cookie_domain: null });
  });
});
