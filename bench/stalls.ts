import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** A 100 ms slot of a fixed-rate run (by the requests' due times) and its slowest answer. */
export interface Slot {
  /** Epoch ms of the slot's start. */
  at: number;
  maxMs: number;
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
 * What the machine did during a fixed-rate run, to explain its slowest slots: this process's
 * garbage-collection pauses (the server runs on its main thread) and the disks' write time, sampled
 * every 100 ms. A tail with neither beside it was time the processes did not get a CPU, or
 * PostgreSQL's own.
 */
export class StallWatch {
  private readonly gc: { at: number; ms: number }[] = [];
  private readonly disk: { at: number; writeMs: number }[] = [];
  private observer: PerformanceObserver | undefined;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gc.push({ at: performance.timeOrigin + e.startTime, ms: e.duration });
    });
    this.observer.observe({ entryTypes: ['gc'] });
    let last = diskWriteMs();
    this.timer = setInterval(() => {
      const now = diskWriteMs();
      this.disk.push({ at: Date.now(), writeMs: now - last });
      last = now;
    }, 100);
  }

  stop(): void {
    this.observer?.disconnect();
    if (this.timer) clearInterval(this.timer);
  }

  /** One line: the worst slots, each with the GC pauses and disk write time around it. */
  describe(worst: Slot[]): string {
    return worst
      .map((slot) => {
        // A stall delays the requests due during it and after it until it ends.
        const from = slot.at - 100;
        const to = slot.at + 100 + slot.maxMs;
        const gc = this.gc.filter((g) => g.at + g.ms >= from && g.at <= to).reduce((n, g) => n + g.ms, 0);
        const disk = this.disk.filter((d) => d.at >= from && d.at <= to + 100).reduce((n, d) => n + d.writeMs, 0);
        const clock = new Date(slot.at).toISOString().slice(11, 23);
        return `${clock} max ${slot.maxMs.toFixed(1)} ms (GC ${gc.toFixed(1)} ms, disk writing ${disk} ms)`;
      })
      .join('; ');
  }
}
