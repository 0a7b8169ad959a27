import { useState } from 'react';
import { emqBand, estimateEmq, identifiersOf, type IdentifiedEvent } from '../../../src/quality/emq.ts';
import { api, optional, type DeliveryDetail, type EventDetail, type Page } from '../api.ts';
import { EVENT_LISTS } from '../components/events-table.tsx';
import { Badge, Card, ErrorNote, Json, Notice, Spinner, StatusBadge, useLoad } from '../components/ui.tsx';
import { ago, dateTime, ms } from '../format.ts';
import { Link, useLocation } from '../router.tsx';
import { UrlParams } from '../url-params.ts';

const UNSETTLED = new Set(['pending', 'processing']);

export const IDENTIFIER_LABELS: Record<string, string> = {
  em: 'Email',
  ph: 'Phone',
  fbc: 'Click id (fbc)',
  fbp: 'Browser id (fbp)',
  client_ip: 'IP address',
  user_agent: 'User agent',
  external_id: 'External id',
  fn: 'First name',
  ln: 'Last name',
  ct: 'City',
  st: 'State',
  zp: 'Zip',
  country: 'Country',
  db: 'Birth date',
  ge: 'Gender',
};

/** One event: what was received, how it matched, what was sent to each destination, every attempt. */
export function EventDetailPage({ id }: { id: string }) {
  // The list this event was opened from (with its filters): the back link returns there.
  const { query } = useLocation();
  const backHref = new UrlParams(query).path('back', EVENT_LISTS) ?? '/events';
  const backLink = (
    <Link href={backHref} className="back" data-testid="back-link">
      ← {backHref.startsWith('/dead-letters') ? 'Dead letters' : 'Events'}
    </Link>
  );
  const [polling, setPolling] = useState(true);
  const detail = useLoad(
    async () => {
      const d = await api<EventDetail>(`/events/${encodeURIComponent(id)}`);
      setPolling(d.deliveries.some((x) => UNSETTLED.has(x.status)));
      return d;
    },
    [id],
    polling ? 2000 : undefined,
  );
  const conversion = useLoad(async () => {
    const d = detail.data;
    const orderId = (d?.received.custom_data as { order_id?: string } | undefined)?.order_id;
    if (!d?.source.startsWith('webhook:') || !orderId) return null;
    const page = await optional<Page<Conversion>>('/conversions', {
      query: { order_id: orderId, gateway: d.source.slice('webhook:'.length), limit: 1 },
    });
    return page?.items[0] ?? null;
  }, [detail.data?.id]);
  const [replayNote, setReplayNote] = useState<string | null>(null);
  const [replayError, setReplayError] = useState<unknown>(null);

  const replay = async (destinationId?: string) => {
    setReplayError(null);
    try {
      const res = await api<{ replayed: number }>(`/replay/${encodeURIComponent(id)}`, {
        body: destinationId ? { destination_id: destinationId } : {},
      });
      setReplayNote(
        res.replayed === 0
          ? 'Nothing to replay: deliveries that are pending or skipped (no consent) are not sent again.'
          : `${res.replayed} deliver${res.replayed === 1 ? 'y' : 'ies'} queued again.`,
      );
      setPolling(true);
      detail.reload();
    } catch (err) {
      setReplayError(err);
    }
  };

  if (detail.error && !detail.data) {
    return (
      <div className="page">
        {backLink}
        <ErrorNote error={detail.error} />
      </div>
    );
  }
  const d = detail.data;
  if (!d) return <Spinner />;
  const ids = identifiersOf(d.received as IdentifiedEvent);
  const emq = estimateEmq(ids);
  const match = d.match ?? (d.received.match as Record<string, unknown> | undefined) ?? conversion.data?.match ?? null;

  return (
    <div className="page">
      {backLink}
      <header className="page-head">
        <div>
          <h1 data-testid="event-title">
            {d.event_name} {d.is_test && <Badge tone="info">test</Badge>}{' '}
            {!d.consent_ads && <Badge tone="muted">no consent</Badge>}
          </h1>
          <p className="muted mono small">
            event_id {d.event_id} · id {d.id}
          </p>
        </div>
        <button className="btn" onClick={() => void replay()} disabled={d.deliveries.length === 0}>
          Replay to every destination
        </button>
      </header>
      {replayNote && <Notice tone="ok">{replayNote}</Notice>}
      <ErrorNote error={replayError} />

      <div className="grid-2">
        <Card title="Received">
          <dl className="facts">
            <dt>Received</dt>
            <dd title={d.received_at}>
              {dateTime(d.received_at)} ({ago(d.received_at)})
            </dd>
            <dt>Event time</dt>
            <dd>{dateTime(d.event_time)}</dd>
            <dt>Source</dt>
            <dd>{d.source}</dd>
          </dl>
          <Json value={d.received} collapsed label="Canonical event (identifiers hashed)" />
        </Card>
        <Card title="Matching">
          <div className="emq-line">
            <span className={`emq-score band-${emqBand(emq)}`} data-testid="event-emq">
              {emq.toFixed(1)}
            </span>
            <span>
              match-quality estimate <span className="muted">({emqBand(emq)})</span>
            </span>
          </div>
          <div className="chips">
            {ids.length === 0 && <span className="muted">No customer information</span>}
            {ids.map((i) => (
              <span key={i} className="chip">
                {IDENTIFIER_LABELS[i] ?? i}
              </span>
            ))}
          </div>
          {match ? (
            <MatchInfo match={match} conversion={conversion.data ?? null} />
          ) : (
            <p className="muted small">
              No click was matched to this event: it carries only its own identifiers. Conversions from payment gateways
              show here the click they were matched to, the rule, the score and the evidence.
            </p>
          )}
        </Card>
      </div>

      <h2 className="section-title">Deliveries</h2>
      {d.deliveries.length === 0 && (
        <Card>
          <p className="muted">No destination was configured when this event arrived.</p>
        </Card>
      )}
      {d.deliveries.map((delivery) => (
        <DeliveryCard key={delivery.id} delivery={delivery} onReplay={() => void replay(delivery.destination_id)} />
      ))}
    </div>
  );
}

interface Conversion {
  id: string;
  gateway: string;
  order_id: string;
  status: string;
  amount: number;
  currency: string;
  match: Record<string, unknown>;
}

interface Evidence {
  rule: string;
  weight: number;
  detail: string;
}

function MatchInfo({ match, conversion }: { match: Record<string, unknown>; conversion: Conversion | null }) {
  const { rule, score, status, evidence, ...rest } = match as {
    rule?: string;
    score?: number;
    status?: string;
    evidence?: unknown;
  } & Record<string, unknown>;
  const list = Array.isArray(evidence) ? (evidence as Evidence[]) : null;
  return (
    <div className="match" data-testid="match-info">
      <dl className="facts">
        {conversion && (
          <>
            <dt>Sale</dt>
            <dd>
              {conversion.gateway} order <span className="mono">{conversion.order_id}</span> ·{' '}
              {conversion.amount.toLocaleString(undefined, { style: 'currency', currency: conversion.currency })} ·{' '}
              <StatusBadge status={conversion.status} />
            </dd>
          </>
        )}
        {status !== undefined && (
          <>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={String(status)} />
            </dd>
          </>
        )}
        {rule != null && (
          <>
            <dt>Rule</dt>
            <dd>{String(rule)}</dd>
          </>
        )}
        {score != null && (
          <>
            <dt>Score</dt>
            <dd>{Number(score).toFixed(2)}</dd>
          </>
        )}
      </dl>
      {list && list.length > 0 && (
        <ul className="evidence">
          {list.map((e, i) => (
            <li key={`${e.rule}-${i}`}>
              <span className="mono">{e.rule}</span> <span className="muted">+{Number(e.weight).toFixed(2)}</span>{' '}
              {e.detail}
            </li>
          ))}
        </ul>
      )}
      {evidence !== undefined && !list && <Json value={evidence} label="Evidence" collapsed />}
      {Object.keys(rest).length > 0 && <Json value={rest} label="Details" collapsed />}
    </div>
  );
}

function DeliveryCard({ delivery: x, onReplay }: { delivery: DeliveryDetail; onReplay: () => void }) {
  return (
    <Card
      className="delivery"
      title={
        <span className="delivery-title">
          {x.destination_name ?? x.destination_id} <span className="muted small">{x.destination_type}</span>{' '}
          <StatusBadge status={x.status} />
        </span>
      }
      actions={
        <button className="btn btn-small" onClick={onReplay} data-testid="replay-delivery">
          Replay
        </button>
      }
    >
      <dl className="facts facts-inline">
        <dt>Attempts</dt>
        <dd>{x.attempts}</dd>
        <dt>Replays</dt>
        <dd>{x.replays}</dd>
        {x.match_quality != null && (
          <>
            <dt>Match quality sent</dt>
            <dd>{x.match_quality.toFixed(1)}</dd>
          </>
        )}
        {x.delivered_at && (
          <>
            <dt>Delivered</dt>
            <dd title={x.delivered_at}>{ago(x.delivered_at)}</dd>
            <dt>Latency</dt>
            <dd>{ms(x.latency_ms)}</dd>
          </>
        )}
        {x.next_attempt_at && (
          <>
            <dt>Next attempt</dt>
            <dd>{ago(x.next_attempt_at)}</dd>
          </>
        )}
      </dl>
      {x.last_error && <Notice tone={x.status === 'delivered' ? 'info' : 'warn'}>{x.last_error}</Notice>}
      {x.sent_payload && <Json value={x.sent_payload} collapsed label="Sent payload (hashed)" />}
      {x.attempts_log.length > 0 && (
        <div className="table-wrap">
          <table className="table attempts" data-testid="attempts-table">
            <thead>
              <tr>
                <th>#</th>
                <th>At</th>
                <th>Outcome</th>
                <th>HTTP</th>
                <th>Trace id</th>
                <th>Duration</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {x.attempts_log.map((a, i) => (
                <tr key={`${a.at}-${i}`}>
                  <td data-label="#">{i + 1}</td>
                  <td data-label="At" title={a.at}>
                    {dateTime(a.at)}
                  </td>
                  <td data-label="Outcome">
                    <StatusBadge status={a.outcome} />
                    {a.status && a.status !== a.outcome && <span className="muted small"> → {a.status}</span>}
                  </td>
                  <td data-label="HTTP">{a.http_status ?? '—'}</td>
                  <td data-label="Trace id" className="mono" data-testid="trace-id">
                    {a.trace_id ?? '—'}
                  </td>
                  <td data-label="Duration">{ms(a.duration_ms)}</td>
                  <td data-label="Message" className="message">
                    {a.message || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
