/**
 * The contract every destination folder implements (see src/destinations/<type>/index.ts) and
 * registers in src/destinations/registry.ts. The delivery engine only talks to this interface.
 */
import type { TSchema } from '@sinclair/typebox';
import type { CanonicalEvent } from '../events/canonical.ts';

export interface DestinationLimits {
  /** Largest batch the platform accepts in one request. */
  maxBatch: number;
  /** Default token-bucket rate, events per second, per configured destination. */
  defaultRatePerSecond: number;
  /** Oldest event the platform accepts, in seconds (Meta: 7 days). Deliveries die before this. */
  maxEventAgeSeconds: number;
}

/** Result of mapping one canonical event: the exact payload to send, or why it can never be sent. */
export type MapResult = { ok: true; payload: Record<string, unknown> } | { ok: false; reason: string };

export type SendOutcome = 'delivered' | 'retryable' | 'permanent' | 'rate_limited' | 'auth_broken';

/** How the platform answered one batch request. */
export interface SendResult {
  outcome: SendOutcome;
  httpStatus: number | null;
  /** Platform response body (parsed JSON when possible), kept with the attempt. */
  response: unknown;
  traceId?: string;
  message: string;
  /** Platform error code (Meta `code`/`error_subcode`) when there is one. */
  platformCode?: string;
  retryAfterMs?: number;
  durationMs: number;
  /**
   * The per-event payloads exactly as put on the wire, as one JSON array text in batch order (absent
   * when nothing was sent). Kept once per batch; a destination that omits it gets each delivery's
   * mapped payload stored instead.
   */
  sent?: string;
}

export interface SendContext {
  /** Base URLs by platform, from configuration (emulators in tests, demo and sandbox). */
  baseUrls: { meta: string } & Record<string, string>;
  timeoutMs: number;
  userAgent: string;
}

export interface DestinationDefinition<Config extends Record<string, unknown> = Record<string, unknown>> {
  /** Stable id stored with each configured destination, e.g. `meta_capi`. */
  type: string;
  label: string;
  /** TypeBox schema of the tenant-provided config; validated on create/update. */
  configSchema: TSchema;
  /** Config fields encrypted at rest and never returned in clear. */
  secretFields: readonly string[];
  limits: DestinationLimits;
  /**
   * Whether this configured destination can receive test events (e.g. Meta with a
   * `test_event_code`). Test events go nowhere else; absent means never.
   */
  acceptsTestEvents?(config: Config): boolean;
  /** Maps and validates one event; a failure here fails the delivery locally, before any batch. */
  map(event: CanonicalEvent, config: Config, now: Date): MapResult;
  /** Sends mapped payloads as one batch (length ≤ limits.maxBatch). Never throws for platform errors. */
  send(payloads: Record<string, unknown>[], config: Config, ctx: SendContext): Promise<SendResult>;
}
