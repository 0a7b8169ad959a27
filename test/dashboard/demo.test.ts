import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Demo, type DemoInfo } from '../../src/demo/run.ts';
import { QualityRollup } from '../../src/quality/task.ts';
import { waitFor } from '../support/harness.ts';
import { launchBrowser } from './browser.ts';
import { startListeningRastro, type ListeningRastro } from './server.ts';

interface Report {
  totals: { received: number; delivered: number; dead: number; emq: number | null };
  series: { received: number }[];
}

describe('demo mode', () => {
  let demo: Demo;
  let server: ListeningRastro;
  let info: DemoInfo;

  beforeAll(async () => {
    demo = new Demo({ historyDays: 1, intervalMs: 150, seed: 42 });
    const env: Record<string, string | undefined> = {};
    await demo.prepare(env);
    server = await startListeningRastro(
      { RASTRO_META_GRAPH_URL: env.RASTRO_META_GRAPH_URL as string },
      demo.deliveryPolicy,
    );
    info = await demo.start(server.rastro);
  }, 120_000);
  afterAll(async () => {
    await demo?.stop();
    await server?.close();
  });

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${info.adminKey}` } });
    expect(res.status, path).toBe(200);
    return res.json() as Promise<T>;
  };

  it('creates a demo tenant with a Meta destination and hands out its admin key', async () => {
    expect(info.adminKey).toMatch(/^rst_admin_/);
    expect(info.reused).toBe(false);
    const me = await get<{ name: string; scope: string }>('/me');
    expect(me).toEqual({ tenant_id: info.tenantId, name: 'Demo shop', scope: 'admin', key_id: expect.any(String) });
    const destinations = await get<{ items: { type: string; status: string }[] }>('/destinations');
    expect(destinations.items).toMatchObject([{ type: 'meta_capi', status: 'active' }]);
  });

  it('sends live traffic through the public API that the emulator accepts', async () => {
    const page = await waitFor(
      async () => {
        const p = await get<{ items: { source: string; event_name: string; deliveries: { status: string }[] }[] }>(
          '/events?limit=200',
        );
        const live = p.items.filter((e) => e.source === 'api');
        return live.filter((e) => e.deliveries[0]?.status === 'delivered').length >= 10 ? live : undefined;
      },
      60_000,
      'ten live events delivered',
    );
    expect(new Set(page.map((e) => e.event_name)).size).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('ties sales that came through the ad link to their click (matching)', async () => {
    // Ad visitors follow the demo's /go link; the checkout's webhook carries the click id back.
    const matched = await waitFor(
      async () => {
        const list = await get<{ items: { match: { status: string; rule?: string } }[] }>('/conversions?limit=200');
        return list.items.find((c) => c.match.status === 'matched');
      },
      90_000,
      'a demo sale matched to its click',
    );
    expect(matched.match.rule).toBe('click_id');
    const links = await get<{ items: { slug: string }[] }>('/links');
    expect(links.items.map((l) => l.slug)).toContain('demo-oferta');
  }, 120_000);

  it('writes history the quality charts show', async () => {
    const rollup = new QualityRollup(server.rastro.ctx.db);
    const report = await waitFor(
      async () => {
        await rollup.drain();
        const r = await get<Report>('/quality?bucket=hour');
        return r.series.filter((p) => p.received > 0).length >= 12 ? r : undefined;
      },
      90_000,
      'a day of history in the rollup',
    );
    expect(report.totals.received).toBeGreaterThan(300);
    expect(report.totals.delivered).toBeGreaterThan(report.totals.dead);
    expect(report.totals.emq).toBeGreaterThan(3);
  }, 120_000);

  it("fails only what the mapping refuses: history's failed deliveries are purchases that lack a currency", async () => {
    const failed = await get<{ items: { id: string; event_name: string; source: string }[] }>(
      '/events?status=failed&limit=200',
    );
    const history = failed.items.filter((e) => e.source === 'demo:history');
    expect(history.length).toBeGreaterThan(0);
    for (const e of history) expect(e.event_name).toBe('purchase');
    const detail = await get<{ received: { custom_data: Record<string, unknown> } }>(`/events/${history[0]!.id}`);
    expect(detail.received.custom_data.value).toBeGreaterThan(0);
    expect(detail.received.custom_data.currency).toBeUndefined();
  });

  it('draws identifier coverage lines that coincide so that each stays visible (browser)', async () => {
    // Every demo event comes from a browser: fbp and IP + user agent are both at 100% in every hour.
    const report = await get<{ series: { coverage: Record<string, number> | null }[] }>('/quality?bucket=hour');
    const both = report.series.filter((p) => p.coverage?.fbp === 1 && p.coverage.ip_ua === 1);
    expect(both.length).toBeGreaterThanOrEqual(12);
    const browser = await launchBrowser();
    try {
      const { page, context } = await browser.newPage('desktop');
      await context.addInitScript((key) => sessionStorage.setItem('rastro.admin_key', key), info.adminKey);
      await page.goto(`${server.url}/quality`);
      const canvas = page.locator('[data-testid=chart-coverage] canvas');
      await canvas.waitFor();
      // Pixels of each line's colour on the chart: the line drawn first must show through the one over it.
      const pixels = (rgb: number[]) =>
        canvas.evaluate(
          (c: HTMLCanvasElement, [r, g, b]) => {
            const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < data.length; i += 4) {
              const d = Math.abs((data[i] as number) - r) + Math.abs((data[i + 1] as number) - g);
              if (d + Math.abs((data[i + 2] as number) - b) < 40 && (data[i + 3] as number) > 200) n++;
            }
            return n;
          },
          rgb as [number, number, number],
        );
      await expect.poll(() => pixels([225, 29, 72]), { message: 'IP + user agent line' }).toBeGreaterThan(200);
      expect(await pixels([202, 138, 4]), 'Browser id (fbp) line').toBeGreaterThan(60);
      // The legend shows each line's pattern, and at rest the latest hour's values: both lines read 100%.
      const legend = (label: string) =>
        page.locator('[data-testid=chart-coverage] .u-legend .u-series', { hasText: label });
      const fbp = legend('Browser id (fbp)');
      expect(await fbp.locator('.u-marker').evaluate((m) => getComputedStyle(m).borderTopStyle)).toBe('dashed');
      expect(await fbp.locator('.u-value').textContent()).toBe('100%');
      expect(await legend('IP + user agent').locator('.u-value').textContent()).toBe('100%');
      await browser.screenshot(page, 'demo-quality-coverage');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
