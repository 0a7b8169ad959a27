/**
 * Scoring of match evidence. Each piece of evidence says "this click/session is the buyer's" with
 * some reliability; independent pieces combine as a noisy-OR, 1 − Π(1 − wᵢ), so two medium signals
 * beat one. Recency decays the score: a click minutes before the sale is likelier the cause than
 * one at the edge of the attribution window.
 */
export type MatchRule = 'click_id' | 'session_id' | 'fbclid' | 'gclid' | 'email' | 'phone' | 'external_id' | 'ip_ua';

export interface Evidence {
  rule: MatchRule;
  weight: number;
  detail: string;
}

/** Reliability of each rule on its own. Deterministic ids are near-certain; IP+UA is a guess. */
export const RULE_WEIGHTS: Record<MatchRule, number> = {
  click_id: 0.99,
  session_id: 0.99,
  fbclid: 0.97,
  gclid: 0.97,
  external_id: 0.95,
  email: 0.93,
  phone: 0.9,
  ip_ua: 0.7,
};

/** Precedence when naming the rule that decided a match. */
const RULE_ORDER: MatchRule[] = ['click_id', 'session_id', 'fbclid', 'gclid', 'external_id', 'email', 'phone', 'ip_ua'];

/** IP+UA evidence halves every this many hours (carrier NAT and office IPs are reused). */
export const IP_UA_HALF_LIFE_H = 2;

/** IP+UA reliability: decays fast with time and is shared among every session that looks the same. */
export function ipUaWeight(ageMs: number, lookalikes: number): number {
  const decay = 0.5 ** (ageMs / 3600_000 / IP_UA_HALF_LIFE_H);
  return (RULE_WEIGHTS.ip_ua * decay) / Math.max(1, lookalikes);
}

export function combine(evidence: Evidence[]): number {
  return 1 - evidence.reduce((miss, e) => miss * (1 - Math.min(Math.max(e.weight, 0), 1)), 1);
}

/** Deterministic evidence loses at most 10 % across the window; fresher is better. */
export function recencyFactor(ageMs: number, windowMs: number): number {
  if (ageMs <= 3600_000) return 1;
  return 1 - 0.1 * Math.min(1, ageMs / windowMs);
}

export function score(evidence: Evidence[], ageMs: number, windowMs: number): number {
  return Math.round(combine(evidence) * recencyFactor(ageMs, windowMs) * 10_000) / 10_000;
}

export function decidingRule(evidence: Evidence[]): MatchRule | undefined {
  return RULE_ORDER.find((r) => evidence.some((e) => e.rule === r));
}

export const MATCH_STATUSES = ['matched', 'review', 'unmatched'] as const;
export type MatchStatus = (typeof MATCH_STATUSES)[number];

export function statusFor(s: number, auto: number, review: number): MatchStatus {
  if (s >= auto) return 'matched';
  if (s >= review) return 'review';
  return 'unmatched';
}
