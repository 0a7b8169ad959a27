import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServer, freshServerBundle, SERVER_BUNDLE } from '../../scripts/build-server.mjs';
import { freePort, spawned } from '../support/processes.ts';

const { run, start } = spawned();

describe('the server bundle (what `npm start` runs)', () => {
  it('is built from the current sources and serves the API, the snippet and the dashboard', async () => {
    // `npm test` builds it first (pretest); a run of vitest alone builds it here.
    await buildServer({ ifStale: true, quiet: true });
    expect(freshServerBundle()).toBe(SERVER_BUNDLE);

    const port = await freePort();
    const env = { PORT: String(port), RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-bundle-')) };
    const server = start(SERVER_BUNDLE, ['serve'], env);
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(true);

    // Files read at run time are found from dist/server/ as from src/.
    const snippet = await fetch(`${base}/r.js`);
    expect(snippet.status).toBe(200);
    expect(await snippet.text()).toContain('sendBeacon');
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"');

    // bin/rastro.js runs the same bundle (it is fresh) and reaches the server beside it.
    const created = await run('bin/rastro.js', ['tenants', 'create', 'Bundled', '--json'], env);
    expect(created.code, created.out).toBe(0);
    const { keys } = JSON.parse(created.out) as { keys: { ingest: string } };
    const tracked = await fetch(`${base}/api/v1/track/page_view`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.ingest}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://shop.example/', user_agent: 'Mozilla/5.0' }),
    });
    expect(tracked.status).toBe(202);

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);

  it('maps stack traces back to the TypeScript sources', async () => {
    await buildServer({ ifStale: true, quiet: true });
    // An unreachable database: the command fails and prints the error's stack.
    const result = await run('bin/rastro.js', ['migrate'], {
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      RASTRO_SECRET_KEY: randomBytes(32).toString('hex'),
    });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/at migrateToLatest \(\S*src\/db\/migrator\.ts:\d+:\d+\)/);
    expect(result.out).not.toContain('dist/server/rastro.mjs');
  }, 60_000);
});
