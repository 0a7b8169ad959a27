import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import { newId, randomToken } from '../core/ids.ts';
import type { Database } from '../db/schema.ts';
import { activeDestinations, pauseDestination, resolve, type ResolvedDestination } from '../destinations/store.ts';
import type { SendContext, SendResult } from '../destinations/types.ts';
import { estimateEmq, identifiersOf, type IdentifiedEvent } from '../quality/emq.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { claimDue, claimLocked, hasDue, releaseExpiredLeases, type ClaimedDelivery, type Hold } from './claim.ts';
import { skipOrphanedDeliveries } from './orphans.ts';
import { retryDelayMs, type DeliveryPolicy } from './policy.ts';
import type { DestinationRateLimiter } from './rate-limit.ts';
import { recordOutcome, type Transition } from './record.ts';

export interface DispatcherDeps {
  db: Kysely<Database>;
  secrets: SecretBox;
  policy: DeliveryPolicy;
  rateLimiter: DestinationRateLimiter;
  sendContext: Omit<SendContext, 'timeoutMs'>;
  metrics: Registry;
  log: FastifyBaseLogger;
  now?: () => Date;
}

/** Concurrent batch requests to one destination from one process. */
const MAX_PARALLEL_BATCHES = 4;
/** How often queued deliveries of deleted destinations are looked for (src/delivery/orphans.ts). */
const ORPHAN_SWEEP_MS = 60_000;

/** The deliveries being sent, and the handle to write their outcome with (their transaction, when locked). */
interface Held {
  db: Kysely<Database>;
  hold: Hold;
  /** Set when the platform refused the credentials: why the destination is to be paused. */
  pause?: string;
}

interface Mapped {
  claim: ClaimedDelivery;
  payload: Record<string, unknown>;
}

/**
 * The delivery state machine. One pass: for every active destination whose circuit and rate allow
 * it, lease due deliveries, validate and map each one locally (an invalid event fails alone and
 * never joins a batch), send the batch, classify the answer and write every transition.
 */
export class Dispatcher {
  readonly workerId = `${hostname()}:${process.pid}:${randomToken(4)}`;
  private destinations: ResolvedDestination[] = [];
  private destinationsAt = 0;
  private readonly breakers = new Map<string, CircuitBreaker>();
  /** In-flight batches per destination in this process (several loops share one dispatcher). */
  private readonly busy = new Map<string, number>();
  /** Destinations whose last claim here came back full: their queue is not worth probing first. */
  private readonly backlogged = new Set<string>();
  /** Batches of this process being sent under row locks (each holds a pooled connection). */
  private lockedInFlight = 0;
  /** Destinations whose token was just refused, while their pause is being written. */
  private readonly pausing = new Set<string>();
  private lastLeaseSweep = 0;
  private lastOrphanSweep = 0;
  private readonly delivered: Counter<'outcome'>;
  private readonly latency: Histogram;

  constructor(private readonly deps: DispatcherDeps) {
    this.delivered = new Counter({
      name: 'rastro_delivery_transitions_total',
      help: 'Delivery transitions by resulting outcome',
      labelNames: ['outcome'] as const,
      registers: [deps.metrics],
    });
    this.latency = new Histogram({
      name: 'rastro_delivery_commit_to_delivered_seconds',
      help: 'Time from event commit to platform acknowledgement',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [deps.metrics],
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  breaker(destinationId: string): CircuitBreaker {
    let breaker = this.breakers.get(destinationId);
    if (!breaker) {
      const p = this.deps.policy;
      breaker = new CircuitBreaker(p.breakerThreshold, p.breakerOpenMs, p.breakerMaxOpenMs);
      this.breakers.set(destinationId, breaker);
    }
    return breaker;
  }

  /** One pass over all destinations; returns how many deliveries changed state. */
  async runOnce(): Promise<number> {
    const nowMs = Date.now();
    if (nowMs - this.lastLeaseSweep > Math.min(5_000, this.deps.policy.leaseMs / 2)) {
      this.lastLeaseSweep = nowMs;
      await releaseExpiredLeases(this.deps.db);
    }
    if (nowMs - this.lastOrphanSweep > ORPHAN_SWEEP_MS) {
      this.lastOrphanSweep = nowMs;
      const skipped = await skipOrphanedDeliveries(this.deps.db, `worker:${this.workerId}`);
      if (skipped > 0) this.delivered.inc({ outcome: 'skipped' }, skipped);
    }
    if (nowMs - this.destinationsAt > this.deps.policy.destinationsRefreshMs) {
      this.destinations = await activeDestinations(this.deps.db, this.deps.secrets);
      this.destinationsAt = nowMs;
    }
    const work = this.destinations
      .filter((d) => (this.busy.get(d.id) ?? 0) < MAX_PARALLEL_BATCHES && !this.pausing.has(d.id))
      .map((d) => this.runDestination(d));
    const counts = await Promise.all(work);
    return counts.reduce((a, b) => a + b, 0);
  }

  private async runDestination(destination: ResolvedDestination): Promise<number> {
    const breaker = this.breaker(destination.id);
    if (!breaker.allow()) return 0;
    this.busy.set(destination.id, (this.busy.get(destination.id) ?? 0) + 1);
    let limit = 0;
    let used = 0;
    try {
      const wanted = breaker.probeLimit(destination.batchSize);
      const { granted } = await this.deps.rateLimiter.take(destination.id, destination.ratePerSecond, wanted);
      limit = granted;
      if (granted === 0) {
        breaker.success(); // not a failure: nothing was tried
        return 0;
      }
      const held: Held = { db: this.deps.db, hold: { kind: 'lease', workerId: this.workerId } };
      const claimAndDeliver = async () => {
        const claimed =
          held.hold.kind === 'lock'
            ? await claimLocked(held.db, destination.id, granted)
            : await claimDue(held.db, destination.id, granted, this.workerId, this.deps.policy.leaseMs);
        used = claimed.length;
        if (claimed.length === granted) this.backlogged.add(destination.id);
        else this.backlogged.delete(destination.id);
        if (claimed.length === 0) {
          if (breaker.state === 'half_open') breaker.success();
          return 0;
        }
        return await this.deliver(held, destination, claimed, breaker);
      };
      try {
        // Under row locks while this process has a slot for one more held connection, leased
        // otherwise: a slow platform can never take more than `lockedBatches` connections.
        if (this.lockedInFlight >= this.deps.policy.lockedBatches) return await claimAndDeliver();
        // An idle destination costs one probe, not a transaction's three round trips per pass. A
        // backlogged one skips it: behind a drain the probe walks the same index entries of
        // just-delivered rows as the claim (13 ms a probe while draining 200,000).
        if (!this.backlogged.has(destination.id) && !(await hasDue(this.deps.db, destination.id))) {
          if (breaker.state === 'half_open') breaker.success();
          return 0;
        }
        this.lockedInFlight += 1;
        try {
          return await this.deps.db.transaction().execute((trx) => {
            held.db = trx;
            held.hold = { kind: 'lock', workerId: this.workerId };
            return claimAndDeliver();
          });
        } finally {
          this.lockedInFlight -= 1;
        }
      } finally {
        if (held.pause !== undefined) await this.pauseAfterRecording(destination, held.pause);
      }
    } finally {
      this.busy.set(destination.id, (this.busy.get(destination.id) ?? 1) - 1);
      await this.deps.rateLimiter.giveBack(destination.id, destination.ratePerSecond, limit - used);
    }
  }

  private async deliver(
    held: Held,
    given: ResolvedDestination,
    claimed: ClaimedDelivery[],
    breaker: CircuitBreaker,
  ): Promise<number> {
    const now = this.now();
    const mapAll = (destination: ResolvedDestination) =>
      claimed.map((claim) => ({ claim, result: destination.definition.map(claim.payload, destination.config, now) }));
    let destination = given;
    let results = mapAll(destination);
    // Destinations are re-read every `destinationsRefreshMs`: an event accepted just after its
    // destination changed (a test event code added, then a test sent) may meet the configuration
    // from before. A refusal is checked against the stored one before it becomes final.
    if (results.some((r) => !r.result.ok)) {
      const fresh = await this.reread(given);
      if (fresh && JSON.stringify(fresh.config) !== JSON.stringify(given.config)) {
        destination = fresh;
        results = mapAll(destination);
      }
    }
    const invalid: Transition[] = [];
    const mapped: Mapped[] = [];
    for (const { claim, result } of results) {
      if (result.ok) mapped.push({ claim, payload: result.payload });
      else {
        invalid.push({
          tenantId: claim.tenant_id,
          deliveryId: claim.delivery_id,
          rowRef: claim.row_ref,
          status: 'failed',
          error: `invalid for ${destination.type}: ${result.reason}`,
        });
      }
    }
    if (invalid.length > 0) {
      await recordOutcome(held.db, held.hold, destination.id, undefined, invalid, 'delivery.invalid');
      this.delivered.inc({ outcome: 'invalid' }, invalid.length);
    }
    if (mapped.length === 0) return invalid.length;
    return invalid.length + (await this.sendAndRecord(held, destination, mapped, breaker));
  }

  /** The destination as stored now (kept for the next passes), or nothing when it is gone. */
  private async reread(destination: ResolvedDestination): Promise<ResolvedDestination | undefined> {
    const row = await this.deps.db
      .selectFrom('destinations')
      .selectAll()
      .where('tenant_id', '=', destination.tenantId)
      .where('destination_id', '=', destination.id)
      .executeTakeFirst();
    if (!row) return undefined;
    const fresh = resolve(row, this.deps.secrets);
    this.destinations = this.destinations.map((d) => (d.id === fresh.id ? fresh : d));
    return fresh;
  }

  /** Sends one batch; a whole-batch permanent rejection is split in halves to isolate the bad event(s). */
  private async sendAndRecord(
    held: Held,
    destination: ResolvedDestination,
    batch: Mapped[],
    breaker: CircuitBreaker,
  ): Promise<number> {
    const startedAt = this.now();
    const result = await destination.definition.send(
      batch.map((m) => m.payload),
      destination.config,
      { ...this.deps.sendContext, timeoutMs: this.deps.policy.requestTimeoutMs },
    );
    if (result.outcome === 'permanent' && batch.length > 1) {
      await this.recordSplit(held.db, destination, batch, result, startedAt);
      const half = Math.ceil(batch.length / 2);
      const left = await this.sendAndRecord(held, destination, batch.slice(0, half), breaker);
      const right = await this.sendAndRecord(held, destination, batch.slice(half), breaker);
      return left + right;
    }
    const transitions = batch.map((m) => this.transitionFor(destination, m, result));
    if (result.outcome === 'retryable') breaker.failure();
    else breaker.success();
    if (result.outcome === 'rate_limited') breaker.pause(result.retryAfterMs ?? this.deps.policy.throttlePauseMs);
    // No loop of this process claims for the destination until the pause below is written.
    if (result.outcome === 'auth_broken') {
      this.pausing.add(destination.id);
      held.pause = result.message;
    }
    await recordOutcome(
      held.db,
      held.hold,
      destination.id,
      { tenantId: destination.tenantId, destinationId: destination.id, startedAt, size: batch.length, result },
      transitions,
      `delivery.batch_${result.outcome}`,
    );
    const byStatus = new Map<string, number>();
    for (const t of transitions) byStatus.set(t.status, (byStatus.get(t.status) ?? 0) + 1);
    for (const [outcome, n] of byStatus) this.delivered.inc({ outcome }, n);
    if (result.outcome === 'delivered') {
      const doneAt = Date.now();
      for (const m of batch) this.latency.observe((doneAt - m.claim.committed_ms) / 1000);
    }
    this.deps.log.debug(
      { destination: destination.id, outcome: result.outcome, size: batch.length, trace_id: result.traceId },
      'batch sent',
    );
    return batch.length;
  }

  /**
   * Paused once the held deliveries are recorded back to pending (and committed, when they were
   * locked: the pause appends to the tenant's ledger, whose head that transaction holds), so whoever
   * sees the destination paused also sees its deliveries waiting, never still in flight.
   */
  private async pauseAfterRecording(destination: ResolvedDestination, reason: string): Promise<void> {
    try {
      await pauseDestination(this.deps.db, destination.tenantId, destination.id, reason);
      this.destinationsAt = 0; // reread now: the paused destination leaves the active list
    } finally {
      this.pausing.delete(destination.id);
    }
  }

  /** The split itself is kept as an attempt-less batch record so the detail view shows why it happened. */
  private async recordSplit(
    db: Kysely<Database>,
    destination: ResolvedDestination,
    batch: Mapped[],
    result: SendResult,
    startedAt: Date,
  ) {
    await db
      .insertInto('delivery_batches')
      .values({
        tenant_id: destination.tenantId,
        batch_id: newId(),
        destination_id: destination.id,
        started_at: startedAt,
        duration_ms: Math.round(result.durationMs),
        size: batch.length,
        outcome: 'split',
        http_status: result.httpStatus,
        trace_id: result.traceId ?? null,
        platform_code: result.platformCode ?? null,
        message: `whole batch rejected, splitting to isolate: ${result.message}`.slice(0, 2000),
        response: result.response === undefined ? null : JSON.stringify(result.response),
      })
      .execute();
  }

  private transitionFor(destination: ResolvedDestination, m: Mapped, result: SendResult): Transition {
    const base = {
      tenantId: m.claim.tenant_id,
      deliveryId: m.claim.delivery_id,
      rowRef: m.claim.row_ref,
      payload: m.payload,
      matchQuality: estimateEmq(m.claim.id_mask ?? identifiersOf(m.claim.payload as unknown as IdentifiedEvent)),
    };
    const policy = this.deps.policy;
    switch (result.outcome) {
      case 'delivered':
        return { ...base, status: 'delivered', error: null };
      case 'permanent':
        return { ...base, status: 'failed', error: result.message };
      case 'rate_limited':
        return {
          ...base,
          status: 'pending',
          uncount: true,
          error: result.message,
          nextAttemptAt: new Date(Date.now() + (result.retryAfterMs ?? policy.throttlePauseMs)),
        };
      case 'auth_broken':
        // Held, not dead: the destination is paused until its credentials are fixed.
        return { ...base, status: 'pending', uncount: true, error: result.message, nextAttemptAt: new Date() };
      case 'retryable': {
        const attempts = m.claim.attempts;
        const next = new Date(Date.now() + retryDelayMs(attempts, policy));
        const eventAgeLimit =
          m.claim.payload.event_time * 1000 +
          destination.definition.limits.maxEventAgeSeconds * 1000 -
          policy.ageMarginMs;
        const ageLimit = Math.min(m.claim.created_ms + policy.maxAgeMs, eventAgeLimit);
        if (attempts >= policy.maxAttempts || next.getTime() > ageLimit) {
          return { ...base, status: 'dead', error: `gave up after ${attempts} attempts: ${result.message}` };
        }
        return { ...base, status: 'pending', error: result.message, nextAttemptAt: next };
      }
    }
  }
}
