import { randomInt } from 'node:crypto';

/**
 * First-party cookies shared by the browser snippet (which sets them with JavaScript on the site) and
 * `/go/:slug` (which sets them in its redirect): the same names and formats on both sides.
 */
export const COOKIES = {
  /** Session id, rolling 30 minutes of inactivity. */
  session: '_rs_sid',
  /** Meta click cookie `fb.1.<ms>.<fbclid>`. */
  fbc: '_fbc',
  /** Meta browser id `fb.1.<ms>.<random digits>`. */
  fbp: '_fbp',
  /** First and last touch (UTMs and click ids), JSON. */
  firstTouch: '_rs_ft',
  lastTouch: '_rs_lt',
  /** Consent for ad measurement: `1` or `0`. */
  consent: '_rs_consent',
} as const;

export const SESSION_MAX_AGE_S = 30 * 60;
export const META_COOKIE_MAX_AGE_S = 90 * 24 * 3600;

export const FBC = /^fb\.[0-9]+\.[0-9]+\..+$/;
export const FBP = /^fb\.[0-9]+\.[0-9]+\.[0-9]+$/;

/** `_fbc` as Meta's pixel writes it: subdomain index 1, the time the click id was first seen, the fbclid. */
export const fbcFor = (fbclid: string, atMs: number): string => `fb.1.${atMs}.${fbclid}`;

/** `_fbp`: subdomain index 1, creation time, a random number (Meta's pixel uses 10 digits). */
export const newFbp = (atMs: number): string => `fb.1.${atMs}.${randomInt(1_000_000_000, 9_999_999_999)}`;

/** The fbclid inside an `_fbc` value. */
export function fbclidOf(fbc: string | undefined | null): string | undefined {
  if (!fbc || !FBC.test(fbc)) return undefined;
  return fbc.split('.').slice(3).join('.');
}

/** Cookie header → map (first value wins, values URI-decoded when they can be). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export interface CookieOptions {
  maxAgeS: number;
  domain?: string | null;
  secure?: boolean;
  httpOnly?: boolean;
}

/** A Set-Cookie value: readable by the site's scripts (the Meta pixel reads `_fbc`/`_fbp`), SameSite=Lax. */
export function serializeCookie(name: string, value: string, opts: CookieOptions): string {
  let out = `${name}=${encodeURIComponent(value)}; Max-Age=${opts.maxAgeS}; Path=/; SameSite=Lax`;
  if (opts.domain) out += `; Domain=${opts.domain}`;
  if (opts.secure) out += '; Secure';
  if (opts.httpOnly) out += '; HttpOnly';
  return out;
}

/** The cookie domain to use for a request host: the configured one when the host is inside it, else host-only. */
export function cookieDomainFor(host: string, configured: string | null | undefined): string | undefined {
  if (!configured) return undefined;
  const h = host.toLowerCase().replace(/:\d+$/, '');
  const c = configured.toLowerCase().replace(/^\./, '');
  return h === c || h.endsWith(`.${c}`) ? c : undefined;
}
