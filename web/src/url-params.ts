/**
 * Filters read from the address bar. Anyone can type or paste a URL, so every value is checked
 * before it reaches a component or the API: a value that does not fit is dropped (the page renders
 * as if it were absent) and listed in `ignored`, for an inline notice (<IgnoredParams>).
 */
export interface IgnoredParam {
  name: string;
  value: string;
  expected: string;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ISO string for a date the user typed in any form Date understands, or undefined. */
export function isoDate(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  // Date accepts years up to ±275760; the API's date-time format wants four digits.
  if (!Number.isFinite(t) || t < Date.UTC(1000, 0, 1) || t >= Date.UTC(10000, 0, 1)) return undefined;
  return new Date(t).toISOString();
}

export class UrlParams {
  readonly ignored: IgnoredParam[] = [];

  constructor(private readonly query: URLSearchParams) {}

  private read<T>(name: string, expected: string, parse: (raw: string) => T | undefined): T | undefined {
    const raw = this.query.get(name);
    if (raw === null || raw === '') return undefined;
    const value = parse(raw);
    if (value === undefined) this.ignored.push({ name, value: raw, expected });
    return value;
  }

  /** Free text, trimmed, at most `max` characters (the API's limit). */
  text(name: string, max = 100): string | undefined {
    return this.read(name, `text of at most ${max} characters`, (raw) => {
      const v = raw.trim();
      return v && v.length <= max ? v : undefined;
    });
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    return this.read(name, `one of ${allowed.join(', ')}`, (raw) =>
      (allowed as readonly string[]).includes(raw) ? (raw as T) : undefined,
    );
  }

  uuid(name: string): string | undefined {
    return this.read(name, 'an id', (raw) => (UUID.test(raw) ? raw.toLowerCase() : undefined));
  }

  /** A date and time, normalized to ISO 8601 (what the API accepts). */
  date(name: string): string | undefined {
    return this.read(name, 'a date and time', isoDate);
  }

  /** A dashboard path to return to (same origin, one of `paths`), with its query. */
  path(name: string, paths: readonly string[]): string | undefined {
    return this.read(name, 'a dashboard page', (raw) => {
      const at = raw.indexOf('?');
      const p = at < 0 ? raw : raw.slice(0, at);
      return paths.includes(p) && !raw.includes('#') ? raw : undefined;
    });
  }
}
