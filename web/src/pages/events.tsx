import { useState } from 'react';
import { api, optional, type Destination, type Page } from '../api.ts';
import { EventsTable, LoadOlderEvents } from '../components/events-table.tsx';
import { ClearFilters, DateRangeFilter, DestinationFilter, EventNameFilter } from '../components/filters.tsx';
import { Card, ErrorNote, IgnoredParams, Notice, Spinner, useLoad } from '../components/ui.tsx';
import { useEventPages } from '../events-list.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import { UrlParams } from '../url-params.ts';
import { MATCH_STATUSES, SalesByMatch } from './sales.tsx';

export const STATUSES = ['pending', 'processing', 'delivered', 'failed', 'dead', 'deduplicated', 'skipped'] as const;
const LIVE_MS = 3000;

/** Events explorer: newest first, filters in the URL, cursor pagination, live refresh of the first page. */
export function EventsPage() {
  const { path, query } = useLocation();
  const params = new UrlParams(query);
  const filters = {
    status: params.oneOf('status', STATUSES),
    event_name: params.text('event_name'),
    destination_id: params.uuid('destination_id'),
    from: params.date('from'),
    to: params.date('to'),
  };
  const matchStatus = params.oneOf('match', MATCH_STATUSES);
  const [live, setLive] = useState(true);

  const destinations = useLoad(() => api<{ items: Destination[] }>('/destinations'), []);
  // Gateway sales carry a match status; the filter shows when this server has the conversions API.
  const hasSales = useLoad(() => optional<Page<unknown>>('/conversions', { query: { limit: 1 } }), []);
  const { status, ...rest } = filters;
  const list = useEventPages(rest, status ? [status] : [], live, LIVE_MS);
  const { first, items } = list;

  const update = (patch: Record<string, string | undefined>) => setQuery({ ...filters, match: matchStatus, ...patch });
  const names = new Map((destinations.data?.items ?? []).map((d) => [d.id, d.name]));
  const back = `${path}${query.toString() ? `?${query}` : ''}`;

  return (
    <div className="page">
      <header className="page-head">
        <h1>Events</h1>
        <label className="toggle" title="Refresh the first page every few seconds">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
      </header>
      <IgnoredParams ignored={params.ignored} />
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
        <EventNameFilter value={filters.event_name} update={update} />
        <DestinationFilter value={filters.destination_id} destinations={destinations.data?.items} update={update} />
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
        <DateRangeFilter from={filters.from} to={filters.to} update={update} />
        <ClearFilters
          shown={Object.values(filters).some(Boolean) || Boolean(matchStatus) || params.ignored.length > 0}
          onClear={() => setQuery({})}
        />
      </form>
      {(filters.status === 'dead' || filters.status === 'failed') && !matchStatus && (
        <Notice>
          Dead and failed deliveries, with why they stopped, are also listed under{' '}
          <Link href={`/dead-letters?status=${filters.status}`}>Dead letters</Link>, where they can be replayed in bulk.
        </Notice>
      )}
      {matchStatus && <SalesByMatch matchStatus={matchStatus} />}
      {!matchStatus && (
        <>
          <ErrorNote error={first.error} />
          {!first.data && !first.error && <Spinner />}
          {first.data && items.length === 0 && (
            <Card>
              <p className="muted">
                No events match these filters yet. Send one from <Link href="/onboarding">Setup</Link> or with{' '}
                <code>POST /api/v1/events</code>.
              </p>
            </Card>
          )}
          {items.length > 0 && <EventsTable items={items} destinationNames={names} back={back} />}
          <LoadOlderEvents list={list} />
        </>
      )}
    </div>
  );
}
