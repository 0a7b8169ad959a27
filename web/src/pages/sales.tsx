import { api, type Page } from '../api.ts';
import { Card, ErrorNote, Spinner, StatusBadge, useLoad } from '../components/ui.tsx';
import { ago, dateTime } from '../format.ts';
import { Link } from '../router.tsx';

export interface Sale {
  id: string;
  gateway: string;
  order_id: string;
  status: string;
  amount: number;
  currency: string;
  created_at: string;
  match: { status?: string; score?: number; rule?: string | null };
  purchase_event_id: string;
}

export const MATCH_STATUSES = ['matched', 'review', 'unmatched', 'pending'];

/** Gateway sales filtered by how they matched a click (the events list has no match dimension). */
export function SalesByMatch({ matchStatus }: { matchStatus: string }) {
  const sales = useLoad(
    () => api<Page<Sale>>('/conversions', { query: { match_status: matchStatus, limit: 100 } }),
    [matchStatus],
    5000,
  );
  if (sales.error) return <ErrorNote error={sales.error} />;
  if (!sales.data) return <Spinner />;
  if (sales.data.items.length === 0) {
    return (
      <Card>
        <p className="muted">No gateway sale with match status “{matchStatus}”.</p>
      </Card>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table" data-testid="sales-table">
        <thead>
          <tr>
            <th>Received</th>
            <th>Order</th>
            <th>Gateway</th>
            <th>Amount</th>
            <th>Sale</th>
            <th>Match</th>
          </tr>
        </thead>
        <tbody>
          {sales.data.items.map((s) => (
            <tr key={s.id}>
              <td data-label="Received" title={dateTime(s.created_at)}>
                {ago(s.created_at)}
              </td>
              <td data-label="Order">
                <Link href={`/events/${encodeURIComponent(s.purchase_event_id)}`} className="mono">
                  {s.order_id}
                </Link>
              </td>
              <td data-label="Gateway">{s.gateway}</td>
              <td data-label="Amount">
                {s.amount.toLocaleString(undefined, { style: 'currency', currency: s.currency })}
              </td>
              <td data-label="Sale">
                <StatusBadge status={s.status} />
              </td>
              <td data-label="Match">
                <StatusBadge status={s.match.status ?? 'pending'} />{' '}
                {s.match.score != null && <span className="muted small">{s.match.score.toFixed(2)}</span>}{' '}
                {s.match.rule && <span className="muted small mono">{s.match.rule}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
