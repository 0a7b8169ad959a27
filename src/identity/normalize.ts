/**
 * Normalization of one clear identifier value per type, following Meta's customer information
 * parameter rules (the normalized string is what gets SHA-256 hashed). Every function is pure except
 * for the current year used to bound dates of birth, and returns `undefined` for a value that cannot
 * be normalized into something a platform could match on.
 *
 * Where other platforms differ (hashing happens from these same normalized strings):
 * - Google (enhanced conversions / Customer Match): gmail.com and googlemail.com addresses lose the
 *   dots of their local part (`normalizeEmailForGoogle`); phones are E.164 *with* `+`; the address's
 *   city/region/postal code/country are sent in clear, not hashed.
 * - TikTok: phones are E.164 with `+`; email and external_id are hashed like Meta's.
 * - Meta: phones are the E.164 digits without `+` (see `phoneDigits`).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { BR_STATES, CA_PROVINCES, COUNTRY_NAMES, ISO_COUNTRY_CODES, US_STATES, placeKey } from './regions.ts';

const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Email: trimmed, lower-cased; `undefined` unless it looks like `x@y.z`. */
export const normalizeEmail = (value: string): string | undefined => {
  const email = value.trim().toLowerCase();
  return EMAIL_SHAPE.test(email) ? email : undefined;
};

const GOOGLE_MAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * Email as Google normalizes it: like `normalizeEmail`, and for gmail.com/googlemail.com addresses the
 * dots and any `+tag` are removed from the local part (they all reach the same mailbox).
 */
export const normalizeEmailForGoogle = (value: string): string | undefined => {
  const email = normalizeEmail(value);
  if (!email) return undefined;
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  if (!GOOGLE_MAIL_DOMAINS.has(domain)) return email;
  const local = email.slice(0, at).split('+')[0]!.replaceAll('.', '');
  return local ? `${local}@${domain}` : undefined;
};

const asRegion = (region: string | undefined): CountryCode | undefined => {
  const code = region?.trim().toUpperCase();
  return code && ISO_COUNTRY_CODES.has(code) ? (code as CountryCode) : undefined;
};

const validE164 = (input: string, region: CountryCode | undefined): string | undefined => {
  const parsed = parsePhoneNumberFromString(input, region);
  return parsed?.isValid() ? parsed.number : undefined;
};

/**
 * Phone → E.164 (`+5511987654321`). Numbers without a country code are read in `defaultRegion`
 * (ISO-2), including national trunk prefixes (`0`, `0 21` carrier codes in Brazil). Numbers typed
 * with their country code but no `+` (`5511987654321`) and with the `00` international prefix are
 * recognized too. Invalid numbers (per libphonenumber metadata) → `undefined`.
 */
export const normalizePhone = (value: string, defaultRegion?: string): string | undefined => {
  const input = value.trim();
  if (!/\d/.test(input)) return undefined;
  const region = asRegion(defaultRegion);
  const direct = validE164(input, region);
  if (direct) return direct;
  if (input.startsWith('+')) return undefined;
  const digits = input.replace(/\D/g, '');
  if (digits.startsWith('00')) return validE164(`+${digits.slice(2)}`, undefined);
  // Country code typed without "+" (e.g. 55 11 98765-4321 read in a region other than BR).
  return digits.length >= 8 ? validE164(`+${digits}`, undefined) : undefined;
};

/** Meta's phone format: the E.164 digits without `+` (`5511987654321`). */
export const phoneDigits = (e164: string): string => e164.replace(/^\+/, '');

/** Removes whitespace, punctuation and symbols; keeps letters (with accents, NFC), marks and digits. */
const stripToWord = (value: string): string =>
  value
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');

/**
 * First or last name: lower case, no whitespace or punctuation, accents kept as UTF-8 (NFC).
 * "João" → "joão", "Ñúñez" → "ñúñez", "O'Brien" → "obrien", "Mary Ann" → "maryann" (Meta's own
 * Parameter Builder strips whitespace as well as punctuation).
 */
export const normalizeName = (value: string): string | undefined => stripToWord(value) || undefined;

/** City: lower case, letters only (no spaces, punctuation or digits), accents kept: "São Paulo" → "sãopaulo". */
export const normalizeCity = (value: string): string | undefined =>
  value
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}]+/gu, '') || undefined;

/**
 * State/province: 2-letter code in lower case. Full US, Brazilian and Canadian names map to their code
 * ("California" → "ca", "São Paulo" → "sp"); other regions become lower-case letters only.
 * `country` (ISO-2), when known, decides which table is tried first.
 */
export const normalizeState = (value: string, country?: string): string | undefined => {
  const letters = value
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}]+/gu, '');
  if (!letters) return undefined;
  if (/^[a-z]{2}$/.test(letters)) return letters;
  const key = placeKey(letters);
  const c = country?.toLowerCase();
  const tables =
    c === 'br'
      ? [BR_STATES, US_STATES, CA_PROVINCES]
      : c === 'ca'
        ? [CA_PROVINCES, US_STATES, BR_STATES]
        : [US_STATES, BR_STATES, CA_PROVINCES];
  for (const table of tables) {
    const code = table[key];
    if (code) return code;
  }
  return letters;
};

/**
 * Zip/postal code. US: first 5 digits ("94025-1234" → "94025"). Brazil: the 8 CEP digits
 * ("01310-100" → "01310100"). UK: area, district and sector only ("SW1A 1AA" → "sw1a1"), as Meta
 * documents. Others: lower case without spaces or dashes. Without a known country, a US ZIP+4 shape
 * and a CEP shape are recognized by their form.
 */
export const normalizeZip = (value: string, country?: string): string | undefined => {
  const compact = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '');
  if (!compact || !/^[\p{L}\p{N}]+$/u.test(compact)) return undefined;
  const c = country?.toLowerCase();
  if (c === 'us') return /^\d{5}(\d{4})?$/.test(compact) ? compact.slice(0, 5) : undefined;
  if (c === 'br') return /^\d{8}$/.test(compact) ? compact : undefined;
  if (c === 'gb') return compact.length > 4 ? compact.slice(0, -2) : compact;
  if (!c && /^\d{5}-\d{4}$/.test(value.trim())) return compact.slice(0, 5);
  return compact;
};

/**
 * Country → ISO-3166-1 alpha-2 in lower case. Accepts codes ("BR"), names in English, Portuguese or
 * Spanish ("Brazil", "Brasil", "Estados Unidos") and common aliases ("USA", "UK"). Unknown → `undefined`.
 */
export const normalizeCountry = (value: string): string | undefined => {
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const code = trimmed.toUpperCase();
    if (code === 'UK') return 'gb';
    return ISO_COUNTRY_CODES.has(code) ? code.toLowerCase() : undefined;
  }
  const key = placeKey(trimmed);
  return key ? COUNTRY_NAMES.get(key) : undefined;
};

const GENDERS: Record<string, 'f' | 'm'> = {
  f: 'f',
  female: 'f',
  woman: 'f',
  feminino: 'f',
  femenino: 'f',
  mulher: 'f',
  mujer: 'f',
  m: 'm',
  male: 'm',
  man: 'm',
  masculino: 'm',
  homem: 'm',
  hombre: 'm',
};

/** Gender → `f` or `m` (female/male/feminino/masculino/F/M…); anything else → `undefined`. */
export const normalizeGender = (value: string): string | undefined => GENDERS[placeKey(value)];

const isRealDate = (year: number, month: number, day: number): boolean => {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
};

const formatDob = (year: number, month: number, day: number): string | undefined => {
  if (year < 1900 || year > new Date().getUTCFullYear() || !isRealDate(year, month, day)) return undefined;
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
};

/**
 * Date of birth → `YYYYMMDD`. Accepts `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`, an ISO date-time (its
 * calendar date as written, no time-zone shift) and day-first `DD/MM/YYYY` (also `-` or `.`); a
 * month-first date is read only when day-first is impossible (`12/31/1990`). Years 1900..now.
 */
export const normalizeDateOfBirth = (value: string): string | undefined => {
  const v = value.trim();
  let m = /^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?:[T ].*)?$/.exec(v);
  if (m) return formatDob(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(v);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const year = Number(m[3]);
    return formatDob(year, b, a) ?? (b > 12 ? formatDob(year, a, b) : undefined);
  }
  return undefined;
};

/** External id: trimmed, case kept. */
export const normalizeExternalId = (value: string): string | undefined => value.trim() || undefined;

/** National document (CPF/CNPJ…): digits only. */
export const normalizeDocument = (value: string): string | undefined => value.replace(/\D/g, '') || undefined;
