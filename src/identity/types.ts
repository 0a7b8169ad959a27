/**
 * User identifiers as they arrive (clear or already hashed) and as Rastro keeps them (hashed).
 * Clear values exist only in memory between the HTTP edge and `hashUser()`.
 */
type OneOrMany = string | string[];

export interface RawUser {
  email?: OneOrMany;
  phone?: OneOrMany;
  first_name?: OneOrMany;
  last_name?: OneOrMany;
  city?: OneOrMany;
  state?: OneOrMany;
  zip?: OneOrMany;
  /** ISO-3166 alpha-2 (or a country name we can map). */
  country?: OneOrMany;
  /** YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY… */
  date_of_birth?: OneOrMany;
  gender?: OneOrMany;
  external_id?: OneOrMany;
  /** National document number (CPF/CNPJ…); hashed, used for identity matching only. */
  document?: OneOrMany;
}

/**
 * SHA-256 hex digests of normalized identifiers, in every variant a destination needs, so that no
 * destination ever needs the clear value. Keys follow Meta's short names.
 */
export interface HashedUser {
  /** email: trimmed, lower-cased. */
  em?: string[];
  /** email, Google-normalized: gmail/googlemail dots and +tags removed. Equals `em` for others. */
  em_google?: string[];
  /** phone: digits only with country code, no `+` (Meta). */
  ph?: string[];
  /** phone: E.164 with `+` (Google, TikTok). */
  ph_e164?: string[];
  fn?: string[];
  ln?: string[];
  ct?: string[];
  st?: string[];
  zp?: string[];
  country?: string[];
  db?: string[];
  ge?: string[];
  external_id?: string[];
  document?: string[];
}

export interface HashOptions {
  /** ISO-3166 alpha-2 region used when a phone has no country code (e.g. `BR`, `US`). */
  defaultPhoneRegion?: string;
}
