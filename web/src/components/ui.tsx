import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../api.ts';
import type { FormProblems } from '../problems.ts';
import type { IgnoredParam } from '../url-params.ts';

export function Badge({ tone = 'neutral', children, title }: { tone?: string; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

const STATUS_TONE: Record<string, string> = {
  delivered: 'ok',
  active: 'ok',
  approved: 'ok',
  processed: 'ok',
  pending: 'info',
  processing: 'info',
  failed: 'warn',
  paused: 'warn',
  dead: 'bad',
  rejected: 'bad',
  error: 'bad',
  deduplicated: 'muted',
  skipped: 'muted',
  retryable: 'warn',
  rate_limited: 'warn',
  permanent: 'bad',
  auth_broken: 'bad',
  invalid: 'bad',
  matched: 'ok',
  review: 'warn',
  unmatched: 'muted',
  refunded: 'warn',
  chargeback: 'bad',
  // Error codes (rejected requests).
  validation_failed: 'bad',
  bad_json: 'bad',
  invalid_signature: 'bad',
  payload_too_large: 'warn',
  unsupported_media_type: 'warn',
  conflict: 'warn',
};

export const StatusBadge = ({ status, title }: { status: string; title?: string }) => (
  <Badge tone={STATUS_TONE[status] ?? 'neutral'} title={title}>
    {status}
  </Badge>
);

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API needs a secure context; fall back to a selection copy.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" className="btn btn-small" onClick={copy}>
      {copied ? 'Copied ✓' : label}
    </button>
  );
}

export function Json({ value, collapsed = false, label }: { value: unknown; collapsed?: boolean; label?: string }) {
  const text = JSON.stringify(value, null, 2);
  if (collapsed) {
    return (
      <details className="json">
        <summary>{label ?? 'Show JSON'}</summary>
        <pre>{text}</pre>
      </details>
    );
  }
  return <pre className="json">{text}</pre>;
}

export function Card({
  title,
  actions,
  children,
  className,
  id,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  id?: string;
}) {
  return (
    <section className={`card ${className ?? ''}`} id={id}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Notice({ tone = 'info', children }: { tone?: string; children: ReactNode }) {
  return <div className={`notice notice-${tone}`}>{children}</div>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? `${error.message} (${error.code})` : String(error);
  return <Notice tone="bad">{message}</Notice>;
}

/** Says which filters in the address were not understood (and so not applied). */
export function IgnoredParams({ ignored }: { ignored: IgnoredParam[] }) {
  if (ignored.length === 0) return null;
  return (
    <Notice tone="warn">
      <span data-testid="ignored-params">
        Ignored in the address:{' '}
        {ignored.map((p, i) => (
          <span key={p.name}>
            {i > 0 && '; '}
            <code className="break">
              {p.name}={p.value.length > 60 ? `${p.value.slice(0, 60)}…` : p.value}
            </code>{' '}
            (expected {p.expected})
          </span>
        ))}
        .
      </span>
    </Notice>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status">
      <span className="spinner-dot" /> {label}
    </div>
  );
}

export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ReactNode;
  /** What the API found wrong with this input, in a person's words (see problems.ts). */
  error?: string;
  children: ReactNode;
}) {
  return (
    <label className={error ? 'field has-error' : 'field'}>
      <span className="field-label">{label}</span>
      {children}
      {error && (
        <span className="field-error" data-testid="field-error">
          {error}
        </span>
      )}
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}

/**
 * A form's error: when the API named fields, those show at their inputs (`problems`) and this says
 * so, listing only the problems that have no input; any other error as ErrorNote shows it.
 */
export function FormErrorNote({ error, problems }: { error: unknown; problems: FormProblems }) {
  if (!error) return null;
  if (!problems.anyField && problems.rest.length === 0) return <ErrorNote error={error} />;
  return (
    <Notice tone="bad">
      {problems.anyField && <p>Check the fields marked in red.</p>}
      {problems.rest.length > 0 && (
        <ul className="problems">
          {problems.rest.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </Notice>
  );
}

/** Loads data and reloads it on demand or on an interval. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], intervalMs?: number) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    const run = () =>
      load().then(
        (d) => {
          if (!alive) return;
          setData(d);
          setError(null);
        },
        (e: unknown) => alive && setError(e),
      );
    void run();
    const timer = intervalMs ? setInterval(run, intervalMs) : undefined;
    return () => {
      alive = false;
      if (timer) clearInterval(timer);
    };
  }, [...deps, tick, intervalMs]);
  return { data, error, reload: () => setTick((n) => n + 1), setData };
}

export function StepTitle({ n, title, done }: { n: number; title: string; done?: boolean }) {
  return (
    <span className="step-title">
      <span className={`step-n ${done ? 'done' : ''}`}>{done ? '✓' : n}</span> {title}
    </span>
  );
}
