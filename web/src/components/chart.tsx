import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  /** Fill under the line (area). */
  fill?: boolean;
  dash?: number[];
}

export interface TimeChartProps {
  title: string;
  /** Bucket starts, unix seconds. */
  times: number[];
  series: ChartSeries[];
  /** How values are shown in the legend (the numbers on hover). */
  format?: (v: number) => string;
  yRange?: [number, number];
  log?: boolean;
  height?: number;
  bucket: 'hour' | 'day';
  testId?: string;
}

const timeLabel = (bucket: 'hour' | 'day') => (ts: number) => {
  const d = new Date(ts * 1000);
  return bucket === 'day'
    ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
};

/** One-line tick labels: dates when ticks are a day or more apart, else times (with the date at midnight). */
function tickLabel(ts: number, space: number): string {
  const d = new Date(ts * 1000);
  const date = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (space >= 86_400 || (d.getHours() === 0 && d.getMinutes() === 0)) return date;
  return d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
}

/** The last bucket with any value: what the legend shows while the pointer is not on the chart. */
function restIndex(u: uPlot): number | null {
  const len = u.data[0]?.length ?? 0;
  for (let i = len - 1; i >= 0; i--) {
    for (let s = 1; s < u.data.length; s++) if (u.data[s]?.[i] != null) return i;
  }
  return null;
}

/** A legend value: at the pointer's bucket, or at rest the latest bucket's (so lines that coincide still read apart). */
const legendValue =
  (show: (v: number) => string) =>
  (u: uPlot, v: number | null, seriesIdx: number, idx: number | null): string => {
    if (idx == null) {
      const at = restIndex(u);
      v = at == null ? null : (u.data[seriesIdx]?.[at] ?? null);
    }
    return v == null ? '—' : show(v);
  };

const withAlpha = (hex: string, alpha: number) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
};

/**
 * A uPlot time-series chart that follows its container's width. The legend under the chart shows every
 * series' value in the latest bucket, or in the one under the pointer (or finger).
 */
export function TimeChart({ title, times, series, format, yRange, log, height = 220, bucket, testId }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${series.map((s) => s.label).join('|')}|${bucket}|${log ? 'log' : 'lin'}|${yRange?.join(',')}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fmt = format ?? ((v: number) => v.toLocaleString());
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      cursor: { points: { size: 7 }, drag: { x: false, y: false } },
      // A dashed line has a dashed swatch in the legend.
      legend: { live: true, markers: { dash: (_u, i) => (series[i - 1]?.dash ? 'dashed' : 'solid') } },
      scales: {
        x: { time: true },
        y: log
          ? { distr: 3, log: 10 }
          : yRange
            ? { range: () => yRange }
            : { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 0) * 1.1)] },
      },
      axes: [
        {
          stroke: '#64748b',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
          size: 32,
          space: 80,
          values: (_u, splits, _axis, space) => splits.map((v) => tickLabel(v, space)),
        },
        {
          stroke: '#64748b',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
          size: 64,
          values: (_u, splits) => splits.map((v) => (v == null ? '' : fmt(v))),
        },
      ],
      series: [
        { label: bucket === 'hour' ? 'Hour' : 'Day', value: legendValue(timeLabel(bucket)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: s.fill ? withAlpha(s.color, 0.12) : undefined,
          dash: s.dash,
          spanGaps: false,
          points: { show: times.length < 60 },
          value: legendValue(fmt),
        })),
      ],
    };
    const data = [times, ...series.map((s) => s.values)] as uPlot.AlignedData;
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Recreated when the series change shape; values alone go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" />
    </figure>
  );
}

/** Horizontal bars for categories (event types, identifiers), with the value on each bar. */
export function Bars({
  title,
  items,
  max,
  format,
  testId,
}: {
  title: string;
  items: { label: string; value: number | null; tone?: string; hint?: string }[];
  max: number;
  format: (v: number) => string;
  testId?: string;
}) {
  return (
    <figure className="chart bars" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {items.length === 0 && <p className="muted">No data in this range.</p>}
      <ul>
        {items.map((item) => (
          <li key={item.label} title={item.hint ?? `${item.label}: ${item.value == null ? '—' : format(item.value)}`}>
            <span className="bar-label">{item.label}</span>
            <span className="bar-track">
              <span
                className={`bar-fill tone-${item.tone ?? 'accent'}`}
                style={{ width: `${Math.max(0, Math.min(100, ((item.value ?? 0) / max) * 100))}%` }}
              />
            </span>
            <span className="bar-value">{item.value == null ? '—' : format(item.value)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
