import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { IdentityKind } from '../db/tables/ingest.ts';
import type { GatewayTracking } from '../gateways/types.ts';
import type { HashedUser } from '../identity/types.ts';
import { fbclidOf } from '../sessions/cookies.ts';
import { CLICK_ID, SESSION_ID } from '../sessions/ids.ts';
import {
  byFbclid,
  byIp,
  findClick,
  findSession,
  sessionsByIdentity,
  type Click,
  type Session,
} from '../sessions/lookup.ts';
import { ipUaWeight, RULE_WEIGHTS, type Evidence } from './score.ts';

/** One click or session that may be the one behind a sale, with the evidence pointing at it. */
export interface Candidate {
  key: string;
  session?: Session;
  click?: Click;
  /** When the candidate last touched the buyer before the sale (click time or session activity). */
  at: Date;
  evidence: Evidence[];
}

export interface MatchInput {
  tenantId: string;
  saleAt: Date;
  windowMs: number;
  tracking: GatewayTracking;
  buyer: HashedUser;
}

/** Sessions keep going after the sale (thank-you page): activity up to this long after still counts. */
const AFTER_SALE_SLACK_MS = 30 * 60_000;

/**
 * Gathers every candidate within the attribution window, by each rule, from indexed lookups
 * scoped to the conversion's tenant (a match can never cross tenants).
 */
export async function gatherCandidates(db: Kysely<Database>, input: MatchInput): Promise<Candidate[]> {
  const { tenantId, saleAt, windowMs, tracking, buyer } = input;
  const since = new Date(saleAt.getTime() - windowMs);
  const until = new Date(saleAt.getTime() + AFTER_SALE_SLACK_MS);
  const byKey = new Map<string, Candidate>();

  const inWindow = (at: Date) => at >= since && at <= until;
  const clampAt = (at: Date) => (at > saleAt ? saleAt : at);
  const addSession = (session: Session, evidence: Evidence) => {
    if (session.first_seen > until) return;
    const at = clampAt(session.last_seen);
    if (!inWindow(session.last_seen) && !inWindow(session.first_seen)) return;
    const key = `s:${session.session_id}`;
    const c = byKey.get(key) ?? { key, session, at, evidence: [] };
    if (!c.evidence.some((e) => e.rule === evidence.rule)) c.evidence.push(evidence);
    byKey.set(key, c);
  };
  const addClick = async (click: Click, evidence: Evidence) => {
    if (click.is_bot || !inWindow(click.created_at)) return;
    const session = click.session_id ? await findSession(db, tenantId, click.session_id) : undefined;
    if (session) {
      addSession(session, evidence);
      const c = byKey.get(`s:${session.session_id}`);
      if (c && !c.click) c.click = click;
      return;
    }
    const key = `c:${click.click_id}`;
    const c = byKey.get(key) ?? { key, click, at: clampAt(click.created_at), evidence: [] };
    if (!c.evidence.some((e) => e.rule === evidence.rule)) c.evidence.push(evidence);
    byKey.set(key, c);
  };

  // 1. Rastro's own id carried through the checkout.
  const rastroId = tracking.rastro_id?.trim().toLowerCase();
  if (rastroId && CLICK_ID.test(rastroId)) {
    const click = await findClick(db, tenantId, rastroId);
    if (click) await addClick(click, { rule: 'click_id', weight: RULE_WEIGHTS.click_id, detail: `click ${rastroId}` });
  } else if (rastroId && SESSION_ID.test(rastroId)) {
    const session = await findSession(db, tenantId, rastroId);
    if (session)
      addSession(session, { rule: 'session_id', weight: RULE_WEIGHTS.session_id, detail: `session ${rastroId}` });
  }

  // 2. Meta's click id carried by the gateway.
  const fbclid = tracking.fbclid ?? fbclidOf(tracking.fbc);
  if (fbclid) {
    const found = await byFbclid(db, tenantId, fbclid, since);
    const evidence: Evidence = { rule: 'fbclid', weight: RULE_WEIGHTS.fbclid, detail: 'fbclid carried by the gateway' };
    for (const click of found.clicks) await addClick(click, evidence);
    for (const session of found.sessions) addSession(session, evidence);
  }

  // 3. The buyer's hashed identifiers already seen with a session (identity graph).
  const identities: [IdentityKind, string[] | undefined, Evidence['rule']][] = [
    ['em', buyer.em, 'email'],
    ['ph', buyer.ph, 'phone'],
    ['external_id', buyer.external_id, 'external_id'],
  ];
  for (const [kind, hashes, rule] of identities) {
    for (const hash of hashes ?? []) {
      for (const link of await sessionsByIdentity(db, tenantId, kind, hash)) {
        const session = await findSession(db, tenantId, link.session_id);
        if (session) addSession(session, { rule, weight: RULE_WEIGHTS[rule], detail: `${rule} seen in session` });
      }
    }
  }

  // 4. Same IP and user agent shortly before the sale: probabilistic, shared among lookalikes.
  if (tracking.client_ip && tracking.user_agent) {
    const found = await byIp(db, tenantId, tracking.client_ip, since, until);
    const sessions = found.sessions.filter((s) => s.user_agent === tracking.user_agent);
    for (const session of sessions) {
      const age = Math.max(0, saleAt.getTime() - clampAt(session.last_seen).getTime());
      addSession(session, {
        rule: 'ip_ua',
        weight: ipUaWeight(age, sessions.length),
        detail: `same IP and user agent${sessions.length > 1 ? ` (${sessions.length} lookalike sessions)` : ''}`,
      });
    }
  }
  return [...byKey.values()];
}
