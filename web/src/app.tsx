import { useEffect, useState } from 'react';
import { api, onUnauthorized, session, type Me } from './api.ts';
import { ErrorBoundary } from './components/error-boundary.tsx';
import { EVENT_LISTS } from './components/events-table.tsx';
import { Spinner } from './components/ui.tsx';
import { AuditPage } from './pages/audit.tsx';
import { DeadLettersPage } from './pages/dead-letters.tsx';
import { EventDetailPage } from './pages/event-detail.tsx';
import { EventsPage } from './pages/events.tsx';
import { OnboardingPage } from './pages/onboarding.tsx';
import { OperatorPage } from './pages/operator.tsx';
import { QualityPage } from './pages/quality.tsx';
import { RejectionDetailPage, RejectionsPage } from './pages/rejections.tsx';
import { SignInPage } from './pages/signin.tsx';
import { Link, navigate, useLocation } from './router.tsx';
import { UrlParams } from './url-params.ts';

const NAV = [
  { href: '/events', label: 'Events', icon: '≡' },
  { href: '/dead-letters', label: 'Dead letters', icon: '⚠' },
  { href: '/rejections', label: 'Rejected requests', icon: '⊘' },
  { href: '/quality', label: 'Signal quality', icon: '◔' },
  { href: '/onboarding', label: 'Setup', icon: '✚' },
  { href: '/audit', label: 'Audit', icon: '§' },
];

/** An event page belongs to the list it was opened from (`?back=`), Events by default. */
function isActive(href: string, path: string, query: URLSearchParams): boolean {
  if (/^\/events\/[^/]+$/.test(path)) {
    const back = new UrlParams(query).path('back', EVENT_LISTS) ?? '/events';
    return back.split('?')[0] === href;
  }
  return path === href || path.startsWith(`${href}/`);
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
  const rejection = /^\/rejections\/([^/]+)$/.exec(path);
  if (detail) page = <EventDetailPage id={safeDecode(detail[1] ?? '')} />;
  else if (rejection) page = <RejectionDetailPage id={safeDecode(rejection[1] ?? '')} />;
  else if (path === '/events') page = <EventsPage />;
  else if (path === '/dead-letters') page = <DeadLettersPage />;
  else if (path === '/quality') page = <QualityPage />;
  else if (path === '/rejections') page = <RejectionsPage />;
  else if (path === '/onboarding') page = <OnboardingPage me={me} />;
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
      <main className="main">
        {/* A page that fails to render shows why; the sidebar stays, and moving to another page retries. */}
        <ErrorBoundary resetKey={`${path}?${query}`}>{page}</ErrorBoundary>
      </main>
    </div>
  );
}

/** A path segment as typed in the address bar: a stray `%` must not throw (URIError). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
