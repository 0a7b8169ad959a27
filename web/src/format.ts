const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** A Date for an ISO string, or null when there is none or it is not a date (never an Invalid Date). */
const dateOf = (iso: string | null | undefined): Date | null => {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
};

export function ago(iso: string | null | undefined, now = Date.now()): string {
  const d = dateOf(iso);
  if (!d) return '—';
  const s = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(s, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export function dateTime(iso: string | null | undefined): string {
  const d = dateOf(iso);
  if (!d) return '—';
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export const num = (n: number | null | undefined): string => (n == null ? '—' : n.toLocaleString());

export const pct = (r: number | null | undefined, digits = 1): string =>
  r == null ? '—' : `${(r * 100).toFixed(digits).replace(/\.0+$/, '')}%`;

export function ms(v: number | null | undefined): string {
  if (v == null) return '—';
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
  if (v < 3_600_000) return `${(v / 60_000).toFixed(1)} min`;
  return `${(v / 3_600_000).toFixed(1)} h`;
}

/** `<input type="datetime-local">` value ↔ ISO string. */
export const toLocalInput = (iso: string | undefined): string => {
  const d = dateOf(iso);
  if (!d) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
export const fromLocalInput = (v: string): string | undefined => dateOf(v)?.toISOString();
