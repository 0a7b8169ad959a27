import { useState, type FormEvent } from 'react';
import { api, session, type Me } from '../api.ts';
import { Card, CopyButton, ErrorNote, Field, Notice } from '../components/ui.tsx';
import { dateTime } from '../format.ts';
import { Link, navigate } from '../router.tsx';

interface Tenant {
  id: string;
  name: string;
  created_at: string;
}
interface Created {
  id: string;
  name: string;
  keys: { admin: string; ingest: string };
}

/** The operator's view: create tenants with the server's operator token (RASTRO_ADMIN_TOKEN). */
export function OperatorPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [token, setToken] = useState(session.operator() ?? '');
  const [tenants, setTenants] = useState<Tenant[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Created | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async (t = token) => {
    setError(null);
    try {
      const list = await api<{ items: Tenant[] }>('/tenants', { token: t.trim() });
      session.setOperator(t.trim());
      setTenants(list.items);
    } catch (err) {
      setTenants(null);
      setError(err);
    }
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const tenant = await api<Created>('/tenants', { token: token.trim(), body: { name: name.trim() } });
      setCreated(tenant);
      setName('');
      await load();
    } catch (err) {
      setError(err);
    }
  };

  const signInAs = async (key: string) => {
    const me = await api<Me>('/me', { token: key });
    session.setKey(key);
    onSignedIn(me);
    navigate('/onboarding');
  };

  return (
    <div className="page narrow">
      <header className="page-head">
        <h1>Operator</h1>
        <Link href="/events" className="btn btn-link">
          Back to the dashboard
        </Link>
      </header>
      {tenants === null ? (
        <Card title="Operator token">
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              void load();
            }}
          >
            <p className="muted">
              The server&apos;s operator token (<code>RASTRO_ADMIN_TOKEN</code>, or the file{' '}
              <code>.rastro/admin.token</code> written on first start).
            </p>
            <Field label="Operator token">
              <input
                name="operator-token"
                type="password"
                autoComplete="off"
                value={token}
                onChange={(e) => setToken(e.target.value)}
                required
              />
            </Field>
            <ErrorNote error={error} />
            <button className="btn btn-primary">Continue</button>
          </form>
        </Card>
      ) : (
        <>
          <Card title="Create a tenant">
            <form className="row-form" onSubmit={create}>
              <Field label="Tenant name">
                <input name="tenant-name" value={name} onChange={(e) => setName(e.target.value)} required />
              </Field>
              <button className="btn btn-primary">Create tenant</button>
            </form>
            <ErrorNote error={error} />
            {created && (
              <Notice tone="ok">
                <p>
                  <strong>{created.name}</strong> is ready. Copy its keys now: they are shown only once.
                </p>
                <dl className="keys">
                  <dt>Admin key</dt>
                  <dd>
                    <code data-testid="new-admin-key">{created.keys.admin}</code>
                    <CopyButton text={created.keys.admin} />
                  </dd>
                  <dt>Ingest key</dt>
                  <dd>
                    <code>{created.keys.ingest}</code>
                    <CopyButton text={created.keys.ingest} />
                  </dd>
                </dl>
                <button className="btn btn-primary" type="button" onClick={() => void signInAs(created.keys.admin)}>
                  Sign in as {created.name}
                </button>
              </Notice>
            )}
          </Card>
          <Card title={`Tenants (${tenants.length})`}>
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Id</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {tenants.map((t) => (
                  <tr key={t.id}>
                    <td data-label="Name">{t.name}</td>
                    <td data-label="Id">
                      <code>{t.id}</code>
                    </td>
                    <td data-label="Created">{dateTime(t.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </>
      )}
    </div>
  );
}
