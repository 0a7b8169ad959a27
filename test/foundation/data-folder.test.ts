import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFolderInUseError, lockDataFolder } from '../../src/db/folder-lock.ts';
import { freePort, spawned } from '../support/processes.ts';

const boot = (): string | undefined => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
};

const { rastro, serve, start, adopt } = spawned();

describe('embedded data folder lock', () => {
  const folder = () => join(mkdtempSync(join(tmpdir(), 'rastro-lock-')), 'pgdata');

  it('is taken, refused to another live process, and released', () => {
    const dir = folder();
    const release = lockDataFolder(dir);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);

    const other = adopt(spawn('sleep', ['30']));
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: other.pid, boot: boot() }));
    expect(() => lockDataFolder(dir)).toThrow(DataFolderInUseError);
    expect(() => lockDataFolder(dir)).toThrow(new RegExp(`in use by another Rastro process \\(pid ${other.pid}\\)`));
  });

  it('takes over the lock of a process that is gone, or of an earlier boot', async () => {
    const dir = folder();
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: gone.pid, boot: boot() }));
    lockDataFolder(dir)();

    const live = adopt(spawn('sleep', ['30']));
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: live.pid, boot: 'an-earlier-boot' }));
    const release = lockDataFolder(dir);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('lets the CLI manage tenants and keys beside a running server, and refuses a second server', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'rastro-beside-'));
    const env = { PORT: String(port), RASTRO_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const { child: server, exited, output } = await serve(env);
    // Started as plain `node bin/rastro.js serve`: it says which V8 flag it misses and why.
    expect(output()).toContain('started without --no-memory-reducer');

    // The CLI cannot open the folder the server holds: it asks the server instead.
    const created = await rastro(['tenants', 'create', 'Beside', '--json'], env);
    expect(created.code).toBe(0);
    const tenant = JSON.parse(created.out) as { id: string; keys: { ingest: string } };
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/me`, {
      headers: { authorization: `Bearer ${tenant.keys.ingest}` },
    });
    expect(me.status).toBe(200);
    // The server recorded where it listens: a CLI configured for another port still finds it.
    const elsewhere = await rastro(['tenants', 'list', '--json'], { ...env, PORT: String(await freePort()) });
    expect(elsewhere.code, elsewhere.out).toBe(0);
    expect(JSON.parse(elsewhere.out)).toEqual([expect.objectContaining({ id: tenant.id })]);
    // Without --json, a person reads the keys and what each is for.
    const human = await rastro(['tenants', 'create', 'Human'], env);
    expect(human.code, human.out).toBe(0);
    expect(human.out).toMatch(
      /^Created tenant "Human" \([0-9a-f-]{36}\)\n {2}admin key {3}rst_admin_\S+\n {2}ingest key {2}rst_ingest_\S+\n/,
    );
    // Keys too, through the operator's routes: create, list, revoke.
    const key = await rastro(
      ['keys', 'create', '--tenant', tenant.id, '--scope', 'ingest', '--name', 'cli', '--json'],
      env,
    );
    expect(key.code, key.out).toBe(0);
    const made = JSON.parse(key.out) as { id: string; key: string };
    const keyList = await rastro(['keys', 'list', '--tenant', tenant.id, '--json'], env);
    expect(JSON.parse(keyList.out)).toContainEqual(expect.objectContaining({ id: made.id, name: 'cli' }));
    const revoked = await rastro(['keys', 'revoke', made.id, '--tenant', tenant.id], env);
    expect(revoked.out).toContain(`revoked ${made.id}`);
    const refused = await fetch(`http://127.0.0.1:${port}/api/v1/me`, {
      headers: { authorization: `Bearer ${made.key}` },
    });
    expect(refused.status).toBe(401);

    // And the audit chain, through the operator's verify route.
    const verified = await rastro(['ledger', 'verify'], env);
    expect(verified.code, verified.out).toBe(0);
    expect(verified.out).toMatch(new RegExp(`ok\\s+${tenant.id}\\s+\\d+ entries`));

    const second = await rastro(['serve'], { ...env, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.out).toContain(`in use by another Rastro process (pid ${server.pid})`);

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'pgdata.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    // With the server stopped the CLI opens the folder itself and sees what the server wrote.
    const listed = await rastro(['tenants', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({ id: tenant.id, name: 'Beside' }),
      expect.objectContaining({ name: 'Human' }),
    ]);
  }, 180_000);

  it('lets the CLI stop quietly when its reader goes away (`rastro … | head`)', async () => {
    const child = start('bin/rastro.js', ['secret-key'], {});
    child.stdout!.destroy(); // the reader is gone before the CLI writes its line
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 60_000);
});
