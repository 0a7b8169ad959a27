/**
 * One circuit per destination. Closed: batches flow. After `threshold` consecutive retryable
 * failures it opens for `openMs` (doubling each time it re-opens, up to `maxOpenMs`); then one
 * probe batch is let through (half-open): success closes it, failure re-opens it.
 * What counts as a failure is the destination's own classification (retryable), which is why
 * this small state machine lives here rather than in a generic breaker library.
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  private openedUntil = 0;
  private openMs: number;
  private probing = false;
  /** A pause requested by the platform (429 / throttling codes), separate from failures. */
  private pausedUntil = 0;

  constructor(
    private readonly threshold: number,
    private readonly initialOpenMs: number,
    private readonly maxOpenMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.openMs = initialOpenMs;
  }

  get state(): CircuitState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() < this.openedUntil ? 'open' : 'half_open';
  }

  /** Whether a batch may be sent now; in half-open only one probe at a time. */
  allow(): boolean {
    if (this.now() < this.pausedUntil) return false;
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Batch size allowed now: a half-open probe sends a single event. */
  probeLimit(limit: number): number {
    return this.state === 'half_open' ? 1 : limit;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.openMs = this.initialOpenMs;
  }

  failure(): void {
    const wasProbe = this.probing;
    this.probing = false;
    this.failures += 1;
    if (this.failures >= this.threshold) {
      if (wasProbe) this.openMs = Math.min(this.maxOpenMs, this.openMs * 2);
      this.openedUntil = this.now() + this.openMs;
    }
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** Milliseconds until the circuit may let something through (0 when it may now). */
  waitMs(): number {
    return Math.max(0, this.pausedUntil - this.now(), this.state === 'open' ? this.openedUntil - this.now() : 0);
  }
}
