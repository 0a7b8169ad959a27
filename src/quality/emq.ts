/**
 * An Event Match Quality (EMQ) estimate: how well the customer information carried by an event lets
 * Meta match it to a person, on Meta's 0–10 scale.
 *
 * Meta does not publish its formula. What it does publish, and what this estimator follows:
 * - the customer information parameters and which of them identify a person on their own: email,
 *   phone, external_id, the click id (`fbc`) and the browser id (`fbp`); IP address and user agent only
 *   together; names only with a location or a date of birth. A set with none of these is refused
 *   (subcode 2804050, "unlikely to be effective for matching"), so it scores 0 here;
 * - the priority Events Manager shows next to each parameter in the EMQ panel: contact information
 *   (email, phone) and the click id are the high-priority keys, then external_id, the browser id and
 *   IP+user agent, and last the broad keys (name, city, state, zip, country, date of birth, gender);
 * - the score grows with each additional matchable key and 10 means "almost every parameter on almost
 *   every event".
 *
 * The model: each present key has a weight, read as the chance that this key alone finds the person;
 * keys are treated as independent evidence, so the event's match chance is 1 − Π(1 − weight) and the
 * estimate is 10 × that chance. The weights below put the priority groups in Meta's order and are
 * calibrated so that typical integrations land in the bands Events Manager shows for them (a pageview
 * with fbp and IP+UA ≈ 5 "OK"; a purchase with email, phone, IP+UA and fbp ≈ 9 "Great").
 *
 * Shared by the signal-quality rollup (src/quality/) and matching, which scores single events.
 */

/** Customer information keys, in the order of the bits of an identifier mask. */
export const IDENTIFIERS = [
  'em',
  'ph',
  'fbc',
  'fbp',
  'client_ip',
  'user_agent',
  'external_id',
  'fn',
  'ln',
  'ct',
  'st',
  'zp',
  'country',
  'db',
  'ge',
] as const;
export type Identifier = (typeof IDENTIFIERS)[number];

/** The coverage figures the dashboard shows; `ip_ua` means both IP address and user agent. */
export const COVERAGE_KEYS = ['em', 'ph', 'fbc', 'fbp', 'ip_ua', 'external_id'] as const;
export type CoverageKey = (typeof COVERAGE_KEYS)[number];

export const bitOf = (id: Identifier): number => 1 << IDENTIFIERS.indexOf(id);

/** Weight of each key, or of a pair where only the pair carries evidence. */
export const WEIGHTS = {
  em: 0.55,
  ph: 0.45,
  fbc: 0.45,
  external_id: 0.2,
  fbp: 0.25,
  /** Client IP address and user agent together (probabilistic matching). */
  ip_ua: 0.25,
  /** Either one alone. */
  client_ip: 0.03,
  user_agent: 0.01,
  /** First and last name together; weak on their own. */
  fn_ln: 0.12,
  fn: 0.02,
  ln: 0.02,
  ct: 0.03,
  st: 0.02,
  zp: 0.05,
  country: 0.02,
  db: 0.05,
  ge: 0.01,
} as const;

export type EmqBand = 'poor' | 'ok' | 'good' | 'great';

export type IdentifierInput = number | Iterable<Identifier>;

export function maskOf(ids: Iterable<Identifier>): number {
  let mask = 0;
  for (const id of ids) mask |= bitOf(id);
  return mask;
}

export function identifiersOfMask(mask: number): Identifier[] {
  return IDENTIFIERS.filter((id) => (mask & bitOf(id)) !== 0);
}

const toMask = (input: IdentifierInput): number => (typeof input === 'number' ? input : maskOf(input));

/** The canonical-event fields the estimator reads (`events.payload`). */
export interface IdentifiedEvent {
  /** Hashed user fields by Meta's short names (a `HashedUser`). */
  user?: { [K in Identifier]?: unknown };
  click_ids?: { fbc?: unknown; fbp?: unknown };
  client_ip?: unknown;
  user_agent?: unknown;
}

const present = (value: unknown): boolean =>
  Array.isArray(value) ? value.length > 0 : typeof value === 'string' ? value !== '' : value != null;

/** The keys a canonical event carries (hashed user fields, click ids, IP, user agent). */
export function identifiersOf(event: IdentifiedEvent): Identifier[] {
  const user: Record<string, unknown> = event.user ?? {};
  return IDENTIFIERS.filter((id) => {
    if (id === 'fbc' || id === 'fbp') return present(event.click_ids?.[id]);
    if (id === 'client_ip') return present(event.client_ip);
    if (id === 'user_agent') return present(event.user_agent);
    return present(user[id]);
  });
}

/** The identifier mask of a canonical event, as stored in `events.id_mask` at ingest. */
export const identifierMask = (event: IdentifiedEvent): number => maskOf(identifiersOf(event));

/**
 * Whether Meta would accept the set as customer information: one strong key, IP with user agent, or
 * first and last name with a location or date of birth (the emulator enforces the same rule).
 */
export function isMatchable(input: IdentifierInput): boolean {
  const m = toMask(input);
  const has = (id: Identifier) => (m & bitOf(id)) !== 0;
  if ((['em', 'ph', 'external_id', 'fbc', 'fbp'] as const).some(has)) return true;
  if (has('client_ip') && has('user_agent')) return true;
  return has('fn') && has('ln') && (['zp', 'ct', 'st', 'db', 'country'] as const).some(has);
}

const scoreCache = new Map<number, number>();

/** 0–10 with one decimal: the estimated match quality of one event carrying these keys. */
export function estimateEmq(input: IdentifierInput): number {
  const m = toMask(input);
  const cached = scoreCache.get(m);
  if (cached !== undefined) return cached;
  let score = 0;
  if (isMatchable(m)) {
    const has = (id: Identifier) => (m & bitOf(id)) !== 0;
    const weights: number[] = [];
    for (const id of ['em', 'ph', 'fbc', 'external_id', 'fbp', 'ct', 'st', 'zp', 'country', 'db', 'ge'] as const) {
      if (has(id)) weights.push(WEIGHTS[id]);
    }
    if (has('client_ip') && has('user_agent')) weights.push(WEIGHTS.ip_ua);
    else if (has('client_ip')) weights.push(WEIGHTS.client_ip);
    else if (has('user_agent')) weights.push(WEIGHTS.user_agent);
    if (has('fn') && has('ln')) weights.push(WEIGHTS.fn_ln);
    else if (has('fn')) weights.push(WEIGHTS.fn);
    else if (has('ln')) weights.push(WEIGHTS.ln);
    const miss = weights.reduce((p, w) => p * (1 - w), 1);
    score = Math.round((1 - miss) * 100) / 10;
  }
  scoreCache.set(m, score);
  return score;
}

/** Events Manager's bands: Poor below 4, OK below 6, Good below 8, Great from 8. */
export function emqBand(score: number): EmqBand {
  if (score < 4) return 'poor';
  if (score < 6) return 'ok';
  if (score < 8) return 'good';
  return 'great';
}

/** Counts of events per identifier mask, as the rollup keeps them. */
export type MaskHistogram = Record<string, number>;

/** The mean estimate over a population of events (null when there are none). */
export function emqOfHistogram(hist: MaskHistogram): number | null {
  let total = 0;
  let sum = 0;
  for (const [mask, count] of Object.entries(hist)) {
    total += count;
    sum += count * estimateEmq(Number(mask));
  }
  return total === 0 ? null : Math.round((sum / total) * 10) / 10;
}

/** Share (0–1) of events carrying each coverage key (null when there are none). */
export function coverageOfHistogram(hist: MaskHistogram): Record<CoverageKey, number> | null {
  let total = 0;
  const counts: Record<CoverageKey, number> = { em: 0, ph: 0, fbc: 0, fbp: 0, ip_ua: 0, external_id: 0 };
  for (const [key, count] of Object.entries(hist)) {
    const m = Number(key);
    total += count;
    const has = (id: Identifier) => (m & bitOf(id)) !== 0;
    if (has('em')) counts.em += count;
    if (has('ph')) counts.ph += count;
    if (has('fbc')) counts.fbc += count;
    if (has('fbp')) counts.fbp += count;
    if (has('client_ip') && has('user_agent')) counts.ip_ua += count;
    if (has('external_id')) counts.external_id += count;
  }
  if (total === 0) return null;
  const share = (n: number) => Math.round((n / total) * 1000) / 1000;
  return {
    em: share(counts.em),
    ph: share(counts.ph),
    fbc: share(counts.fbc),
    fbp: share(counts.fbp),
    ip_ua: share(counts.ip_ua),
    external_id: share(counts.external_id),
  };
}

/** Adds `from` into `into` (mask histograms, error counts, latency histograms). */
export function mergeCounts(into: Record<string, number>, from: Record<string, number> | null | undefined): void {
  if (!from) return;
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
