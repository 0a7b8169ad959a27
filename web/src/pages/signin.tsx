import { useState, type FormEvent } from 'react';
import { api, ApiError, session, type Me } from '../api.ts';
import { ErrorNote, Field } from '../components/ui.tsx';
import { Link, navigate } from '../router.tsx';

export function SignInPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/me', { token: key.trim() });
      if (me.scope !== 'admin')
        throw new ApiError(403, 'forbidden', 'this is an ingest key: sign in with an admin key');
      session.setKey(key.trim());
      onSignedIn(me);
      navigate(location.pathname === '/signin' || location.pathname === '/' ? '/events' : location.pathname, true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="center-page">
      <form className="card signin" onSubmit={submit}>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden>
            ◢
          </span>
          <span>Rastro</span>
        </div>
        <p className="muted">Sign in with your tenant&apos;s admin key. It stays in this browser tab only.</p>
        <Field label="Admin key">
          <input
            name="key"
            type="password"
            autoComplete="off"
            placeholder="rst_admin_…"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            autoFocus
          />
        </Field>
        <ErrorNote error={error} />
        <button className="btn btn-primary btn-block" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          Running this server? <Link href="/operator">Create a tenant</Link> with the operator token.
        </p>
      </form>
    </div>
  );
}
