/**
 * The object without its absent values (undefined, null, empty string); `false` and `0` stay.
 * A plain loop: the Object.entries/filter/fromEntries version allocated an array per property and
 * was a visible part of the ingest path's CPU (several calls per event).
 */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const key in o) {
    const v = o[key] as unknown;
    if (v !== undefined && v !== null && v !== '') out[key] = v;
  }
  return out as T;
}
