import { useEffect, useState } from 'react';
import { api, onUnauthorized, session, type Me } from './api.ts';
import { Spinner } from './components/ui.tsx';
import { AuditPage } from './pages/audit.tsx';
import { EventDetailPage } from './pages/event-detail.tsx';
import { EventsPage } from './pages/events.tsx';
import { OnboardingPage } from './pages/onboarding.tsx';
import { OperatorPage } from './pages/operator.tsx';
import { QualityPage } from './pages/quality.tsx';
import { SignInPage } from './pages/signin.tsx';
import { Link, navigate, useLocation } from './router.tsx';

const NAV = [
  { href: '/events', label: 'Events', icon: '≡' },
  { href: '/events?status=dead', label: 'Dead letters', icon: '⚠' },
  { href: '/quality', label: 'Signal quality', icon: '◔' },
  { href: '/onboarding', label: 'Setup', icon: '✚' },
  { href: '/audit', label: 'Audit', icon: '§' },
];

function isActive(href: string, path: string, query: URLSearchParams): boolean {
  const [p, q] = href.split('?');
  if (q) return path === p && query.toString() === q;
  if (p === '/events') return path.startsWith('/events') && query.get('status') !== 'dead';
  return path.startsWith(p ?? '');
}

export function App() {
  const { path, query } = useLocation();
  const [me, setMe] = useState<Me | null | undefined>(session.key() ? undefined : null);

  useEffect(() => {
    if (!session.key()) return;
    api<Me>('/me').then(setMe, () => {
      session.signOut();
      setMe(null);
    });
  }, []);
  useEffect(
    () =>
      onUnauthorized(() => {
        session.signOut();
        setMe(null);
        navigate('/signin');
      }),
    [],
  );

  if (path === '/operator') return <OperatorPage onSignedIn={setMe} />;
  if (me === undefined) return <Spinner label="Signing in…" />;
  if (me === null) return <SignInPage onSignedIn={setMe} />;
  if (path === '/' || path === '/signin') {
    navigate('/events', true);
    return null;
  }

  let page;
  const detail = /^\/events\/([^/]+)$/.exec(path);
  if (detail) page = <EventDetailPage id={decodeURIComponent(detail[1] ?? '')} />;
  else if (path === '/events') page = <EventsPage />;
  else if (path === '/quality') page = <QualityPage />;
  else if (path === '/onboarding') page = <OnboardingPage />;
  else if (path === '/audit') page = <AuditPage />;
  else
    page = (
      <div className="page">
        <h1>Not found</h1>
        <p>
          Nothing at <code>{path}</code>. <Link href="/events">Go to events</Link>.
        </p>
      </div>
    );

  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden>
            ◢
          </span>
          <span>Rastro</span>
        </div>
        <nav className="nav" aria-label="Main">
          {NAV.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              className={isActive(item.href, path, query) ? 'nav-item active' : 'nav-item'}
            >
              <span className="nav-icon" aria-hidden>
                {item.icon}
              </span>
              <span className="nav-label">{item.label}</span>
            </Link>
          ))}
        </nav>
        <div className="tenant">
          <span className="tenant-name" title={me.tenant_id} data-testid="tenant-name">
            {me.name}
          </span>
          <button
            type="button"
            className="btn btn-link"
            onClick={() => {
              session.signOut();
              setMe(null);
              navigate('/signin');
            }}
          >
            Sign out
          </button>
        </div>
      </aside>
      <main className="main">{page}</main>
    </div>
  );
}
