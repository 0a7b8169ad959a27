import { useEffect, useState } from 'react';
import { api, optional, type Destination, type EventItem, type Page } from '../api.ts';
import { Badge, Card, ErrorNote, Notice, Spinner, StatusBadge, useLoad } from '../components/ui.tsx';
import { ago, dateTime, fromLocalInput, toLocalInput } from '../format.ts';
import { Link, navigate, setQuery, useLocation } from '../router.tsx';
import { MATCH_STATUSES, SalesByMatch } from './sales.tsx';

const STATUSES = ['pending', 'processing', 'delivered', 'failed', 'dead', 'deduplicated', 'skipped'];
const LIVE_MS = 3000;

/** Events explorer: newest first, filters in the URL, cursor pagination, live refresh of the first page. */
export function EventsPage() {
  const { query } = useLocation();
  const filters = {
    status: query.get('status') ?? undefined,
    event_name: query.get('event_name') ?? undefined,
    destination_id: query.get('destination_id') ?? undefined,
    from: query.get('from') ?? undefined,
    to: query.get('to') ?? undefined,
  };
  const matchStatus = query.get('match') ?? undefined;
  const key = JSON.stringify(filters);
  const dead = filters.status === 'dead';
  const [live, setLive] = useState(true);
  const [more, setMore] = useState<EventItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const destinations = useLoad(() => api<{ items: Destination[] }>('/destinations'), []);
  // Gateway sales carry a match status; the filter shows when this server has the conversions API.
  const hasSales = useLoad(() => optional<Page<unknown>>('/conversions', { query: { limit: 1 } }), []);
  const first = useLoad(
    () => api<Page<EventItem>>('/events', { query: { ...filters, limit: 50 } }),
    [key],
    live && more.length === 0 ? LIVE_MS : undefined,
  );
  useEffect(() => {
    setMore([]);
    setCursor(null);
  }, [key]);
  const nextCursor = more.length ? cursor : (first.data?.next_cursor ?? null);

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    try {
      const page = await api<Page<EventItem>>('/events', { query: { ...filters, limit: 50, cursor: nextCursor } });
      setMore((m) => [...m, ...page.items]);
      setCursor(page.next_cursor);
    } finally {
      setLoadingMore(false);
    }
  };

  const update = (patch: Partial<typeof filters> & { match?: string }) =>
    setQuery({ ...filters, match: matchStatus, ...patch });
  const names = new Map((destinations.data?.items ?? []).map((d) => [d.id, d.name]));
  const items = [...(first.data?.items ?? []), ...more];

  return (
    <div className="page">
      <header className="page-head">
        <h1>{dead ? 'Dead letters' : 'Events'}</h1>
        <label className="toggle" title="Refresh the first page every few seconds">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
      </header>
      {destinations.data && destinations.data.items.length === 0 && (
        <Notice>
          No destination yet: events are stored but go nowhere. <Link href="/onboarding">Set up Meta</Link>.
        </Notice>
      )}
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          <span>Status</span>
          <select name="status" value={filters.status ?? ''} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Event name</span>
          <input
            name="event_name"
            defaultValue={filters.event_name ?? ''}
            placeholder="purchase"
            onBlur={(e) => update({ event_name: e.target.value.trim() || undefined })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') update({ event_name: e.currentTarget.value.trim() || undefined });
            }}
          />
        </label>
        <label>
          <span>Destination</span>
          <select
            name="destination_id"
            value={filters.destination_id ?? ''}
            onChange={(e) => update({ destination_id: e.target.value })}
          >
            <option value="">Any</option>
            {(destinations.data?.items ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        {hasSales.data && (
          <label>
            <span>Match (sales)</span>
            <select name="match" value={matchStatus ?? ''} onChange={(e) => update({ match: e.target.value })}>
              <option value="">Any</option>
              {MATCH_STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          <span>From</span>
          <input
            type="datetime-local"
            name="from"
            value={toLocalInput(filters.from)}
            onChange={(e) => update({ from: fromLocalInput(e.target.value) })}
          />
        </label>
        <label>
          <span>To</span>
          <input
            type="datetime-local"
            name="to"
            value={toLocalInput(filters.to)}
            onChange={(e) => update({ to: fromLocalInput(e.target.value) })}
          />
        </label>
        {(Object.values(filters).some(Boolean) || matchStatus) && (
          <button type="button" className="btn btn-link" onClick={() => setQuery({})}>
            Clear
          </button>
        )}
      </form>
      {matchStatus && <SalesByMatch matchStatus={matchStatus} />}
      {!matchStatus && dead && (
        <ReplayDead filters={filters} onDone={first.reload} count={items.length} more={Boolean(nextCursor)} />
      )}
      {!matchStatus && (
        <>
          <ErrorNote error={first.error} />
          {!first.data && !first.error && <Spinner />}
          {first.data && items.length === 0 && (
            <Card>
              <p className="muted">
                {dead ? 'No dead deliveries match these filters. ' : 'No events match these filters yet. '}
                {!dead && (
                  <>
                    Send one from <Link href="/onboarding">Setup</Link> or with <code>POST /api/v1/events</code>.
                  </>
                )}
              </p>
            </Card>
          )}
          {items.length > 0 && (
            <div className="table-wrap">
              <table className="table events-table" data-testid="events-table">
                <thead>
                  <tr>
                    <th>Received</th>
                    <th>Event</th>
                    <th>Event id</th>
                    <th>Source</th>
                    <th>Deliveries</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={e.id} className="clickable" onClick={() => navigate(`/events/${e.id}`)}>
                      <td data-label="Received" title={dateTime(e.received_at)}>
                        {ago(e.received_at)}
                      </td>
                      <td data-label="Event">
                        <Link href={`/events/${e.id}`} className="event-name" onClick={(ev) => ev.stopPropagation()}>
                          {e.event_name}
                        </Link>
                        {e.is_test && <Badge tone="info">test</Badge>}
                        {!e.consent_ads && <Badge tone="muted">no consent</Badge>}
                      </td>
                      <td data-label="Event id" className="mono ellipsis" title={e.event_id}>
                        {e.event_id}
                      </td>
                      <td data-label="Source">{e.source}</td>
                      <td data-label="Deliveries">
                        <span className="badges">
                          {e.deliveries.length === 0 && <span className="muted">none</span>}
                          {e.deliveries.map((d) => (
                            <StatusBadge
                              key={d.destination_id}
                              status={d.status}
                              title={`${names.get(d.destination_id) ?? d.destination_id}: ${d.status}${
                                d.last_error ? ` — ${d.last_error}` : ''
                              }`}
                            />
                          ))}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {nextCursor && (
            <div className="center">
              <button className="btn" onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load older events'}
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function ReplayDead({
  filters,
  onDone,
  count,
  more,
}: {
  filters: { event_name?: string; destination_id?: string; from?: string; to?: string };
  onDone: () => void;
  count: number;
  more: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const replay = async () => {
    const scope = [
      filters.event_name && `named ${filters.event_name}`,
      filters.destination_id && 'to this destination',
      (filters.from || filters.to) && 'in this time range',
    ]
      .filter(Boolean)
      .join(', ');
    if (!window.confirm(`Send every dead delivery${scope ? ` ${scope}` : ''} again?`)) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ replayed: number }>('/replay', {
        body: {
          statuses: ['dead'],
          destination_id: filters.destination_id,
          event_name: filters.event_name,
          from: filters.from,
          to: filters.to,
        },
      });
      setResult(res.replayed);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card className="dead-actions">
      <div className="row-between">
        <p>
          Deliveries that failed after every retry. Fix the cause (token, payload, destination) and send them again:
          they keep their <code>event_id</code>, so the platform still deduplicates.
        </p>
        <button className="btn btn-danger" onClick={() => void replay()} disabled={busy || count === 0}>
          {busy ? 'Replaying…' : `Replay all dead${more ? '' : ` (${count})`}`}
        </button>
      </div>
      {result !== null && (
        <Notice tone="ok">
          {result} deliver{result === 1 ? 'y' : 'ies'} queued again.
        </Notice>
      )}
      <ErrorNote error={error} />
    </Card>
  );
}
