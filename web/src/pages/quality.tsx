import { useMemo } from 'react';
import { emqBand } from '../../../src/quality/emq.ts';
import { api, type Destination, type QualityReport } from '../api.ts';
import { Bars, TimeChart, type ChartSeries } from '../components/chart.tsx';
import { DestinationFilter } from '../components/filters.tsx';
import { Card, ErrorNote, IgnoredParams, Notice, Spinner, useLoad } from '../components/ui.tsx';
import { ago, ms, num, pct } from '../format.ts';
import { setQuery, useLocation } from '../router.tsx';
import { UrlParams } from '../url-params.ts';

const RANGES = {
  '24h': { label: 'Last 24 hours', hours: 24, bucket: 'hour' },
  '7d': { label: 'Last 7 days', hours: 24 * 7, bucket: 'hour' },
  '30d': { label: 'Last 30 days', hours: 24 * 30, bucket: 'day' },
  '90d': { label: 'Last 90 days', hours: 24 * 90, bucket: 'day' },
} as const;
type RangeKey = keyof typeof RANGES;

const COLORS = {
  received: '#4f46e5',
  delivered: '#16a34a',
  failed: '#ea580c',
  dead: '#dc2626',
  deduplicated: '#7c3aed',
  skipped: '#94a3b8',
  p50: '#0ea5e9',
  p95: '#6366f1',
  p99: '#e11d48',
  emq: '#0f766e',
};

/**
 * Coverage lines often coincide (browser events carry fbp and IP + user agent together: both at
 * 100%). Each line after the first has its own dash pattern, so a line drawn over another leaves
 * gaps where the one under it shows, and the legend repeats the pattern.
 */
const COVERAGE: {
  key: 'em' | 'ph' | 'fbc' | 'fbp' | 'ip_ua' | 'external_id';
  label: string;
  color: string;
  dash?: number[];
}[] = [
  { key: 'em', label: 'Email', color: '#4f46e5' },
  { key: 'ph', label: 'Phone', color: '#0ea5e9', dash: [10, 5] },
  { key: 'fbc', label: 'Click id (fbc)', color: '#16a34a', dash: [3, 4] },
  { key: 'fbp', label: 'Browser id (fbp)', color: '#ca8a04', dash: [14, 6] },
  { key: 'ip_ua', label: 'IP + user agent', color: '#e11d48', dash: [6, 6] },
  { key: 'external_id', label: 'External id', color: '#7c3aed', dash: [12, 4, 3, 4] },
];

const nullIfEmpty = (v: number | null | undefined) => (v == null ? null : v);

/** Signal quality: volumes, rates, latency, match quality and identifier coverage, per destination and event. */
export function QualityPage() {
  const { query } = useLocation();
  const params = new UrlParams(query);
  const range = params.oneOf('range', Object.keys(RANGES) as RangeKey[]) ?? '24h';
  const destinationId = params.uuid('destination_id');
  const eventName = params.text('event_name');
  const spec = RANGES[range];

  const destinations = useLoad(() => api<{ items: Destination[] }>('/destinations'), []);
  const report = useLoad(
    () => {
      const to = new Date();
      const from = new Date(to.getTime() - spec.hours * 3_600_000);
      return api<QualityReport>('/quality', {
        query: {
          bucket: spec.bucket,
          from: from.toISOString(),
          to: to.toISOString(),
          destination_id: destinationId,
          event_name: eventName,
        },
      });
    },
    [range, destinationId, eventName],
    // The rollup folds changes every second: hourly views refresh often, 30-day ones less.
    spec.bucket === 'hour' ? 10_000 : 60_000,
  );
  const r = report.data;
  const update = (patch: Record<string, string | undefined>) =>
    setQuery({ range, destination_id: destinationId, event_name: eventName, ...patch });

  const charts = useMemo(() => {
    if (!r) return null;
    const times = r.series.map((p) => Math.floor(new Date(p.t).getTime() / 1000));
    const line = (
      label: string,
      color: string,
      pick: (p: QualityReport['series'][number]) => number | null,
      fill = false,
      dash?: number[],
    ) => ({ label, color, values: r.series.map(pick), fill, dash }) satisfies ChartSeries;
    return {
      times,
      volume: [
        line('Received', COLORS.received, (p) => p.received, true),
        line('Delivered', COLORS.delivered, (p) => p.delivered),
        line('Failed', COLORS.failed, (p) => p.failed),
        line('Dead', COLORS.dead, (p) => p.dead),
        line('Deduplicated', COLORS.deduplicated, (p) => p.deduplicated),
        line('Skipped', COLORS.skipped, (p) => p.skipped),
      ],
      rates: [
        line('Delivery rate', COLORS.delivered, (p) => nullIfEmpty(p.delivery_rate)),
        line('Dedup rate', COLORS.deduplicated, (p) => nullIfEmpty(p.dedup_rate)),
      ],
      latency: [
        line('p50', COLORS.p50, (p) => p.latency_ms?.p50 ?? null),
        line('p95', COLORS.p95, (p) => p.latency_ms?.p95 ?? null),
        line('p99', COLORS.p99, (p) => p.latency_ms?.p99 ?? null),
      ],
      emq: [line('EMQ estimate', COLORS.emq, (p) => p.emq, true)],
      coverage: COVERAGE.map((c) =>
        line(c.label, c.color, (p) => (p.coverage ? p.coverage[c.key] : null), false, c.dash),
      ),
    };
  }, [r]);

  const t = r?.totals;
  return (
    <div className="page">
      <header className="page-head">
        <h1>Signal quality</h1>
        {r?.computed_at && <span className="muted small">updated {ago(r.computed_at)}</span>}
      </header>
      <IgnoredParams ignored={params.ignored} />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Quality filters">
        <label>
          <span>Range</span>
          <select name="range" value={range} onChange={(e) => update({ range: e.target.value })}>
            {Object.entries(RANGES).map(([k, v]) => (
              <option key={k} value={k}>
                {v.label}
              </option>
            ))}
          </select>
        </label>
        <DestinationFilter
          value={destinationId}
          destinations={destinations.data?.items}
          anyLabel="All destinations"
          update={update}
        />
        <label>
          <span>Event type</span>
          <select
            name="event_name"
            value={eventName ?? ''}
            onChange={(e) => update({ event_name: e.target.value || undefined })}
          >
            <option value="">All events</option>
            {eventName && !r?.event_names.some((e) => e.event_name === eventName) && <option>{eventName}</option>}
            {(r?.event_names ?? []).map((e) => (
              <option key={e.event_name}>{e.event_name}</option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={report.error} />
      {!r && !report.error && <Spinner />}
      {r && r.backfilling > 0 && (
        <Notice>Computing history: {r.backfilling} hours of this range are still being added up.</Notice>
      )}
      {r && t && charts && (
        <>
          <div className="kpis" data-testid="kpis">
            <Kpi label="Received" value={num(t.received)} hint="events in this range" />
            <Kpi
              label="Delivery rate"
              value={pct(t.delivery_rate)}
              hint={`${num(t.delivered)} delivered · ${num(t.failed + t.dead)} failed or dead`}
              tone={
                t.delivery_rate == null
                  ? undefined
                  : t.delivery_rate >= 0.995
                    ? 'ok'
                    : t.delivery_rate >= 0.95
                      ? 'warn'
                      : 'bad'
              }
            />
            <Kpi
              label="Latency p95"
              value={ms(t.latency_ms?.p95)}
              hint={t.latency_ms ? `p50 ${ms(t.latency_ms.p50)} · p99 ${ms(t.latency_ms.p99)}` : 'commit to delivered'}
            />
            <Kpi
              label="Match quality"
              value={t.emq == null ? '—' : `${t.emq.toFixed(1)} / 10`}
              hint={t.emq == null ? 'EMQ estimate' : `EMQ estimate · ${emqBand(t.emq)}`}
              tone={t.emq == null ? undefined : { poor: 'bad', ok: 'warn', good: 'ok', great: 'ok' }[emqBand(t.emq)]}
            />
            <Kpi label="Deduplicated" value={pct(t.dedup_rate)} hint={`${num(t.deduplicated)} duplicates dropped`} />
          </div>
          <div className="charts">
            <Card className="chart-card wide">
              <TimeChart
                title="Events"
                times={charts.times}
                series={charts.volume}
                bucket={r.bucket}
                testId="chart-volume"
              />
            </Card>
            <Card className="chart-card">
              <TimeChart
                title="Delivery and dedup rate"
                times={charts.times}
                series={charts.rates}
                bucket={r.bucket}
                yRange={[0, 1]}
                format={(v) => pct(v)}
                testId="chart-rates"
              />
            </Card>
            <Card className="chart-card">
              <TimeChart
                title="Latency, commit to delivered"
                times={charts.times}
                series={charts.latency}
                bucket={r.bucket}
                log
                format={(v) => ms(v)}
                testId="chart-latency"
              />
            </Card>
            <Card className="chart-card">
              <TimeChart
                title="Match quality (EMQ estimate, 0–10)"
                times={charts.times}
                series={charts.emq}
                bucket={r.bucket}
                yRange={[0, 10]}
                format={(v) => v.toFixed(1)}
                testId="chart-emq"
              />
            </Card>
            <Card className="chart-card">
              <TimeChart
                title="Identifier coverage"
                times={charts.times}
                series={charts.coverage}
                bucket={r.bucket}
                yRange={[0, 1]}
                format={(v) => pct(v, 0)}
                testId="chart-coverage"
              />
            </Card>
            <Card className="chart-card">
              <Bars
                title="Match quality by event type"
                max={10}
                format={(v) => v.toFixed(1)}
                testId="bars-emq"
                items={r.event_names.map((e) => ({
                  label: e.event_name,
                  value: e.emq,
                  tone: e.emq == null ? 'muted' : emqBand(e.emq),
                  hint: `${e.event_name}: EMQ ${e.emq?.toFixed(1) ?? '—'} · ${num(e.received)} events · delivery ${pct(e.delivery_rate)}`,
                }))}
              />
            </Card>
            <Card className="chart-card">
              <Bars
                title="Identifier coverage in this range"
                max={1}
                format={(v) => pct(v, 0)}
                testId="bars-coverage"
                items={COVERAGE.map((c) => ({ label: c.label, value: t.coverage ? t.coverage[c.key] : null }))}
              />
            </Card>
            {r.destinations.length > 1 && (
              <Card className="chart-card">
                <Bars
                  title="Delivery rate by destination"
                  max={1}
                  format={(v) => pct(v)}
                  items={r.destinations.map((d) => ({ label: d.name ?? d.destination_id, value: d.delivery_rate }))}
                />
              </Card>
            )}
            <Card className="chart-card" title="Errors">
              {r.errors.length === 0 ? (
                <p className="muted">No failed or dead deliveries in this range.</p>
              ) : (
                <ul className="errors">
                  {r.errors.map((e) => (
                    <li key={e.message}>
                      <span className="error-count">{num(e.count)}</span>
                      <span className="error-message">{e.message}</span>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </div>
          <p className="muted small">
            Hourly figures from the quality rollup, in UTC buckets. The match-quality estimate follows Meta&apos;s
            published parameter priorities; Events Manager remains the reference for the score Meta computes.
          </p>
        </>
      )}
    </div>
  );
}

function Kpi({ label, value, hint, tone }: { label: string; value: string; hint?: string; tone?: string }) {
  return (
    <div className={`kpi ${tone ? `kpi-${tone}` : ''}`}>
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value}</span>
      {hint && <span className="kpi-hint">{hint}</span>}
    </div>
  );
}
