import type { AppContext } from '../http/context.ts';
import { RastroError, validationFailed, type FieldProblem } from '../core/errors.ts';
import { initialStatus, writeToOutbox, type AcceptedEvent, type OutboxInput } from '../delivery/outbox.ts';
import { enabledDestinationsCached, type ResolvedDestination } from '../destinations/store.ts';
import type { EventInput } from './input-schema.ts';
import { toCanonicalEvent, type EdgeContext } from './to-canonical.ts';

/**
 * Canonicalizes inputs at the edge (hashes identifiers) for the given destinations, whose
 * `default_phone_region` completes phones without a country code. Throws one `validation_failed`
 * naming every bad field; `field(i)` is the path prefix of input `i` in error messages.
 * Exported for the track API's group commit, which commits many requests in one transaction.
 */
export function canonicalizeEvents(
  inputs: EventInput[],
  source: string,
  targets: ResolvedDestination[],
  edge: Omit<EdgeContext, 'now' | 'defaultPhoneRegion'>,
  field: (i: number) => string,
): OutboxInput[] {
  const region = targets.map((d) => d.config.default_phone_region).find((r): r is string => typeof r === 'string');
  const now = new Date();
  const problems: FieldProblem[] = [];
  const outbox: OutboxInput[] = [];
  inputs.forEach((input, i) => {
    try {
      const event = toCanonicalEvent(
        input,
        { ...edge, now, ...(region ? { defaultPhoneRegion: region } : {}) },
        field(i),
      );
      outbox.push({ event, source });
    } catch (error) {
      if (!(error instanceof RastroError)) throw error;
      problems.push(
        ...((error.details as FieldProblem[] | undefined) ?? [{ field: field(i), problem: error.message }]),
      );
    }
  });
  if (problems.length > 0) {
    throw validationFailed(problems);
  }
  return outbox;
}

/** A destination that will not send an accepted event as it stands, and why. */
export interface DeliveryWarning {
  destination_id: string;
  destination: string;
  problem: string;
}

/**
 * What each destination will refuse of an accepted event, found by the same mapping and validation
 * the worker applies before sending (e.g. a website event without a user agent, for Meta). The
 * event is kept and its delivery fails visibly; the warning lets the sender see it in the answer.
 * A test event skipped for want of a test event code is a warning too; denied consent is not (the
 * sender asked for it).
 */
function warningsOf(event: OutboxInput['event'], targets: ResolvedDestination[], now: Date): DeliveryWarning[] {
  const warnings: DeliveryWarning[] = [];
  for (const target of targets) {
    const [status, reason] = initialStatus(event, target);
    let problem: string | undefined;
    if (status === 'pending') {
      const mapped = target.definition.map(event, target.config, now);
      if (!mapped.ok) problem = mapped.reason;
    } else if (event.consent.ads) problem = reason ?? undefined;
    if (problem) warnings.push({ destination_id: target.id, destination: target.name, problem });
  }
  return warnings;
}

/**
 * Accepting events: canonicalize at the edge (hash identifiers), then commit the events and their
 * pending deliveries in one statement (atomic by itself). Only after this returns may the caller
 * answer 2xx. Each accepted event comes with what its destinations will refuse (`warnings`).
 */
export async function acceptEvents(
  ctx: AppContext,
  tenantId: string,
  inputs: EventInput[],
  source: string,
  edge: Omit<EdgeContext, 'now' | 'defaultPhoneRegion'> = {},
  fieldPrefix = 'body.events',
): Promise<(AcceptedEvent & { warnings: DeliveryWarning[] })[]> {
  const targets = await enabledDestinationsCached(ctx.db, ctx.secrets, tenantId);
  const outbox = canonicalizeEvents(inputs, source, targets, edge, (i) => `${fieldPrefix}.${i}`);
  const accepted = await writeToOutbox(ctx.db, tenantId, outbox, targets);
  const now = new Date();
  return accepted.map((a, i) => ({ ...a, warnings: warningsOf(outbox[i]!.event, targets, now) }));
}
