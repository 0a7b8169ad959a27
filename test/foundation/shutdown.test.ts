import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Sends `head`, then `chunks` × 10 ms of JSON whitespace, then `tail`; resolves the status code. */
function slowPost(port: number, path: string, token: string, head: string, tail: string, chunks: number) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const timer = setInterval(() => {
      req.write(' '.repeat(1024));
      if (++sent === chunks) {
        clearInterval(timer);
        req.end(tail);
      }
    }, 10);
  });
}

describe('rastro serve (child process)', () => {
  it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'rastro-shutdown-'));
    const child = spawn(process.execPath, ['bin/rastro.js', 'serve'], {
      // Embedded store: this test is about the process life-cycle, not the engine.
      env: {
        ...process.env,
        DATABASE_URL: '',
        PORT: String(port),
        RASTRO_DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 900 && !output.includes('rastro listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // An upload still streaming when SIGTERM arrives must be answered, not cut.
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const slow = slowPost(port, '/api/v1/tenants', token, '{"name":"slow"', '}', 40);
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGTERM');
    expect(await slow).toBe(201);
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down');
    expect(output).toContain('rastro stopped');
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 150_000);

  it('refuses to start on an invalid variable with one line naming it', async () => {
    const child = spawn(process.execPath, ['bin/rastro.js', 'serve'], {
      env: { ...process.env, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^rastro: invalid configuration: PORT: /);
  }, 90_000);
});
