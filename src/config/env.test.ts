import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8787, host: '127.0.0.1', dataDir: './.rastro', role: 'all', logLevel: 'info' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.databasePool).toBe(10);
    expect(loadConfig({ RASTRO_DATABASE_POOL: '24' }).databasePool).toBe(24);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT: .*integer/],
    [{ PORT: '70000' }, /^PORT: /],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of fatal, error/],
    [{ RASTRO_ROLE: 'boss' }, /^RASTRO_ROLE: must be one of all, api, worker/],
    [{ RASTRO_ADMIN_TOKEN: 'short' }, /^RASTRO_ADMIN_TOKEN: /],
    [{ RASTRO_SECRET_KEY: 'not-a-key' }, /^RASTRO_SECRET_KEY: /],
    [{ RASTRO_DATABASE_POOL: '1' }, /^RASTRO_DATABASE_POOL: /],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a secret value', () => {
    expect(() => loadConfig({ RASTRO_SECRET_KEY: 'hunter2-hunter2' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('parses trusted proxies and strips a trailing slash of the Graph URL', () => {
    const c = loadConfig({ RASTRO_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.0/8', RASTRO_META_GRAPH_URL: 'http://x:1/' });
    expect(c.trustedProxies).toEqual(['10.0.0.1', '10.0.0.0/8']);
    expect(c.metaGraphUrl).toBe('http://x:1');
  });
});
