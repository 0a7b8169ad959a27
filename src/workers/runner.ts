import type { FastifyBaseLogger } from 'fastify';

/**
 * A worker task is a plain function that does one unit of work and says how much it did.
 * The runner loops each task: immediately again while it finds work, otherwise after `idleMs`.
 */
export interface WorkerTask {
  name: string;
  /** Returns the number of items processed; 0 means idle. */
  run(signal: AbortSignal): Promise<number>;
  idleMs: number;
  /** Parallel loops of this task in one process. */
  concurrency?: number;
}

export class WorkerRunner {
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private lastBeat = Date.now();
  private started = false;

  constructor(
    private readonly tasks: WorkerTask[],
    private readonly log: FastifyBaseLogger,
    private readonly stallMs = 30_000,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const task of this.tasks) {
      for (let i = 0; i < (task.concurrency ?? 1); i++) this.loops.push(this.loop(task));
    }
    this.loops.push(this.heartbeat());
  }

  /** Alive while the loop keeps beating; a stalled event loop or crashed runner fails /readyz. */
  isAlive(): boolean {
    return this.started && !this.controller.signal.aborted && Date.now() - this.lastBeat < this.stallMs;
  }

  /** Stops claiming new work and waits for in-flight units to finish. */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
  }

  private async heartbeat(): Promise<void> {
    while (!this.controller.signal.aborted) {
      this.lastBeat = Date.now();
      await this.sleep(1000);
    }
  }

  private async loop(task: WorkerTask): Promise<void> {
    const signal = this.controller.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const done = await task.run(signal);
        failures = 0;
        if (done === 0) await this.sleep(task.idleMs);
      } catch (error) {
        failures += 1;
        this.log.error({ err: error, task: task.name }, 'worker task failed');
        await this.sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.controller.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      const onAbort = (): void => done();
      function done(): void {
        clearTimeout(timer);
        signalRef?.removeEventListener('abort', onAbort);
        resolve();
      }
      const signalRef = this.controller.signal;
      signalRef.addEventListener('abort', onAbort, { once: true });
    });
  }
}
