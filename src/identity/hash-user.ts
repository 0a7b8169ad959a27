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

/** What a variant may need besides the value: the person's country and the region to read phones in. */
interface Context {
  country: string | undefined;
  phoneRegion: string | undefined;
  /** The last phone parsed: both phone variants read the same value in turn (libphonenumber is costly). */
  lastPhone?: [string, string | undefined];
}

type Variant = (clear: string, ctx: Context) => string | undefined;

const e164Of: Variant = (v, ctx) => {
  if (ctx.lastPhone?.[0] !== v) ctx.lastPhone = [v, normalizePhone(v, ctx.phoneRegion)];
  return ctx.lastPhone[1];
};

/**
 * Each raw field and the HashedUser keys it is hashed into, with each key's normalization. Built once:
 * closures made per call cost a `__name` property definition each under tsx (esbuild's keepNames).
 */
const FIELDS: [keyof RawUser, [keyof HashedUser, Variant][]][] = [
  [
    'email',
    [
      ['em', (v) => normalizeEmail(v)],
      ['em_google', (v) => normalizeEmailForGoogle(v)],
    ],
  ],
  [
    'phone',
    [
      [
        'ph',
        (v, ctx) => {
          const e164 = e164Of(v, ctx);
          return e164 && phoneDigits(e164);
        },
      ],
      ['ph_e164', e164Of],
    ],
  ],
  ['first_name', [['fn', (v) => normalizeName(v)]]],
  ['last_name', [['ln', (v) => normalizeName(v)]]],
  ['city', [['ct', (v) => normalizeCity(v)]]],
  ['state', [['st', (v, ctx) => normalizeState(v, ctx.country)]]],
  ['zip', [['zp', (v, ctx) => normalizeZip(v, ctx.country)]]],
  ['country', [['country', (v) => normalizeCountry(v)]]],
  ['date_of_birth', [['db', (v) => normalizeDateOfBirth(v)]]],
  ['gender', [['ge', (v) => normalizeGender(v)]]],
  ['external_id', [['external_id', (v) => normalizeExternalId(v)]]],
  ['document', [['document', (v) => normalizeDocument(v)]]],
];

const hashOf = (normalized: string | undefined): string | undefined => normalized && sha256Hex(normalized);

/**
 * Hashes every value of one raw field into one or more HashedUser keys. Pre-hashed values go to every
 * key unchanged; clear values are normalized by each key's variant (dropped when it returns undefined).
 */
const hashField = (
  out: HashedUser,
  input: string | string[] | undefined,
  variants: [keyof HashedUser, Variant][],
  ctx: Context,
): void => {
  if (input === undefined) return; // most fields of most events: nothing to build
  const sets = variants.map(() => new Set<string>());
  // Value by value, every key in turn: the phone variants read each value one after the other.
  for (const value of values(input)) {
    const hashed = isHashed(value) ? canonicalHash(value) : undefined;
    variants.forEach(([, normalize], i) => {
      const digest = hashed ?? hashOf(normalize(value, ctx));
      if (digest) sets[i]!.add(digest);
    });
  }
  variants.forEach(([key], i) => {
    if (sets[i]!.size > 0) out[key] = [...sets[i]!];
  });
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
  const ctx: Context = { country, phoneRegion: country ?? opts.defaultPhoneRegion };
  for (const [field, variants] of FIELDS) hashField(out, raw[field], variants, ctx);
  return out;
};
