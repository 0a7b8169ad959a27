import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach } from 'vitest';

/** A TCP port free on 127.0.0.1 at the time of asking. */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  out: string;
}

/**
 * Child processes of the calling test file, killed after each test: a file that spawns calls
 * `spawned()` once at its top level and runs its processes through the returned functions.
 */
export function spawned() {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });

  /** Starts `node <entry> args` with `env` over this process's environment (no DATABASE_URL unless given). */
  const start = (entry: string, args: string[], env: Record<string, string>): ChildProcess => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { ...process.env, DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  };

  /** Runs `node <entry> args` to its end (killed after `timeoutMs`: a hang is a failure too). */
  const run = (entry: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> => {
    const child = start(entry, args, env);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const result = { stdout: '', stderr: '', out: '' };
    child.stdout!.on('data', (d: Buffer) => {
      result.stdout += d.toString();
      result.out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      result.stderr += d.toString();
      result.out += d.toString();
    });
    return new Promise((resolve) =>
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, ...result });
      }),
    );
  };

  /** Runs `bin/rastro.js args`. */
  const rastro = (args: string[], env: Record<string, string>, timeoutMs?: number): Promise<Run> =>
    run('bin/rastro.js', args, env, timeoutMs);

  /**
   * Starts `bin/rastro.js serve` and resolves once it logs that it listens (or after `timeoutMs`:
   * the caller's expectations then fail on `output()`); `exited` resolves its exit code.
   */
  const serve = async (env: Record<string, string>, timeoutMs = 90_000) => {
    const child = start('bin/rastro.js', ['serve'], { LOG_LEVEL: 'info', ...env });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + timeoutMs;
    while (!output.includes('rastro listening') && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    return { child, exited, output: () => output };
  };

  /** Kills `child` with the others after the test. */
  const adopt = <T extends ChildProcess>(child: T): T => {
    children.push(child);
    return child;
  };

  return { start, run, rastro, serve, adopt };
}
