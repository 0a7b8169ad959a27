import type { ApiClient, DriveResult } from './drive.ts';

export interface ArchetypeFigures {
  sales: number;
  matched: number;
  review: number;
  correct: number;
}

export interface Evaluation {
  sales: number;
  matchable: number;
  /** Matched or flagged: the conversion was attributed to a session or click. */
  attributed: number;
  correct: number;
  flagged: number;
  precision: number;
  recall: number;
  flaggedShare: number;
  /** Of sales whose checkout named a session, how often that exact session was chosen (last click). */
  lastClickAccuracy: number;
  byArchetype: Record<string, ArchetypeFigures>;
}

interface ConversionView {
  order_id: string;
  match: { status: string; session_id: string | null; click_id: string | null; waiting_until?: string };
}

/** Reads every conversion back through the API once matching is done, and grades it. */
export async function evaluate(
  api: ApiClient,
  adminKey: string,
  drive: DriveResult,
  timeoutMs = 300_000,
): Promise<Evaluation> {
  const headers = { authorization: `Bearer ${adminKey}` };
  const deadline = Date.now() + timeoutMs;
  let conversions: ConversionView[] = [];
  for (;;) {
    conversions = [];
    let cursor: string | null = null;
    do {
      const res = await api({
        method: 'GET',
        url: `/api/v1/conversions?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        headers,
      });
      const page = JSON.parse(res.body) as { items: ConversionView[]; next_cursor: string | null };
      conversions.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const settled = conversions.filter((c) => c.match.status !== 'pending' && !c.match.waiting_until);
    if (settled.length >= drive.truth.size || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }

  const byArchetype: Record<string, ArchetypeFigures> = {};
  let attributed = 0;
  let correct = 0;
  let flagged = 0;
  let lastClickTotal = 0;
  let lastClickHits = 0;
  for (const c of conversions) {
    const truth = drive.truth.get(c.order_id);
    if (!truth) continue;
    const fig = (byArchetype[truth.archetype] ??= { sales: 0, matched: 0, review: 0, correct: 0 });
    fig.sales += 1;
    const isMatch = c.match.status === 'matched' || c.match.status === 'review';
    if (!isMatch) continue;
    attributed += 1;
    if (c.match.status === 'review') {
      flagged += 1;
      fig.review += 1;
    } else fig.matched += 1;
    const right =
      (c.match.session_id !== null && truth.sessions.has(c.match.session_id)) ||
      (c.match.session_id === null && c.match.click_id !== null && truth.clicks.has(c.match.click_id));
    if (right) {
      correct += 1;
      fig.correct += 1;
    }
    if (truth.lastSession) {
      lastClickTotal += 1;
      if (c.match.session_id === truth.lastSession || (c.match.click_id && truth.clicks.has(c.match.click_id)))
        lastClickHits += 1;
    }
  }
  const matchable = [...drive.truth.values()].filter((t) => t.matchable).length;
  const correctOfMatchable = conversions.filter((c) => {
    const t = drive.truth.get(c.order_id);
    return (
      t?.matchable &&
      (c.match.status === 'matched' || c.match.status === 'review') &&
      c.match.session_id &&
      t.sessions.has(c.match.session_id)
    );
  }).length;
  return {
    sales: drive.truth.size,
    matchable,
    attributed,
    correct,
    flagged,
    precision: attributed ? correct / attributed : 1,
    recall: matchable ? correctOfMatchable / matchable : 1,
    flaggedShare: attributed ? flagged / attributed : 0,
    lastClickAccuracy: lastClickTotal ? lastClickHits / lastClickTotal : 1,
    byArchetype,
  };
}
