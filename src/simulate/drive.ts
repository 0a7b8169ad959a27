import { signWebhook } from '../gateways/sign.ts';
import { newSessionId } from '../sessions/ids.ts';
import type { Visitor } from './population.ts';

/** The public HTTP API as the simulator sees it (Fastify `inject` in-process, or real HTTP). */
export type ApiClient = (request: {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  remoteAddress?: string;
}) => Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;

export interface DriveKeys {
  admin: string;
  ingest: string;
}

export interface DriveResult {
  /** Ground truth per order: the buyer's sessions and clicks, and whether the sale was matchable. */
  truth: Map<
    string,
    {
      visitor: string;
      archetype: string;
      sessions: Set<string>;
      clicks: Set<string>;
      lastSession?: string;
      matchable: boolean;
    }
  >;
  requests: number;
  failures: number;
}

const SECRET = 'simulation-secret-0123456789';
const BATCH = 500;
const PARALLEL = 16;

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/**
 * Sends a population through the public API: link clicks, tracked pageviews and leads (in
 * batches), then one signed gateway webhook per purchase. Returns the ground truth to grade by.
 */
export async function drivePopulation(
  api: ApiClient,
  keys: DriveKeys,
  visitors: Visitor[],
  onProgress: (done: number, total: number, stage: string) => void = () => {},
): Promise<DriveResult> {
  const now = Date.now();
  let requests = 0;
  let failures = 0;
  const call: ApiClient = async (r) => {
    requests += 1;
    const res = await api(r);
    if (res.status >= 400) failures += 1;
    return res;
  };
  const admin = { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' };

  await call({ method: 'PUT', url: '/api/v1/settings/matching', headers: admin, body: { grace_seconds: 0 } });
  const slug = `sim-${now.toString(36)}`;
  await call({
    method: 'POST',
    url: '/api/v1/links',
    headers: admin,
    body: { slug, target_url: 'https://pay.hotmart.com/SIM?off=1', click_id_param: 'sck' },
  });
  const connection = json(
    (
      await call({
        method: 'POST',
        url: '/api/v1/gateway-connections',
        headers: admin,
        body: { gateway: 'generic', name: 'simulation', secret: SECRET },
      })
    ).body,
  );
  const hookUrl = new URL(String(connection.webhook_url));

  const truth: DriveResult['truth'] = new Map();
  const sessionIds = new Map<string, string>();
  const clickIds = new Map<string, string>();
  const track: Record<string, unknown>[] = [];

  // 1. Clicks on redirect links (real time), then every session's pageviews and leads.
  let done = 0;
  for (const v of visitors) {
    for (const s of v.sessions) {
      const startMs = now - s.startMin * 60_000;
      let sessionId = newSessionId(startMs);
      let clickId: string | undefined;
      if (s.viaLink) {
        const res = await call({
          method: 'GET',
          url: `/go/${slug}?fbclid=${s.fbclid}&utm_source=facebook&utm_campaign=sim`,
          headers: { 'user-agent': s.device.userAgent },
          remoteAddress: s.device.ip,
        });
        clickId = new URL(String(res.headers.location)).searchParams.get('sck') ?? undefined;
        const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
        const sid = cookies.map((c) => /^_rs_sid=([^;]+)/.exec(c)?.[1]).find(Boolean);
        if (sid) sessionId = sid;
        if (clickId) clickIds.set(s.key, clickId);
      }
      sessionIds.set(s.key, sessionId);
      for (let p = 0; p < s.pageviews; p++) {
        track.push({
          event_name: 'page_view',
          event_time: Math.floor((startMs + p * 45_000) / 1000),
          session_id: sessionId,
          url: `https://shop.example.com/p${p}${s.fbclid ? `?fbclid=${s.fbclid}` : ''}`,
          ip: s.device.ip,
          user_agent: s.device.userAgent,
          ...(s.fbclid ? { fbclid: s.fbclid } : {}),
          ...(s.gclid ? { gclid: s.gclid } : {}),
          ...(clickId ? { click_id: clickId } : {}),
        });
      }
      if (s.leadEmail) {
        track.push({
          event_name: 'lead',
          event_time: Math.floor((startMs + s.pageviews * 45_000) / 1000),
          session_id: sessionId,
          url: 'https://shop.example.com/lead',
          ip: s.device.ip,
          user_agent: s.device.userAgent,
          user: { email: s.leadEmail },
        });
      }
    }
    onProgress(++done, visitors.length, 'visitors');
  }
  const ingest = { authorization: `Bearer ${keys.ingest}`, 'content-type': 'application/json' };
  const batches = Array.from({ length: Math.ceil(track.length / BATCH) }, (_, i) =>
    track.slice(i * BATCH, (i + 1) * BATCH),
  );
  let sent = 0;
  await inParallel(batches, 4, async (events) => {
    await call({ method: 'POST', url: '/api/v1/track', headers: ingest, body: { events } });
    onProgress((sent += events.length), track.length, 'tracked events');
  });

  // 2. One signed webhook per purchase, carrying what that kind of checkout carries.
  const buyers = visitors.filter((v) => v.purchase);
  let hooks = 0;
  await inParallel(buyers, PARALLEL, async (v) => {
    const p = v.purchase!;
    const carried = p.carriesSessionOf
      ? (clickIds.get(p.carriesSessionOf) ?? sessionIds.get(p.carriesSessionOf))
      : undefined;
    const fbclid = p.carriesFbclidOf ? v.sessions.find((s) => s.key === p.carriesFbclidOf)?.fbclid : undefined;
    const payload = {
      event_type: 'order.paid',
      order_id: p.orderId,
      status: 'approved',
      amount: 197,
      currency: 'BRL',
      occurred_at: new Date(now - p.atMin * 60_000).toISOString(),
      buyer: { email: p.email, ...(p.phone ? { phone: p.phone } : {}) },
      products: [{ id: 'course', quantity: 1, price: 197 }],
      tracking: {
        ...(carried ? { rastro_id: carried } : {}),
        ...(fbclid ? { fbclid } : {}),
        ...(p.carriesIpUa ? { client_ip: p.device.ip, user_agent: p.device.userAgent } : {}),
      },
    };
    const signed = signWebhook('generic', payload, SECRET);
    await call({
      method: 'POST',
      url: hookUrl.pathname + hookUrl.search,
      headers: { ...(signed.headers as Record<string, string>), 'content-type': 'application/json' },
      body: signed.rawBody.toString('utf8'),
    });
    const sessions = new Set(v.sessions.map((s) => sessionIds.get(s.key)!));
    const clicks = new Set(v.sessions.map((s) => clickIds.get(s.key)).filter((c): c is string => Boolean(c)));
    truth.set(p.orderId, {
      visitor: v.id,
      archetype: v.archetype,
      sessions,
      clicks,
      lastSession: p.carriesSessionOf ? sessionIds.get(p.carriesSessionOf) : undefined,
      matchable: v.matchable,
    });
    onProgress(++hooks, buyers.length, 'purchases');
  });
  return { truth, requests, failures };
}
