import { pooledRandom } from '../core/ids.ts';

/**
 * Rastro's first-party ids: a two-letter kind, the creation time in base36 milliseconds (9 chars) and
 * 11 random base36 chars (~56 bits). Lower-case alphanumeric only, 22 chars: every gateway's
 * pass-through parameter carries them unchanged (Hotmart `sck`/`xcod`, Kiwify `sck`/`s1`, Stripe
 * `client_reference_id`), the kind tells matching which table to look in, and the time prefix keeps
 * b-tree inserts append-mostly. The browser snippet builds session ids the same way.
 */
export type IdKind = 'rc' | 'rs';

export const CLICK_ID = /^rc[0-9a-z]{20}$/;
export const SESSION_ID = /^rs[0-9a-z]{20}$/;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomBase36(length: number): string {
  // 252 is the largest multiple of 36 below 256: rejecting higher bytes keeps every char uniform.
  let out = '';
  while (out.length < length) {
    // From the process's entropy pool: a randomBytes() call per id was 2 % of a redirect's CPU.
    for (const byte of pooledRandom(length * 2)) {
      if (byte < 252) out += ALPHABET[byte % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newFirstPartyId(kind: IdKind, now = Date.now()): string {
  return `${kind}${now.toString(36).padStart(9, '0')}${randomBase36(11)}`;
}

export const newClickId = (now?: number): string => newFirstPartyId('rc', now);
export const newSessionId = (now?: number): string => newFirstPartyId('rs', now);

/** The creation time (ms) written in a click or session id, or undefined for another format. */
export function idTime(id: string): number | undefined {
  if (!CLICK_ID.test(id) && !SESSION_ID.test(id)) return undefined;
  return parseInt(id.slice(2, 11), 36);
}
