import { useEffect, useState } from 'react';
import { api, type EventItem, type Page } from './api.ts';
import { useLoad } from './components/ui.tsx';

export interface EventFilters {
  event_name?: string;
  destination_id?: string;
  from?: string;
  to?: string;
}

/**
 * A page of events, newest first, with a delivery in any of `statuses` (any status when empty).
 * GET /events takes one status, so several are read side by side from the same cursor and merged:
 * ids are time-ordered, and the merge stops at the oldest id every unfinished list has reached, so
 * no event is skipped; the next page starts there.
 */
export async function fetchEvents(
  filters: EventFilters,
  statuses: readonly string[],
  cursor?: string | null,
  limit = 50,
): Promise<Page<EventItem>> {
  const one = (status?: string) =>
    api<Page<EventItem>>('/events', { query: { ...filters, status, limit, cursor: cursor ?? undefined } });
  if (statuses.length <= 1) return one(statuses[0]);
  const pages = await Promise.all(statuses.map((s) => one(s)));
  const reached = pages
    .filter((p) => p.next_cursor)
    .map((p) => p.items[p.items.length - 1]?.id ?? '')
    .sort();
  const boundary = reached[reached.length - 1];
  const byId = new Map<string, EventItem>();
  for (const p of pages) for (const e of p.items) if (!boundary || e.id >= boundary) byId.set(e.id, e);
  const items = [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return { items, next_cursor: boundary ? (items[items.length - 1]?.id ?? null) : null };
}

const COUNT_LIMIT = 200;

export interface Count {
  n: number;
  /** There are more than n (the count stopped at the API's page size). */
  more: boolean;
}

/** How many events have a delivery in each status (up to 200 each), and in any of them. */
export async function countEvents(filters: EventFilters, statuses: readonly string[]) {
  const pages = await Promise.all(statuses.map((s) => fetchEvents(filters, [s], null, COUNT_LIMIT)));
  const counts: Record<string, Count> = {};
  statuses.forEach((s, i) => {
    const p = pages[i] as Page<EventItem>;
    counts[s] = { n: p.items.length, more: Boolean(p.next_cursor) };
  });
  const any = new Set(pages.flatMap((p) => p.items.map((e) => e.id)));
  const more = pages.some((p) => p.next_cursor);
  return { byStatus: counts, any: { n: more ? Math.max(...pages.map((p) => p.items.length)) : any.size, more } };
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
