import { useEffect, useState } from 'react';
import { api, type EventItem, type Page } from './api.ts';
import { useLoad } from './components/ui.tsx';

export interface EventFilters {
  event_name?: string;
  destination_id?: string;
  from?: string;
  to?: string;
}

/** A page of events, newest first, with a delivery in any of `statuses` (any status when empty). */
export async function fetchEvents(
  filters: EventFilters,
  statuses: readonly string[],
  cursor?: string | null,
  limit = 50,
): Promise<Page<EventItem>> {
  const status = statuses.length > 0 ? statuses.join(',') : undefined;
  return api<Page<EventItem>>('/events', { query: { ...filters, status, limit, cursor: cursor ?? undefined } });
}

const COUNT_LIMIT = 200;

export interface Count {
  n: number;
  /** There are more than n (the count stopped at the API's page size). */
  more: boolean;
}

/** How many events have a delivery in each status (up to 200 each), and in any of them. */
export async function countEvents(filters: EventFilters, statuses: readonly string[]) {
  const [any, ...pages] = await Promise.all([
    fetchEvents(filters, statuses, null, COUNT_LIMIT),
    ...statuses.map((s) => fetchEvents(filters, [s], null, COUNT_LIMIT)),
  ]);
  const count = (p: Page<EventItem>): Count => ({ n: p.items.length, more: Boolean(p.next_cursor) });
  const byStatus: Record<string, Count> = {};
  statuses.forEach((s, i) => (byStatus[s] = count(pages[i]!)));
  return { byStatus, any: count(any!) };
}

export const countLabel = (c: Count | undefined) => (c ? `${c.n.toLocaleString()}${c.more ? '+' : ''}` : '…');

/** The events list: its first page refreshed live (while nothing older is shown), older pages on demand. */
export function useEventPages(filters: EventFilters, statuses: readonly string[], live: boolean, liveMs: number) {
  const key = JSON.stringify([filters, statuses]);
  const [more, setMore] = useState<EventItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);
  const first = useLoad(() => fetchEvents(filters, statuses), [key], live && more.length === 0 ? liveMs : undefined);
  useEffect(() => {
    setMore([]);
    setCursor(null);
    setMoreError(null);
  }, [key]);
  const nextCursor = more.length ? cursor : (first.data?.next_cursor ?? null);

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await fetchEvents(filters, statuses, nextCursor);
      setMore((m) => [...m, ...page.items]);
      setCursor(page.next_cursor);
    } catch (err) {
      setMoreError(err);
    } finally {
      setLoadingMore(false);
    }
  };
  const reload = () => {
    setMore([]);
    setCursor(null);
    first.reload();
  };
  const items = [...(first.data?.items ?? []), ...more];
  return { first, items, nextCursor, loadMore, loadingMore, moreError, reload };
}
