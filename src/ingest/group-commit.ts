/**
 * Group commit: concurrent submissions are committed together, in one transaction per group, so
 * durable ingest does not cost one transaction (one WAL flush) per request.
 *
 * - The first submission of a group waits at most `windowMs` for company; a group that reaches
 *   `maxWeight` (e.g. events) is flushed at once. With `windowMs` 0 a group leaves as soon as the
 *   submissions of the current event-loop turn are in (no added latency when idle); under load the
 *   groups still grow, from what arrives while earlier groups commit.
 * - At most `maxConcurrent` groups commit at the same time; while they do, new submissions
 *   accumulate and are flushed as soon as a slot frees, so groups grow with load.
 * - Every submission settles only after its own group has committed (or failed): a caller may
 *   acknowledge durably once `submit()` resolves.
 * - `commit` must be atomic (one transaction). It returns one outcome per item, so one item may be
 *   refused (e.g. validation) without affecting the others. When it throws, nothing was committed:
 *   each item is then committed alone, so a bad item cannot fail or mis-answer its neighbours.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<T, R> {
  windowMs: number;
  maxWeight: number;
  maxConcurrent: number;
  /** Weight of an item toward `maxWeight` (default 1). */
  weight?: (item: T) => number;
  commit: (items: T[]) => Promise<Outcome<R>[]>;
  /** Told when a group's transaction failed and its items are retried one by one. */
  onFallback?: (error: unknown, size: number) => void;
  /** Told of every committed group (size, duration) — metrics. */
  onGroup?: (size: number, weight: number, ms: number) => void;
}

interface Pending<T, R> {
  item: T;
  weight: number;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitClosedError extends Error {
  constructor() {
    super('group committer is closed');
    this.name = 'GroupCommitClosedError';
  }
}

export class GroupCommitter<T, R> {
  private pending: Pending<T, R>[] = [];
  private pendingWeight = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats = { groups: 0, items: 0, fallbacks: 0, maxGroup: 0 };

  constructor(private readonly options: GroupCommitOptions<T, R>) {
    if (options.maxConcurrent < 1) throw new RangeError('maxConcurrent must be at least 1');
  }

  submit(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new GroupCommitClosedError());
    return new Promise<R>((resolve, reject) => {
      const weight = Math.max(1, this.options.weight?.(item) ?? 1);
      this.pending.push({ item, weight, resolve, reject });
      this.pendingWeight += weight;
      if (this.pendingWeight >= this.options.maxWeight) this.flush(false);
      this.arm();
    });
  }

  /** Starts the window of the items pending, if they have none running. */
  private arm(): void {
    if (this.timer || this.pending.length === 0) return;
    const fire = () => {
      this.timer = undefined;
      this.flush(true);
    };
    this.timer = this.options.windowMs > 0 ? setTimeout(fire, this.options.windowMs) : setImmediate(fire);
  }

  /** Items waiting for a group, and groups committing now. */
  get load(): { pending: number; inFlight: number } {
    return { pending: this.pending.length, inFlight: this.inFlight };
  }

  /** Commits everything submitted so far and resolves when nothing is pending or in flight. */
  async drain(): Promise<void> {
    this.flush(true);
    if (this.pending.length === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new submissions, then drains. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  /**
   * Starts groups while slots are free: full groups always, a partial one only when `all` (its
   * window ended, a slot freed up while it waited, or a drain).
   */
  private flush(all: boolean): void {
    if (all && this.timer) {
      if ('refresh' in this.timer)
        clearTimeout(this.timer); // a Timeout; an Immediate has no refresh()
      else clearImmediate(this.timer);
      this.timer = undefined;
    }
    while (
      this.pending.length > 0 &&
      this.inFlight < this.options.maxConcurrent &&
      (all || this.pendingWeight >= this.options.maxWeight)
    ) {
      const group: Pending<T, R>[] = [];
      let weight = 0;
      while (this.pending.length > 0) {
        const next = this.pending[0]!;
        if (group.length > 0 && weight + next.weight > this.options.maxWeight) break;
        group.push(this.pending.shift()!);
        weight += next.weight;
      }
      this.pendingWeight -= weight;
      this.inFlight += 1;
      void this.run(group, weight).finally(() => {
        this.inFlight -= 1;
        // Whatever arrived while this group committed has waited long enough: flush it now.
        if (this.pending.length > 0) this.flush(true);
        else if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  private async run(group: Pending<T, R>[], weight: number): Promise<void> {
    const started = performance.now();
    let outcomes: Outcome<R>[];
    try {
      outcomes = await this.commitChecked(group.map((p) => p.item));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      this.stats.fallbacks += 1;
      this.options.onFallback?.(error, group.length);
      // Nothing of the group was committed: each item gets its own transaction and its own answer.
      outcomes = await Promise.all(
        group.map(async (p): Promise<Outcome<R>> => {
          try {
            return (await this.commitChecked([p.item]))[0]!;
          } catch (itemError) {
            return { ok: false, error: itemError };
          }
        }),
      );
    }
    this.stats.groups += 1;
    this.stats.items += group.length;
    this.stats.maxGroup = Math.max(this.stats.maxGroup, group.length);
    this.options.onGroup?.(group.length, weight, performance.now() - started);
    group.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }

  private async commitChecked(items: T[]): Promise<Outcome<R>[]> {
    const outcomes = await this.options.commit(items);
    if (outcomes.length !== items.length) {
      throw new Error(`group commit returned ${outcomes.length} outcomes for ${items.length} items`);
    }
    return outcomes;
  }
}
