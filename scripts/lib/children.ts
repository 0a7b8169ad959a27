/**
 * Child processes of the resilience scripts and tests: real `rastro serve` processes (started,
 * SIGKILLed and restarted at will) and the Meta emulator in a process of its own, so that killing
 * Rastro never touches what the emulator recorded.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { EmulatorStats, FaultInput } from '../../src/emulators/meta/server.ts';
import { SERVER_NODE_FLAGS } from '../../src/runtime/node-flags.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/rastro.js', import.meta.url));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Variables a child must not inherit from the parent (a test run's DATABASE_URL, say). */
const OWN_VARIABLES = /^(DATABASE_URL|REDIS_URL|PORT|HOST|RASTRO_.*|LOG_LEVEL)$/;

export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !OWN_VARIABLES.test(k)));
  // A debugger or coverage hook of the parent has no business in the children.
  delete base.NODE_OPTIONS;
  return { ...base, ...env };
}

export type Role = 'all' | 'api' | 'worker';

export interface RastroProcessOptions {
  name: string;
  role: Role;
  port: number;
  env: Record<string, string>;
  /** stdout and stderr of every run are appended here. */
  logFile: string;
}

/** One `rastro serve --role <role>` that can be killed with SIGKILL and started again on the same port. */
export class RastroProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  starts = 0;
  kills = 0;

  constructor(readonly options: RastroProcessOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Spawns the process and resolves once GET /readyz answers 200 (database reachable, migrations applied). */
  async start(timeoutMs = 180_000): Promise<void> {
    if (this.child) throw new Error(`${this.options.name} is already running`);
    const log = openSync(this.options.logFile, 'a');
    const child = spawn(
      process.execPath,
      [...SERVER_NODE_FLAGS, BIN, 'serve', '--role', this.options.role, '--port', String(this.options.port)],
      { cwd: REPO_ROOT, env: childEnv(this.options.env), stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    this.starts += 1;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        if (this.child === child) this.child = undefined;
        resolve(code);
      }),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child !== child) throw new Error(`${this.options.name} exited during start-up\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.options.name} not ready after ${timeoutMs} ms\n${this.logTail()}`);
      }
      await sleep(50);
    }
  }

  /** SIGKILL (default) or another signal; resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (signal === 'SIGKILL') this.kills += 1;
    child.kill(signal);
    await this.exited;
  }

  /** Graceful stop (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/** What the emulator process answers about the events it accepted. */
export interface ReceivedSummary {
  /** pixel id -> event_id -> times received (production events only). */
  counts: Record<string, Record<string, number>>;
  /** pixel id -> the most events received in any sliding window of `windowMs`. */
  peakPerWindow: Record<string, number>;
  /** pixel id -> [first, last] receive time (epoch ms). */
  span: Record<string, [number, number]>;
  /** Every repeated receipt of one (pixel, event_id): when it was first received and when again. */
  repeats: { pixel: string; eventId: string; at: [number, number] }[];
  stats: EmulatorStats;
  maxRssKiB: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The Meta emulator in its own process; see ./meta-emulator-process.ts. */
export class EmulatorProcess {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (m: { id?: number; result?: unknown; error?: string }) => {
      const waiter = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id!);
      if (m.error) waiter.reject(new Error(m.error));
      else waiter.resolve(m.result);
    });
    child.once('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('emulator process exited'));
      this.pending.clear();
    });
  }

  static async start(options: {
    tokens: Record<string, string[]>;
    latencyMs?: number;
    /** Keep every accepted event (default true; the load test keeps counters only). */
    storeEvents?: boolean;
  }): Promise<EmulatorProcess> {
    const child = fork(fileURLToPath(new URL('./meta-emulator-process.ts', import.meta.url)), [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      env: childEnv({ EMULATOR_OPTIONS: JSON.stringify(options) }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
      child.once('message', (m: { type: string; url: string }) => resolve(m.url));
    });
    child.removeAllListeners('exit');
    return new EmulatorProcess(child, url);
  }

  private call<T>(type: string, args: unknown = {}): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, type, args });
    });
  }

  summary(windowMs = 1000): Promise<ReceivedSummary> {
    return this.call('summary', { windowMs });
  }

  stats(): Promise<EmulatorStats> {
    return this.call('stats');
  }

  /** Events received per pixel (cheap: counters only). */
  async received(): Promise<number> {
    return (await this.stats()).eventsReceived;
  }

  faults(input: FaultInput): Promise<void> {
    return this.call('faults', input);
  }

  clearFaults(): Promise<void> {
    return this.call('clearFaults');
  }

  /** Request records since `sinceMs` (status, time, event count), for backoff checks. */
  requests(sinceMs = 0): Promise<{ at: number; pixelId?: string; status: number; events: number; fault?: string }[]> {
    return this.call('requests', { sinceMs });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ type: 'stop' });
    await Promise.race([exited, sleep(5_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
