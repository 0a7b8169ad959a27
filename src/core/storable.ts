/**
 * PostgreSQL text and jsonb hold neither NUL nor unpaired UTF-16 surrogates; JSON allows both (as
 * \u escapes), and a failed insert is a 500 that a sender retries forever. An unpaired surrogate is
 * what a string cut in the middle of an emoji leaves; a UTF-8 encoder turns it into U+FFFD.
 */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with NUL and unpaired surrogates replaced by U+FFFD. */
export function storableString(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** A copy of `value` with every string (and key) of its plain objects and arrays made storable. */
export function storableDeep<T>(value: T): T {
  if (typeof value === 'string') return storableString(value) as T;
  if (Array.isArray(value)) return value.map((v) => storableDeep(v)) as T;
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableString(k), storableDeep(v)])) as T;
}
