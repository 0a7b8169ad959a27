import type { DeliverySummary, EventItem } from '../api.ts';
import type { useEventPages } from '../events-list.ts';
import { ago, dateTime } from '../format.ts';
import { Link, navigate } from '../router.tsx';
import { Badge, StatusBadge } from './ui.tsx';

type EventPages = ReturnType<typeof useEventPages>;

/** Statuses that will not be delivered without a replay: why they stopped is shown in the list. */
export const PROBLEM_STATUSES = new Set(['failed', 'dead']);

/** Lists an event page can be opened from: its back link and the sidebar return to them. */
export const EVENT_LISTS = ['/events', '/dead-letters'] as const;

/**
 * The link to an event's page. `back` is the list the user opens it from (with its filters), so the
 * event page's back link and the sidebar return there; plain /events is the default and left out.
 */
export function eventHref(id: string, back?: string): string {
  const path = `/events/${encodeURIComponent(id)}`;
  return back && back !== '/events' ? `${path}?back=${encodeURIComponent(back)}` : path;
}

function problemLine(d: DeliverySummary, destinationName: string | undefined, several: boolean): string {
  const reason = d.last_error ?? (d.status === 'dead' ? 'gave up after every retry' : 'rejected');
  return several ? `${destinationName ?? d.destination_id}: ${reason}` : reason;
}

/** Events, newest first: each row opens the event; deliveries that failed say why. */
export function EventsTable({
  items,
  destinationNames,
  back,
}: {
  items: EventItem[];
  destinationNames: Map<string, string>;
  back: string;
}) {
  return (
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
          {items.map((e) => {
            const href = eventHref(e.id, back);
            const problems = e.deliveries.filter((d) => PROBLEM_STATUSES.has(d.status));
            const several = e.deliveries.length > 1;
            return (
              <tr key={e.id} className="clickable" onClick={() => navigate(href)}>
                <td data-label="Received" title={dateTime(e.received_at)}>
                  {ago(e.received_at)}
                </td>
                <td data-label="Event">
                  <Link href={href} className="event-name" onClick={(ev) => ev.stopPropagation()}>
                    {e.event_name}
                  </Link>
                  {e.is_test && <Badge tone="info">test</Badge>}
                  {!e.consent_ads && <Badge tone="muted">no consent</Badge>}
                </td>
                <td data-label="Event id" className="mono ellipsis" title={e.event_id}>
                  {e.event_id}
                </td>
                <td data-label="Source">{e.source}</td>
                <td data-label="Deliveries" className="deliveries-cell">
                  <span className="badges">
                    {e.deliveries.length === 0 && <span className="muted">none</span>}
                    {e.deliveries.map((d) => (
                      <StatusBadge
                        key={d.destination_id}
                        status={d.status}
                        title={`${destinationNames.get(d.destination_id) ?? d.destination_id}: ${d.status}${
                          d.last_error ? ` — ${d.last_error}` : ''
                        }`}
                      />
                    ))}
                  </span>
                  {problems.map((d) => {
                    const line = problemLine(d, destinationNames.get(d.destination_id), several);
                    return (
                      <span key={d.destination_id} className="delivery-error" title={line} data-testid="delivery-error">
                        {line}
                      </span>
                    );
                  })}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** "Load older events" under an events list while it has more pages. */
export function LoadOlderEvents({ list }: { list: Pick<EventPages, 'nextCursor' | 'loadMore' | 'loadingMore'> }) {
  if (!list.nextCursor) return null;
  return (
    <div className="center">
      <button className="btn" onClick={() => void list.loadMore()} disabled={list.loadingMore}>
        {list.loadingMore ? 'Loading…' : 'Load older events'}
      </button>
    </div>
  );
}
