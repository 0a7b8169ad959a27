import { Random } from './random.ts';

/**
 * A synthetic population of visitors with ground truth, for evaluating matching (C3).
 * Each visitor has an archetype that decides its journey; buyers' checkouts carry what a real
 * checkout of that kind carries. Times are relative to `now`, in the past.
 */
export type Archetype =
  | 'link_click_carried' // ad → /go link → checkout carrying Rastro's click id (Hotmart sck)
  | 'landing_session_carried' // ad lands with fbclid; the snippet decorates the checkout with the session id
  | 'fbclid_only' // the checkout drops Rastro's id but carries the fbclid (PerfectPay/Braip metadata)
  | 'gclid_session_carried' // Google ad; session id carried
  | 'lead_other_device' // lead with email on one device, buys on another; checkout carries nothing
  | 'lead_same_device' // lead with email, checkout drops ids
  | 'multi_touch' // several ad sessions over days; the last one's session id is carried
  | 'ip_ua_only' // browsed anonymously; the checkout knows only IP + user agent
  | 'organic_buyer' // never seen by the snippet: unmatchable
  | 'browser'; // never buys

export const DEFAULT_MIX: readonly (readonly [Archetype, number])[] = [
  ['browser', 60],
  ['link_click_carried', 6],
  ['landing_session_carried', 7],
  ['fbclid_only', 3],
  ['gclid_session_carried', 3],
  ['lead_other_device', 4],
  ['lead_same_device', 5],
  ['multi_touch', 3],
  ['ip_ua_only', 3],
  ['organic_buyer', 6],
];

export interface Device {
  ip: string;
  userAgent: string;
}

export interface PlannedSession {
  key: string;
  device: Device;
  /** Minutes before now. */
  startMin: number;
  fbclid?: string;
  gclid?: string;
  viaLink?: boolean;
  pageviews: number;
  leadEmail?: string;
}

export interface PlannedPurchase {
  orderId: string;
  /** Minutes before now. */
  atMin: number;
  email: string;
  phone?: string;
  device: Device;
  /** Which session's Rastro id the checkout carries, if any. */
  carriesSessionOf?: string;
  carriesFbclidOf?: string;
  carriesIpUa: boolean;
}

export interface Visitor {
  id: string;
  archetype: Archetype;
  sessions: PlannedSession[];
  purchase?: PlannedPurchase;
  /** Whether Rastro can know, from what it receives, whose sale it is. */
  matchable: boolean;
}

const PHONES = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; moto g(60)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; 23021RAAEG) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
];
const DESKTOPS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
];

export interface PopulationOptions {
  visitors: number;
  seed: number;
  mix?: readonly (readonly [Archetype, number])[];
  /** Share of mobile visitors behind a carrier NAT (a small pool of shared IPs). */
  natShare?: number;
}

export function generatePopulation(options: PopulationOptions): Visitor[] {
  const rnd = new Random(options.seed);
  const mix = options.mix ?? DEFAULT_MIX;
  const natPool = Array.from({ length: 40 }, (_, i) => `100.64.${Math.floor(i / 10)}.${(i % 10) + 1}`);
  const natShare = options.natShare ?? 0.35;

  const device = (mobile = rnd.chance(0.75)): Device => {
    if (mobile) {
      const ip = rnd.chance(natShare)
        ? rnd.pick(natPool)
        : `177.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;
      return { ip, userAgent: rnd.pick(PHONES) };
    }
    return { ip: `189.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`, userAgent: rnd.pick(DESKTOPS) };
  };

  return Array.from({ length: options.visitors }, (_, n): Visitor => {
    const id = `v${n}`;
    const archetype = rnd.weighted(mix);
    const email = `${id}.${rnd.id(6)}@example.com`;
    const phone = rnd.chance(0.6) ? `+55119${String(rnd.int(10_000_000, 99_999_999))}` : undefined;
    const home = device();
    const session = (
      key: string,
      d: Device,
      startMin: number,
      extra: Partial<PlannedSession> = {},
    ): PlannedSession => ({
      key: `${id}:${key}`,
      device: d,
      startMin,
      pageviews: rnd.int(1, 5),
      ...extra,
    });
    // Purchases happen between 10 minutes and 3 days after the last session starts.
    const purchaseAfter = (s: PlannedSession, min = 10, max = 3 * 24 * 60) =>
      Math.max(1, s.startMin - rnd.int(min, Math.min(max, Math.max(min, s.startMin - 1))));
    const buy = (atMin: number, d: Device, extra: Partial<PlannedPurchase> = {}): PlannedPurchase => ({
      orderId: `ord-${id}`,
      atMin,
      email,
      phone,
      device: d,
      carriesIpUa: false,
      ...extra,
    });

    switch (archetype) {
      case 'browser': {
        const s = session('s1', home, rnd.int(60, 9 * 24 * 60), {
          fbclid: rnd.chance(0.4) ? `fb${rnd.id(16)}` : undefined,
        });
        if (rnd.chance(0.2)) s.leadEmail = email;
        return { id, archetype, sessions: [s], matchable: false };
      }
      case 'link_click_carried': {
        // /go clicks are recorded at real time, so this journey happens now.
        const s = session('s1', home, 0, { viaLink: true, fbclid: `fb${rnd.id(16)}` });
        return { id, archetype, sessions: [s], purchase: buy(0, home, { carriesSessionOf: s.key }), matchable: true };
      }
      case 'landing_session_carried':
      case 'gclid_session_carried': {
        const click =
          archetype === 'gclid_session_carried' ? { gclid: `gc${rnd.id(20)}` } : { fbclid: `fb${rnd.id(16)}` };
        const s = session('s1', home, rnd.int(30, 6 * 24 * 60), click);
        return {
          id,
          archetype,
          sessions: [s],
          purchase: buy(purchaseAfter(s), home, { carriesSessionOf: s.key }),
          matchable: true,
        };
      }
      case 'fbclid_only': {
        const s = session('s1', home, rnd.int(30, 6 * 24 * 60), { fbclid: `fb${rnd.id(16)}` });
        return {
          id,
          archetype,
          sessions: [s],
          purchase: buy(purchaseAfter(s), home, { carriesFbclidOf: s.key }),
          matchable: true,
        };
      }
      case 'lead_other_device':
      case 'lead_same_device': {
        const s = session('s1', home, rnd.int(120, 6 * 24 * 60), { fbclid: `fb${rnd.id(16)}`, leadEmail: email });
        const other = archetype === 'lead_other_device' ? device(!home.userAgent.includes('Windows')) : home;
        return { id, archetype, sessions: [s], purchase: buy(purchaseAfter(s, 60), other), matchable: true };
      }
      case 'multi_touch': {
        const first = session('s1', home, rnd.int(4 * 24 * 60, 6 * 24 * 60), { fbclid: `fb${rnd.id(16)}` });
        const second = session('s2', device(), rnd.int(2 * 24 * 60, 3 * 24 * 60), { gclid: `gc${rnd.id(20)}` });
        const last = session('s3', home, rnd.int(60, 24 * 60), { fbclid: `fb${rnd.id(16)}` });
        return {
          id,
          archetype,
          sessions: [first, second, last],
          purchase: buy(purchaseAfter(last, 5, 50), home, { carriesSessionOf: last.key }),
          matchable: true,
        };
      }
      case 'ip_ua_only': {
        const s = session('s1', home, rnd.int(20, 90));
        return {
          id,
          archetype,
          sessions: [s],
          purchase: buy(Math.max(1, s.startMin - rnd.int(5, 15)), home, { carriesIpUa: true }),
          matchable: true,
        };
      }
      case 'organic_buyer': {
        // Some organic checkouts (Shopify, WooCommerce) report IP + UA: a NAT neighbour may look alike.
        return {
          id,
          archetype,
          sessions: [],
          purchase: buy(rnd.int(1, 6 * 24 * 60), device(), { carriesIpUa: rnd.chance(0.5) }),
          matchable: false,
        };
      }
    }
  });
}
