import { readFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import pg from 'pg';
import { cpuTicks } from './support.ts';

/** A 100 ms slot of a fixed-rate run (by the requests' due times) and its slowest answer. */
export interface Slot {
  /** Epoch ms of the slot's start. */
  at: number;
  maxMs: number;
  /** The generator's own lateness: the most a request of the slot left after it was due. */
  lateMs?: number;
}

const WHOLE_DISK = /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+)$/;

/** Milliseconds whole disks have spent writing since boot (/proc/diskstats, field 8); 0 where unreadable. */
function diskWriteMs(): number {
  try {
    let total = 0;
    for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[2] && WHOLE_DISK.test(f[2])) total += Number(f[10] ?? 0);
    }
    return total;
  } catch {
    return 0;
  }
}

/**
 * Pressure stall totals since boot, µs (/proc/pressure): time some task waited for a CPU, and time
 * every task waited on I/O. 0 where the kernel has no PSI.
 */
function pressureUs(): { cpu: number; io: number } {
  const total = (file: string, line: 'some' | 'full'): number => {
    try {
      const m = new RegExp(`^${line} .*total=(\\d+)`, 'm').exec(readFileSync(file, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  };
  return { cpu: total('/proc/pressure/cpu', 'some'), io: total('/proc/pressure/io', 'full') };
}

interface Sample {
  at: number;
  diskMs: number;
  cpuWaitUs: number;
  ioStallUs: number;
  busy: number;
  steal: number;
  total: number;
}

const LAG_TICK_MS = 5;

/** One look at PostgreSQL: what each process at work was waiting on ("CPU" when running). */
interface PgSample {
  at: number;
  waits: { pid: number; w: string }[];
}

const PG_SAMPLE_MS = 10;

/**
 * Samples pg_stat_activity every 10 ms over its own connection, so a slot whose answers waited on
 * PostgreSQL says on what: a WAL flush (`IO:WALSync`), a lock, CPU. (pg_stat_wal's flush timings
 * would be exact but reach shared memory about once a second per backend: too coarse for a slot.)
 */
class PostgresWaits {
  readonly samples: PgSample[] = [];
  private client: pg.Client | undefined;
  private running = false;

  constructor(private readonly target: { serverUrl: string; database: string }) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.target.serverUrl });
    await this.client.connect();
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running && this.client) {
      const started = performance.now();
      try {
        // This database's active client backends, and background processes waiting on something
        // other than their idle timers (the WAL writer flushing, the checkpointer syncing).
        const { rows } = await this.client.query<{ pid: number; w: string }>(
          `select pid, coalesce(wait_event_type || ':' || wait_event, 'CPU')
                    || case when backend_type = 'client backend' then '' else ' (' || backend_type || ')' end as w
             from pg_stat_activity
            where pid <> pg_backend_pid()
              and ((datname = $1 and backend_type = 'client backend' and state = 'active')
                   or (backend_type <> 'client backend' and wait_event_type is distinct from 'Activity'))`,
          [this.target.database],
        );
        this.samples.push({ at: Date.now(), waits: rows });
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, PG_SAMPLE_MS - (performance.now() - started))));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.client?.end().catch(() => undefined);
  }

  /** The window's wait events by number of sightings, and the longest one a process stayed in. */
  describe(from: number, to: number): string {
    const window = this.samples.filter((s) => s.at >= from && s.at <= to);
    const counts = new Map<string, number>();
    for (const s of window) for (const { w } of s.waits) counts.set(w, (counts.get(w) ?? 0) + 1);
    const top = [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([w, c]) => `${w} ×${c}`)
      .join(', ');
    // Consecutive sightings of one process in one wait: about how long that wait lasted.
    const open = new Map<number, { w: string; since: number }>();
    let longest = { w: '', ms: 0 };
    for (const s of window) {
      const seen = new Set<number>();
      for (const { pid, w } of s.waits) {
        seen.add(pid);
        const run = open.get(pid);
        if (!run || run.w !== w) open.set(pid, { w, since: s.at });
        else if (!w.startsWith('CPU') && s.at - run.since > longest.ms) longest = { w, ms: s.at - run.since };
      }
      for (const pid of open.keys()) if (!seen.has(pid)) open.delete(pid);
    }
    const wait = longest.ms > 0 ? `; longest wait seen ${longest.w} ≥ ${longest.ms} ms` : '';
    return `PostgreSQL in ${window.length} samples: ${top || 'idle'}${wait}`;
  }
}

/**
 * What the machine did during a fixed-rate run, to explain its slowest slots: this process's
 * garbage-collection pauses by kind (the server runs on its main thread), how late the main thread
 * ran a 5 ms timer (anything that kept the server from answering: GC, JavaScript, no CPU), the
 * disks' write time, the cores' busy share and steal, and the kernel's pressure stall times (tasks
 * waiting for a core, all tasks stalled on I/O), sampled every 100 ms. A slot whose answer
 * was slow while the loop ran on time waited on something outside the process (PostgreSQL, disk).
 */
export class StallWatch {
  private readonly gc: { at: number; ms: number; major: boolean }[] = [];
  private readonly lags: { at: number; ms: number }[] = [];
  private readonly samples: Sample[] = [];
  private observer: PerformanceObserver | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly pg: PostgresWaits | undefined;

  /** `postgres`: the server and database the run writes to, when it is PostgreSQL. */
  constructor(postgres?: { serverUrl: string; database: string }) {
    this.pg = postgres ? new PostgresWaits(postgres) : undefined;
  }

  async start(): Promise<void> {
    await this.pg?.start();
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        this.gc.push({
          at: performance.timeOrigin + e.startTime,
          ms: e.duration,
          major: kind === constants.NODE_PERFORMANCE_GC_MAJOR,
        });
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
    const sample = (): Sample => {
      const pressure = pressureUs();
      const { busy, steal, total } = cpuTicks();
      return {
        at: Date.now(),
        diskMs: diskWriteMs(),
        cpuWaitUs: pressure.cpu,
        ioStallUs: pressure.io,
        busy,
        steal,
        total,
      };
    };
    this.samples.push(sample());
    this.timer = setInterval(() => this.samples.push(sample()), 100);
    let expected = performance.now() + LAG_TICK_MS;
    this.lagTimer = setInterval(() => {
      const now = performance.now();
      if (now - expected > 1) this.lags.push({ at: Date.now(), ms: now - expected });
      expected = now + LAG_TICK_MS;
    }, LAG_TICK_MS);
  }

  async stop(): Promise<void> {
    await this.pg?.stop();
    this.observer?.disconnect();
    if (this.timer) clearInterval(this.timer);
    if (this.lagTimer) clearInterval(this.lagTimer);
  }

  /** One line: the worst slots, each with what the process and the machine did around it. */
  describe(worst: Slot[]): string {
    return worst
      .map((slot) => {
        // A stall delays the requests due during it and after it until it ends.
        const from = slot.at - 100;
        const to = slot.at + 100 + slot.maxMs;
        const gcs = this.gc.filter((g) => g.at + g.ms >= from && g.at <= to);
        const gcMs = gcs.reduce((n, g) => n + g.ms, 0);
        const majors = gcs.filter((g) => g.major).length;
        // A lag is recorded when the late timer finally runs: it covers [at - ms, at].
        const lag = this.lags.filter((l) => l.at >= from && l.at - l.ms <= to).reduce((m, l) => Math.max(m, l.ms), 0);
        const window = this.samples.filter((s) => s.at >= from - 100 && s.at <= to + 100);
        const first = window[0];
        const last = window[window.length - 1];
        const span = first && last && last.total > first.total ? last.total - first.total : 0;
        const busy = span > 0 ? Math.round((100 * (last!.busy - first!.busy)) / span) : Number.NaN;
        const steal = span > 0 ? Math.round((100 * (last!.steal - first!.steal)) / span) : Number.NaN;
        const disk = first && last ? last.diskMs - first.diskMs : 0;
        const cpuWait = first && last ? Math.round((last.cpuWaitUs - first.cpuWaitUs) / 1000) : 0;
        const ioStall = first && last ? Math.round((last.ioStallUs - first.ioStallUs) / 1000) : 0;
        const clock = new Date(slot.at).toISOString().slice(11, 23);
        return (
          `${clock} max ${slot.maxMs.toFixed(1)} ms (sent late ≤ ${(slot.lateMs ?? 0).toFixed(1)} ms; ` +
          `server loop late ≤ ${lag.toFixed(1)} ms; GC ${gcMs.toFixed(1)} ms in ${gcs.length}, ${majors} major; ` +
          `cores busy ${busy} %, steal ${steal} %, some task waiting for a core ${cpuWait} ms; ` +
          `disk writing ${disk} ms, all tasks stalled on I/O ${ioStall} ms` +
          (this.pg ? `; ${this.pg.describe(from, to)})` : ')')
        );
      })
      .join('\n      ');
  }
}
