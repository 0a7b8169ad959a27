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

export interface Count {
  n: number;
  /** There are more than n (the API counts up to its limit, 10,000). */
  more: boolean;
}

/** How many events match the filters with a delivery in `statuses` (any of them). */
async function countMatching(filters: EventFilters, statuses: readonly string[]): Promise<Count> {
  const { count, capped } = await api<{ count: number; capped: boolean }>('/events/count', {
    query: { ...filters, status: statuses.join(',') },
  });
  return { n: count, more: capped };
}

/** How many events have a delivery in each status, and in any of them. */
export async function countEvents(filters: EventFilters, statuses: readonly string[]) {
  const [any, ...each] = await Promise.all([
    countMatching(filters, statuses),
    ...statuses.map((s) => countMatching(filters, [s])),
  ]);
  const byStatus: Record<string, Count> = {};
  statuses.forEach((s, i) => (byStatus[s] = each[i]!));
  return { byStatus, any: any! };
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
