import type { Kysely, Transaction } from 'kysely';
import type { ConversionMatcher, MatchMemo } from '../conversions/process.ts';
import type { ConversionRow, Enrichment } from '../conversions/to-event.ts';
import { compact } from '../core/compact.ts';
import type { Database } from '../db/schema.ts';
import type { GatewayTracking } from '../gateways/types.ts';
import type { HashedUser } from '../identity/types.ts';
import { foldTouchesOf } from '../sessions/queue.ts';
import { gatherCandidates, type Candidate } from './candidates.ts';
import { decidingRule, score, statusFor, type MatchStatus } from './score.ts';
import { matchingSettings, type MatchingSettings } from './settings.ts';

export interface MatchResult {
  status: MatchStatus;
  score: number;
  rule: string | null;
  click_id: string | null;
  session_id: string | null;
  evidence: { rule: string; weight: number; detail: string }[];
  candidates: number;
  matched_at: string;
  /** Set by a person who confirmed or rejected a flagged match. */
  reviewed?: { decision: 'confirm' | 'reject'; by: string; at: string };
}

interface Scored {
  candidate: Candidate;
  score: number;
}

/** Best tier first; within it the most recent touch wins (last click). */
export function pick(scored: Scored[], settings: MatchingSettings): Scored | undefined {
  const tier = (s: number) => statusFor(s, settings.auto_threshold, settings.review_threshold);
  const rank = { matched: 2, review: 1, unmatched: 0 };
  return [...scored].sort(
    (a, b) =>
      rank[tier(b.score)] - rank[tier(a.score)] ||
      b.candidate.at.getTime() - a.candidate.at.getTime() ||
      b.score - a.score,
  )[0];
}

export async function matchConversion(db: Kysely<Database>, row: ConversionRow, settings: MatchingSettings) {
  const saleAt = row.approved_at ?? row.occurred_at;
  const windowMs = settings.window_days * 86_400_000;
  const candidates = await gatherCandidates(db, {
    tenantId: row.tenant_id,
    saleAt,
    windowMs,
    tracking: row.tracking as unknown as GatewayTracking,
    buyer: row.buyer as HashedUser,
  });
  const scored = candidates.map((candidate) => ({
    candidate,
    score: score(candidate.evidence, Math.max(0, saleAt.getTime() - candidate.at.getTime()), windowMs),
  }));
  const best = pick(scored, settings);
  const status = best ? statusFor(best.score, settings.auto_threshold, settings.review_threshold) : 'unmatched';
  const result: MatchResult = {
    status,
    score: best?.score ?? 0,
    rule: best ? (decidingRule(best.candidate.evidence) ?? null) : null,
    click_id: best?.candidate.click?.click_id ?? best?.candidate.session?.click_id ?? null,
    session_id: best?.candidate.session?.session_id ?? null,
    evidence: best?.candidate.evidence ?? [],
    candidates: candidates.length,
    matched_at: new Date().toISOString(),
  };
  return { result, best: status === 'unmatched' ? undefined : best?.candidate };
}

/** What the matched click and session knew, for the conversion's event. */
export function enrichmentOf(candidate: Candidate | undefined): Enrichment {
  if (!candidate) return {};
  const s = candidate.session;
  const c = candidate.click;
  const touch = (s?.last_touch ?? s?.first_touch ?? undefined) as Record<string, string | undefined> | undefined;
  return compact({
    click_ids: compact({
      fbc: s?.fbc ?? c?.fbc ?? undefined,
      fbp: s?.fbp ?? c?.fbp ?? undefined,
      fbclid: s?.fbclid ?? c?.fbclid ?? undefined,
      gclid: s?.gclid ?? c?.gclid ?? undefined,
      ttclid: s?.ttclid ?? c?.ttclid ?? undefined,
    }),
    utm: compact({
      source: c?.utm_source ?? touch?.utm_source,
      medium: c?.utm_medium ?? touch?.utm_medium,
      campaign: c?.utm_campaign ?? touch?.utm_campaign,
      content: c?.utm_content ?? touch?.utm_content,
      term: c?.utm_term ?? touch?.utm_term,
    }),
    client_ip: s?.ip ?? c?.ip ?? undefined,
    user_agent: s?.user_agent ?? c?.user_agent ?? undefined,
    source_url: c?.landing_url ?? touch?.landing_url,
    session_id: s?.session_id,
  });
}

/**
 * The matcher the conversion pipeline calls between commit and delivery. A conversion without a
 * confident match waits once, for the tenant's grace period, for late click data (a browser
 * beacon that lands after the webhook), then goes out with whatever matched.
 */
export function createMatcher(): ConversionMatcher {
  return {
    // The backlog of queued session touches is folded before the group's transaction, one queued
    // group per transaction; the fold inside `match` then only finds what arrived since.
    async prepare(db, tenantIds) {
      for (const tenantId of tenantIds) await foldTouchesOf(db, tenantId);
    },
    async match(trx: Transaction<Database>, row: ConversionRow, final: boolean, memo?: MatchMemo) {
      const memoKey = `matching-settings:${row.tenant_id}`;
      const settings =
        (memo?.get(memoKey) as MatchingSettings | undefined) ?? (await matchingSettings(trx, row.tenant_id));
      memo?.set(memoKey, settings);
      // The sessions of every event acknowledged so far, folded once per tenant per group of sales.
      const foldKey = `sessions-folded:${row.tenant_id}`;
      if (!memo?.has(foldKey)) {
        await foldTouchesOf(trx, row.tenant_id);
        memo?.set(foldKey, true);
      }
      const { result, best } = await matchConversion(trx, row, settings);
      const wait = !final && result.status !== 'matched' && settings.grace_seconds > 0;
      await trx
        .updateTable('conversions')
        .set({
          match: JSON.stringify({
            ...result,
            ...(wait ? { waiting_until: new Date(Date.now() + settings.grace_seconds * 1000).toISOString() } : {}),
          }),
        })
        .where('tenant_id', '=', row.tenant_id)
        .where('conversion_id', '=', row.conversion_id)
        .execute();
      return { enrichment: enrichmentOf(best), wait, waitMs: settings.grace_seconds * 1000 };
    },
  };
}
