import { useState } from 'react';
import { api, type Destination } from '../api.ts';
import { EventsTable, LoadOlderEvents } from '../components/events-table.tsx';
import { ClearFilters, DateRangeFilter, DestinationFilter, EventNameFilter } from '../components/filters.tsx';
import { Card, ErrorNote, IgnoredParams, Notice, Spinner, useLoad } from '../components/ui.tsx';
import { countEvents, countLabel, useEventPages, type EventFilters } from '../events-list.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import { UrlParams } from '../url-params.ts';

const LIVE_MS = 3000;
const COUNTS_MS = 10_000;

/** The views of the page: `?status=dead`, `?status=failed`, or both (no status). */
const VIEWS = {
  both: { statuses: ['dead', 'failed'], label: 'Dead and failed', replay: 'dead and failed', none: 'dead or failed' },
  dead: { statuses: ['dead'], label: 'Dead', replay: 'dead', none: 'dead' },
  failed: { statuses: ['failed'], label: 'Failed', replay: 'failed', none: 'failed' },
} as const;
type View = keyof typeof VIEWS;

/**
 * Deliveries that will not arrive without someone acting: dead ones (every retry used up) and
 * failed ones (rejected for good), with why, and a replay of everything the filters show.
 */
export function DeadLettersPage() {
  const { path, query } = useLocation();
  const params = new UrlParams(query);
  const view: View = params.oneOf('status', ['dead', 'failed'] as const) ?? 'both';
  const filters: EventFilters = {
    event_name: params.text('event_name'),
    destination_id: params.uuid('destination_id'),
    from: params.date('from'),
    to: params.date('to'),
  };
  const { statuses } = VIEWS[view];
  const [live, setLive] = useState(true);

  const destinations = useLoad(() => api<{ items: Destination[] }>('/destinations'), []);
  const list = useEventPages(filters, statuses, live, LIVE_MS);
  const counts = useLoad(
    () => countEvents(filters, ['dead', 'failed']),
    [JSON.stringify(filters)],
    live ? COUNTS_MS : undefined,
  );
  const { first, items, nextCursor } = list;
  const names = new Map((destinations.data?.items ?? []).map((d) => [d.id, d.name]));
  const back = `${path}${query.toString() ? `?${query}` : ''}`;
  const update = (patch: Record<string, string | undefined>) =>
    setQuery({ status: view === 'both' ? undefined : view, ...filters, ...patch });
  const countOf = (v: View) => countLabel(v === 'both' ? counts.data?.any : counts.data?.byStatus[v]);

  return (
    <div className="page">
      <header className="page-head">
        <h1>Dead letters</h1>
        <label className="toggle" title="Refresh the first page every few seconds">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
      </header>
      <IgnoredParams ignored={params.ignored} />
      <div className="segmented" role="group" aria-label="Status">
        {(Object.keys(VIEWS) as View[]).map((v) => (
          <button
            key={v}
            type="button"
            className={v === view ? 'segment active' : 'segment'}
            aria-pressed={v === view}
            data-testid={`view-${v}`}
            onClick={() => update({ status: v === 'both' ? undefined : v })}
          >
            {VIEWS[v].label} <span className="segment-count">{countOf(v)}</span>
          </button>
        ))}
      </div>
      <dl className="status-legend small">
        <dt>
          <span className="badge badge-bad">dead</span>
        </dt>
        <dd>
          Every retry was used up: the destination was down, throttled or timing out. Rastro stopped trying; the event
          itself is usually fine, so replay it once the destination is back.
        </dd>
        <dt>
          <span className="badge badge-warn">failed</span>
        </dt>
        <dd>
          Rejected for good: the event lacks something the destination requires (e.g. a user agent for a website event),
          or the platform refused it with a permanent error. Rastro does not retry it: fix the cause, then replay.
        </dd>
      </dl>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <EventNameFilter value={filters.event_name} update={update} />
        <DestinationFilter value={filters.destination_id} destinations={destinations.data?.items} update={update} />
        <DateRangeFilter from={filters.from} to={filters.to} update={update} />
        <ClearFilters
          shown={Object.values(filters).some(Boolean) || params.ignored.length > 0}
          onClear={() => setQuery({ status: view === 'both' ? undefined : view })}
        />
      </form>
      <Replay
        view={view}
        filters={filters}
        shown={items.length}
        more={Boolean(nextCursor)}
        onDone={() => {
          list.reload();
          counts.reload();
        }}
      />
      <ErrorNote error={first.error} />
      {!first.data && !first.error && <Spinner />}
      {first.data && items.length === 0 && (
        <Card>
          <p className="muted">
            No {VIEWS[view].none} deliveries match these filters. Everything else was delivered, is on its way, or was
            skipped on purpose (duplicates, no consent): see <Link href="/events">Events</Link>.
          </p>
        </Card>
      )}
      {items.length > 0 && <EventsTable items={items} destinationNames={names} back={back} />}
      <ErrorNote error={list.moreError} />
      <LoadOlderEvents list={list} />
    </div>
  );
}

/** POST /replay with the page's filters: every delivery the list shows (and older ones not loaded yet). */
function Replay({
  view,
  filters,
  shown,
  more,
  onDone,
}: {
  view: View;
  filters: EventFilters;
  shown: number;
  more: boolean;
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const what = VIEWS[view].replay;
  if (shown === 0 && result === null && !error) return null;
  const replay = async () => {
    const scope = [
      filters.event_name && `named ${filters.event_name}`,
      filters.destination_id && 'to this destination',
      (filters.from || filters.to) && 'in this time range',
    ]
      .filter(Boolean)
      .join(', ');
    if (!window.confirm(`Send every ${what} delivery${scope ? ` ${scope}` : ''} again?`)) return;
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ replayed: number }>('/replay', {
        body: { statuses: VIEWS[view].statuses, ...filters },
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
          Fix the cause (token, payload, destination) and send them again: they keep their <code>event_id</code>, so the
          platform still deduplicates.
        </p>
        <button className="btn btn-danger" onClick={() => void replay()} disabled={busy || shown === 0}>
          {busy ? 'Replaying…' : `Replay all ${what}${more ? '' : ` (${shown})`}`}
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
