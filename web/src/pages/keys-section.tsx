import { useState } from 'react';
import { api, session, type ApiKey, type Me } from '../api.ts';
import { Card, CopyButton, ErrorNote, Notice, StatusBadge, StepTitle, useLoad } from '../components/ui.tsx';
import { ago, dateTime } from '../format.ts';

/**
 * Whether the dashboard is signed in with this key. By id when /me says which key it is; otherwise by
 * the visible prefix of the key in this tab (16 characters: a false match would only hide a button).
 */
export function isSignedInKey(k: ApiKey, me: Me, signedInKey: string | null): boolean {
  if (me.key_id) return k.id === me.key_id;
  return k.scope === 'admin' && Boolean(signedInKey?.startsWith(k.prefix));
}

const USERS: Record<string, string> = {
  ingest: 'your site’s snippet or a server sending events',
  admin: 'a script, the CLI or another dashboard session',
};

/** The tenant's keys: create one (shown once), revoke one, never the key this dashboard uses. */
export function KeysSection({ n, me, onIngestKey }: { n: number; me: Me; onIngestKey: (key: string) => void }) {
  const keys = useLoad(() => api<{ items: ApiKey[] }>('/keys'), []);
  const [created, setCreated] = useState<{ key: string; scope: string } | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const create = async (scope: 'ingest' | 'admin') => {
    setError(null);
    setRevoked(null);
    try {
      const res = await api<{ key: string; scope: string }>('/keys', {
        body: { scope, name: scope === 'ingest' ? 'website snippet' : 'dashboard' },
      });
      setCreated(res);
      if (scope === 'ingest') onIngestKey(res.key);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (k: ApiKey) => {
    const sure = window.confirm(
      `Revoke the ${k.scope} key ${k.prefix}… (${k.name || 'unnamed'})? Anything still using it (${
        USERS[k.scope] ?? 'whatever holds it'
      }) is refused from now on. This cannot be undone.`,
    );
    if (!sure) return;
    setError(null);
    try {
      await api(`/keys/${k.id}`, { method: 'DELETE' });
      setRevoked(k.prefix);
      if (created?.key.startsWith(k.prefix)) setCreated(null);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const signedIn = session.key();
  const active = (keys.data?.items ?? []).filter((k) => !k.revoked_at);
  return (
    <Card title={<StepTitle n={n} title="API keys" done={active.some((k) => k.scope === 'ingest')} />} id="step-keys">
      <p className="muted">
        Ingest keys send events (snippet, server); admin keys also read and configure. Keys are stored hashed: a new key
        is shown once.
      </p>
      <ul className="plain-list keys-list">
        {active.map((k) => (
          <li key={k.id} className="key-row" data-testid="api-key">
            <span className="key-what">
              <span className="mono">{k.prefix}…</span>{' '}
              <StatusBadge status={k.scope === 'admin' ? 'admin' : 'ingest'} />{' '}
              <span className="muted small" title={dateTime(k.created_at)}>
                {k.name || 'unnamed'} · created {ago(k.created_at)}
              </span>
            </span>
            {isSignedInKey(k, me, signedIn) ? (
              <span className="small key-current" data-testid="current-key">
                <strong>This dashboard is signed in with this key</strong>, so it cannot revoke it: it would lock itself
                out. Create another admin key, sign in with it, then revoke this one.
              </span>
            ) : (
              <button
                type="button"
                className="btn btn-small btn-danger-quiet"
                aria-label={`Revoke key ${k.prefix}`}
                onClick={() => void revoke(k)}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <button className="btn" onClick={() => void create('ingest')}>
          New ingest key
        </button>
        <button className="btn btn-link" onClick={() => void create('admin')}>
          New admin key
        </button>
      </div>
      {created && (
        <Notice tone="ok">
          New {created.scope} key: <code className="break">{created.key}</code> <CopyButton text={created.key} />
        </Notice>
      )}
      {revoked && (
        <Notice tone="ok">
          <span data-testid="key-revoked">
            Key <span className="mono">{revoked}…</span> revoked: requests with it are refused.
          </span>
        </Notice>
      )}
      <ErrorNote error={error || keys.error} />
    </Card>
  );
}
