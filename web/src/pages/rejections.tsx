import { useState } from 'react';
import { api, type Page, type Rejection, type RejectionDetail } from '../api.ts';
import { Card, ErrorNote, Json, Notice, Spinner, StatusBadge, useLoad } from '../components/ui.tsx';
import { ago, dateTime } from '../format.ts';
import { asFieldProblems } from '../problems.ts';
import { Link, navigate } from '../router.tsx';
import { UUID } from '../url-params.ts';

const PAGE = 50;
/** How long the server keeps them (src/retention/task.ts). */
const KEPT_DAYS = 30;

const route = (r: Rejection) => `${r.method} ${r.source}`;

/** Requests the API refused (bad input, bad signature), newest first: what was sent and why it was refused. */
export function RejectionsPage() {
  const first = useLoad(() => api<Page<Rejection>>('/rejections', { query: { limit: PAGE } }), []);
  const [more, setMore] = useState<Rejection[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const next = more.length ? cursor : (first.data?.next_cursor ?? null);
  const loadMore = async () => {
    if (!next) return;
    setLoading(true);
    setMoreError(null);
    try {
      const page = await api<Page<Rejection>>('/rejections', { query: { limit: PAGE, cursor: next } });
      setMore((m) => [...m, ...page.items]);
      setCursor(page.next_cursor);
    } catch (err) {
      setMoreError(err);
    } finally {
      setLoading(false);
    }
  };
  const items = [...(first.data?.items ?? []), ...more];

  return (
    <div className="page">
      <header className="page-head">
        <h1>Rejected requests</h1>
        <button
          className="btn"
          onClick={() => {
            setMore([]);
            setCursor(null);
            first.reload();
          }}
        >
          Refresh
        </button>
      </header>
      <p className="muted lead">
        Requests to this tenant&apos;s API that Rastro refused — events with missing or invalid fields, a body that is
        not JSON, a webhook with a bad signature — kept {KEPT_DAYS} days with the reason, so you can see what was sent
        and fix the sender.
      </p>
      <ErrorNote error={first.error} />
      {!first.data && !first.error && <Spinner />}
      {first.data && items.length === 0 && (
        <Card>
          <p className="muted" data-testid="rejections-empty">
            No rejected requests in the last {KEPT_DAYS} days. When your site, your server or a payment gateway sends
            something Rastro cannot accept, it shows here with what was wrong, and nothing of it reaches your ad
            platforms.
          </p>
        </Card>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table rejections-table" data-testid="rejections-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Route</th>
                <th>Code</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => {
                const href = `/rejections/${r.id}`;
                return (
                  <tr key={r.id} className="clickable" onClick={() => navigate(href)}>
                    <td data-label="Time" title={dateTime(r.at)}>
                      <Link href={href} onClick={(e) => e.stopPropagation()}>
                        {ago(r.at)}
                      </Link>
                    </td>
                    <td data-label="Route" className="mono">
                      {route(r)}
                    </td>
                    <td data-label="Code">
                      <StatusBadge status={r.code} />
                    </td>
                    <td data-label="Message" className="rejection-message" title={r.message}>
                      {r.message}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNote error={moreError} />
      {next && (
        <div className="center">
          <button className="btn" onClick={() => void loadMore()} disabled={loading}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </div>
  );
}

/** The body as received: pretty JSON when it parses, the text otherwise. */
function Body({ body }: { body: string }) {
  let pretty: string | null = null;
  try {
    pretty = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    pretty = null;
  }
  return (
    <>
      <p className="small muted">
        {pretty === null ? 'Not JSON: shown as text.' : 'JSON, indented for reading.'}
        {body.length >= 64 * 1024 && ' Only the first 64 KiB were kept.'}
      </p>
      <pre className="code" data-testid="rejection-body" data-format={pretty === null ? 'text' : 'json'}>
        {pretty ?? body}
      </pre>
    </>
  );
}

/** One rejected request: why, which fields, and the body as it arrived. */
export function RejectionDetailPage({ id }: { id: string }) {
  const valid = UUID.test(id);
  // An id that is not one is never sent: the API would refuse it (and keep that as a rejection too).
  const detail = useLoad(
    () => (valid ? api<RejectionDetail>(`/rejections/${id}`) : Promise.resolve(null)),
    [id, valid],
  );
  const back = (
    <Link href="/rejections" className="back" data-testid="back-link">
      ← Rejected requests
    </Link>
  );
  const notFound = detail.data === null || (detail.error as { status?: number } | null)?.status === 404;
  if (notFound) {
    return (
      <div className="page">
        {back}
        <h1>Rejected request not found</h1>
        <p className="muted">
          Nothing at <code className="break">{id}</code>: rejected requests are kept {KEPT_DAYS} days.
        </p>
      </div>
    );
  }
  if (!detail.data) {
    return (
      <div className="page">
        {back}
        <ErrorNote error={detail.error} />
        {!detail.error && <Spinner />}
      </div>
    );
  }
  const r = detail.data;
  const problems = asFieldProblems(r.details);
  return (
    <div className="page">
      {back}
      <header className="page-head">
        <h1>
          Rejected request <StatusBadge status={r.code} />
        </h1>
      </header>
      <Card title="Why it was refused">
        {problems.length > 0 ? (
          <>
            <p className="rejection-full-message">
              {problems.length === 1 ? 'One problem:' : `${problems.length} problems:`}
            </p>
            <ul className="problems" data-testid="rejection-problems">
              {problems.map((p, i) => (
                <li key={`${p.field}-${i}`}>
                  <code className="break">{p.field}</code> {p.problem}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p data-testid="rejection-message" className="rejection-full-message">
            {r.message}
          </p>
        )}
        {problems.length === 0 && r.details != null && <Json value={r.details} label="Details" />}
        <dl className="facts">
          <dt>Received</dt>
          <dd title={r.at}>
            {dateTime(r.at)} ({ago(r.at)})
          </dd>
          <dt>Route</dt>
          <dd className="mono">{route(r)}</dd>
          <dt>Address</dt>
          <dd className="mono">{r.url}</dd>
          <dt>Code</dt>
          <dd className="mono">{r.code}</dd>
        </dl>
      </Card>
      <Card title="Body received">
        <Notice>
          Stored encrypted, because it may hold personal data (emails, phones); opened only to show it to you here.
        </Notice>
        {r.body ? <Body body={r.body} /> : <p className="muted">The request had no body.</p>}
      </Card>
    </div>
  );
}
