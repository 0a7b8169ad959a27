import type { ConversionStatus } from '../gateways/types.ts';

/**
 * The conversion life-cycle: abandoned → pending → approved → refunded / chargeback, with
 * canceled for a pending payment that never happened. Gateways retry and reorder webhooks, so a
 * status only moves forward: a late "approved" after a refund is recorded in the history but does
 * not change the state (and never emits a purchase for a sale already refunded).
 */
const RANK: Record<ConversionStatus, number> = {
  abandoned: 0,
  pending: 1,
  canceled: 2,
  approved: 3,
  refunded: 4,
  chargeback: 5,
};

/** Every status a conversion can have, from least to most advanced. */
export const CONVERSION_STATUSES = Object.keys(RANK) as ConversionStatus[];

export interface LifecycleStep {
  status: ConversionStatus;
  /** Whether the incoming status changed the conversion. */
  applied: boolean;
}

export function nextStatus(current: ConversionStatus | undefined, incoming: ConversionStatus): LifecycleStep {
  if (current === undefined) return { status: incoming, applied: true };
  if (RANK[incoming] > RANK[current]) return { status: incoming, applied: true };
  return { status: current, applied: false };
}

/** Which Rastro events each status emits, unless a connection overrides it. */
export const DEFAULT_EMIT: Record<ConversionStatus, string[]> = {
  approved: ['purchase'],
  pending: [],
  abandoned: [],
  canceled: [],
  refunded: [],
  chargeback: [],
};

/** Statuses after which no purchase-like event may go out any more. */
export const REVERSED: ReadonlySet<string> = new Set(['refunded', 'chargeback', 'canceled']);
