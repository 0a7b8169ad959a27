import { useEffect, useState } from 'react';
import { api, type LedgerEntry, type Page, type Verify } from '../api.ts';
import { DateRangeFilter, TextFilter } from '../components/filters.tsx';
import { Card, ErrorNote, IgnoredParams, Json, Notice, Spinner, useLoad } from '../components/ui.tsx';
import { ago, dateTime } from '../format.ts';
import { setQuery, useLocation } from '../router.tsx';
import { UrlParams } from '../url-params.ts';

const TYPES = [
  'destination.created',
  'destination.updated',
  'destination.deleted',
  'destination.paused',
  'delivery.replayed',
  'delivery.batch_delivered',
  'delivery.batch_retryable',
  'delivery.batch_permanent',
  'api_key.created',
  'api_key.revoked',
];

/** The tenant's hash-chained audit trail, filterable, with the chain's verification. */
export function AuditPage() {
  const { query } = useLocation();
  const params = new UrlParams(query);
  const filters = {
    type: params.text('type', 200),
    entity: params.text('entity', 300),
    from: params.date('from'),
    to: params.date('to'),
  };
  const key = JSON.stringify(filters);
  const verify = useLoad(() => api<Verify>('/ledger/verify'), []);
  const first = useLoad(() => api<Page<LedgerEntry>>('/ledger', { query: { ...filters, limit: 50 } }), [key]);
  const [more, setMore] = useState<LedgerEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  useEffect(() => {
    setMore([]);
    setCursor(null);
  }, [key]);
  const next = more.length ? cursor : (first.data?.next_cursor ?? null);
  const loadMore = async () => {
    if (!next) return;
    const page = await api<Page<LedgerEntry>>('/ledger', { query: { ...filters, limit: 50, cursor: next } });
    setMore((m) => [...m, ...page.items]);
    setCursor(page.next_cursor);
  };
  const update = (patch: Record<string, string | undefined>) => setQuery({ ...filters, ...patch });
  const items = [...(first.data?.items ?? []), ...more];

  return (
    <div className="page">
      <header className="page-head">
        <h1>Audit</h1>
      </header>
      <IgnoredParams ignored={params.ignored} />
      {verify.data ? (
        verify.data.ok ? (
          <Notice tone="ok">
            <span data-testid="ledger-verified">
              ✓ Hash chain verified: {verify.data.entries.toLocaleString()} entries, none altered or missing.
            </span>{' '}
            <button className="btn btn-link" onClick={verify.reload}>
              Verify again
            </button>
          </Notice>
        ) : (
          <Notice tone="bad">
            ✗ The chain breaks at entry {verify.data.broken_at}: {verify.data.problem}
          </Notice>
        )
      ) : (
        <ErrorNote error={verify.error} />
      )}
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Audit filters">
        <TextFilter name="type" label="Type" list="ledger-types" value={filters.type} placeholder="any" update={update}>
          <datalist id="ledger-types">
            {TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </TextFilter>
        <TextFilter
          name="entity"
          label="Entity"
          value={filters.entity}
          placeholder="destination or destination:<id>"
          update={update}
        />
        <DateRangeFilter from={filters.from} to={filters.to} update={update} />
      </form>
      <ErrorNote error={first.error} />
      {!first.data && !first.error && <Spinner />}
      {first.data && items.length === 0 && (
        <Card>
          <p className="muted">No entries match these filters.</p>
        </Card>
      )}
      <ol className="ledger" data-testid="ledger">
        {items.map((e) => (
          <li key={e.seq} className="ledger-entry">
            <div className="ledger-head">
              <span className="ledger-seq mono">#{e.seq}</span>
              <span className="ledger-type">{e.type}</span>
              <span className="muted small" title={dateTime(e.at)}>
                {ago(e.at)}
              </span>
            </div>
            <div className="ledger-meta small">
              <span>
                {e.entity_type}
                {e.entity_id ? <span className="mono"> {e.entity_id}</span> : null}
              </span>
              <span className="muted">by {e.actor}</span>
            </div>
            <Json value={e.data} collapsed label="Data" />
          </li>
        ))}
      </ol>
      {next && (
        <div className="center">
          <button className="btn" onClick={() => void loadMore()}>
            Load older entries
          </button>
        </div>
      )}
    </div>
  );
}
