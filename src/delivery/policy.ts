/** Knobs of the delivery state machine; defaults suit production, tests shrink them. */
export interface DeliveryPolicy {
  /** Attempts before a retryable failure becomes dead (rate limits and paused tokens do not count). */
  maxAttempts: number;
  /** A delivery dies when it has been retried this long, and never past the platform's event-age limit. */
  maxAgeMs: number;
  /** Margin kept before the platform's event-age limit. */
  ageMarginMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Batches one process may send while holding their rows locked in an open transaction (one pooled
   * connection each) instead of leasing them: one row rewrite per attempt instead of two. Further
   * batches are leased. 0 leases always (PGlite: its one connection must not wait on a platform).
   */
  lockedBatches: number;
  /** How long a claimed delivery stays leased to a worker before another may take it (crash recovery). */
  leaseMs: number;
  /** Pause of a destination after the platform throttles it, when it gives no Retry-After. */
  throttlePauseMs: number;
  /** Consecutive retryable batch failures that open the circuit, and how long it stays open at first. */
  breakerThreshold: number;
  breakerOpenMs: number;
  breakerMaxOpenMs: number;
  requestTimeoutMs: number;
  /** How often the worker rereads the destination list. */
  destinationsRefreshMs: number;
}

export const DEFAULT_POLICY: DeliveryPolicy = {
  maxAttempts: 12,
  maxAgeMs: 3 * 24 * 3600_000,
  ageMarginMs: 3600_000,
  baseDelayMs: 2_000,
  maxDelayMs: 15 * 60_000,
  lockedBatches: 0,
  leaseMs: 120_000,
  throttlePauseMs: 60_000,
  breakerThreshold: 5,
  breakerOpenMs: 5_000,
  breakerMaxOpenMs: 5 * 60_000,
  requestTimeoutMs: 30_000,
  destinationsRefreshMs: 1_000,
};

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))], at least 250 ms. */
export function retryDelayMs(attempt: number, policy: DeliveryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(250, Math.floor(random() * ceiling));
}
