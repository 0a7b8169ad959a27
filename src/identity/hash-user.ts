/**
 * Turns the identifiers that arrive at the edge (clear or already hashed) into the `HashedUser` every
 * destination reads: each field normalized per `normalize.ts`, SHA-256 hashed, de-duplicated.
 */
import { sha256Hex } from '../core/hash.ts';
import type { HashOptions, HashedUser, RawUser } from './types.ts';
import {
  normalizeCity,
  normalizeCountry,
  normalizeDateOfBirth,
  normalizeDocument,
  normalizeEmail,
  normalizeEmailForGoogle,
  normalizeExternalId,
  normalizeGender,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
  phoneDigits,
} from './normalize.ts';

/** 64 hex digits, optionally followed by a Meta Parameter Builder appendix (`.<base64url>`). */
const HASHED = /^([0-9a-fA-F]{64})(\.[A-Za-z0-9_-]+)?$/;

/** Whether a value already is a SHA-256 hex digest (any case), with or without a Parameter Builder appendix. */
export const isHashed = (value: string): boolean => HASHED.test(value.trim());

/** A pre-hashed value as stored: hex part lower-cased, appendix kept as is. */
const canonicalHash = (value: string): string => {
  const m = HASHED.exec(value.trim())!;
  return m[1]!.toLowerCase() + (m[2] ?? '');
};

const values = (input: string | string[] | undefined): string[] =>
  (Array.isArray(input) ? input : input === undefined ? [] : [input]).filter(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  );

type Variant = (clear: string) => string | undefined;

/**
 * Hashes every value of one raw field into one or more HashedUser keys. Pre-hashed values go to every
 * key unchanged; clear values are normalized by each key's variant (dropped when it returns undefined).
 */
const hashField = (
  out: HashedUser,
  input: string | string[] | undefined,
  variants: Partial<Record<keyof HashedUser, Variant>>,
): void => {
  if (input === undefined) return; // most fields of most events: nothing to build
  const entries = Object.entries(variants) as [keyof HashedUser, Variant][];
  const sets = new Map(entries.map(([key]) => [key, new Set<string>()]));
  for (const value of values(input)) {
    for (const [key, normalize] of entries) {
      const set = sets.get(key)!;
      if (isHashed(value)) {
        set.add(canonicalHash(value));
      } else {
        const normalized = normalize(value);
        if (normalized) set.add(sha256Hex(normalized));
      }
    }
  }
  for (const [key, set] of sets) if (set.size > 0) out[key] = [...set];
};

/** The person's country in clear (first value that normalizes), used to read phones, states and zips. */
const clearCountry = (raw: RawUser): string | undefined => {
  for (const value of values(raw.country)) {
    if (isHashed(value)) continue;
    const country = normalizeCountry(value);
    if (country) return country;
  }
  return undefined;
};

/**
 * Normalizes and hashes a user. Phones without a country code are read in the person's own country
 * when `raw.country` gives one in clear, else in `opts.defaultPhoneRegion`.
 */
export const hashUser = (raw: RawUser, opts: HashOptions = {}): HashedUser => {
  const out: HashedUser = {};
  const country = clearCountry(raw);
  const phoneRegion = country ?? opts.defaultPhoneRegion;
  // Both phone variants read the same value in turn: parse it once (libphonenumber is the costly part).
  let lastPhone: [string, string | undefined] | undefined;
  const phone = (v: string): string | undefined => {
    if (lastPhone?.[0] !== v) lastPhone = [v, normalizePhone(v, phoneRegion)];
    return lastPhone[1];
  };

  hashField(out, raw.email, { em: normalizeEmail, em_google: normalizeEmailForGoogle });
  hashField(out, raw.phone, {
    ph: (v) => {
      const e164 = phone(v);
      return e164 && phoneDigits(e164);
    },
    ph_e164: phone,
  });
  hashField(out, raw.first_name, { fn: normalizeName });
  hashField(out, raw.last_name, { ln: normalizeName });
  hashField(out, raw.city, { ct: normalizeCity });
  hashField(out, raw.state, { st: (v) => normalizeState(v, country) });
  hashField(out, raw.zip, { zp: (v) => normalizeZip(v, country) });
  hashField(out, raw.country, { country: normalizeCountry });
  hashField(out, raw.date_of_birth, { db: normalizeDateOfBirth });
  hashField(out, raw.gender, { ge: normalizeGender });
  hashField(out, raw.external_id, { external_id: normalizeExternalId });
  hashField(out, raw.document, { document: normalizeDocument });
  return out;
};
