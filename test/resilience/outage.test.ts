import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorProcess } from '../../scripts/lib/children.ts';
import type { FaultSpec } from '../../src/emulators/meta/server.ts';
import { startTestRastro, waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { addMetaDestination, TOKEN } from '../support/meta.ts';

/**
 * Platform outages: Meta answers 5xx, throttles (429 with Retry-After) or hangs. Ingestion keeps
 * accepting at the same speed, deliveries back off behind an open circuit without hammering the
 * platform, nothing is dead-lettered before its bound, and everything is delivered exactly once
 * after recovery. Times are scaled down: a "minutes-long" outage is seconds here, with the
 * policy's intervals shrunk in proportion. The emulator runs in its own process, so its answers are
 * never late because Rastro's event loop is busy (a late success after the client's timeout is a
 * legitimate re-send, not what this test is about).
 */
const POLICY = {
  baseDelayMs: 100,
  maxDelayMs: 400,
  maxAttempts: 40,
  breakerThreshold: 3,
  breakerOpenMs: 300,
  breakerMaxOpenMs: 1_200,
  requestTimeoutMs: 3_000,
  throttlePauseMs: 500,
  leaseMs: 10_000,
};
const OUTAGE_MS = 6_000;
const REQUESTS = 20;
const PER_REQUEST = 25;

describe('platform outage', () => {
  let emulator: EmulatorProcess;
  let t: TestRastro;
  let pixelSeq = 900_000_000_000_000;

  beforeAll(async () => {
    emulator = await EmulatorProcess.start({ tokens: { [TOKEN]: ['*'] } });
    t = await startTestRastro({ workers: true, env: { RASTRO_META_GRAPH_URL: emulator.url }, deliveryPolicy: POLICY });
  });
  afterAll(async () => {
    await t.close();
    await emulator.close();
  });

  /** `REQUESTS` concurrent track batches; every one must be acknowledged. Returns ids and wall time. */
  const ingest = async (tenant: TestTenant, tag: string) => {
    const started = performance.now();
    const ids: string[] = [];
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, r) => {
        const events = Array.from({ length: PER_REQUEST }, (_, i) => {
          const id = `${tag}-${r}-${i}`;
          ids.push(id);
          return {
            event_name: 'purchase',
            event_id: id,
            url: 'https://shop.example.com/obrigado',
            user: { email: `${id}@example.com` },
            value: 10,
            currency: 'BRL',
          };
        });
        return t.inject({
          method: 'POST',
          url: '/api/v1/track',
          headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'user-agent': 'Mozilla/5.0 (X11) Chrome/126' },
          payload: { events },
        });
      }),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(REQUESTS).fill(202));
    return { ids, ms: performance.now() - started };
  };

  /** event_id -> times received, for one pixel. */
  const received = async (pixel: string) => (await emulator.summary()).counts[pixel] ?? {};
  const count = async (pixel: string, prefix: string) =>
    Object.keys(await received(pixel)).filter((id) => id.startsWith(prefix)).length;

  async function outage(fault: FaultSpec) {
    const pixel = String(++pixelSeq);
    const tenant = await t.createTenant(`outage-${fault.type}`);
    const destinationId = await addMetaDestination(t, tenant, { pixel_id: pixel }, { batch_size: 50 });

    // Healthy: the ingest speed to compare with, and the pipeline warm.
    const healthy = await ingest(tenant, `ok-${fault.type}`);
    await waitFor(async () => (await count(pixel, 'ok-')) >= healthy.ids.length, 20_000, 'healthy delivery');

    await emulator.faults({ ...fault, pixelId: pixel, probability: 1 });
    const outageStarted = Date.now();
    const during = await ingest(tenant, `down-${fault.type}`);
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - outageStarted)));
    const requests = (await emulator.requests(outageStarted)).filter((r) => r.pixelId === pixel);
    const held = await t.rastro.ctx.db
      .selectFrom('deliveries')
      .select(['status', 'attempts'])
      .where('destination_id', '=', destinationId)
      .where('event_id', 'like', 'down-%')
      .execute();

    const batches = await t.rastro.ctx.db
      .selectFrom('delivery_batches')
      .select(['started_at', 'size', 'outcome'])
      .where('destination_id', '=', destinationId)
      .where('started_at', '>=', new Date(outageStarted))
      .orderBy('started_at')
      .execute();
    await emulator.clearFaults();
    const recoveredAt = Date.now();
    await waitFor(async () => (await count(pixel, 'down-')) >= during.ids.length, 20_000, 'delivery after recovery');
    const recoveryMs = Date.now() - recoveredAt;
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate would land here
    const got = await received(pixel);
    // A success that came back after the client's timeout is re-sent (at-least-once; Meta keeps
    // one per event_id). Only such re-sends are allowed: any other repeat is a double send.
    const repeated = Object.keys(got).filter((id) => got[id]! > 1);
    const timedOut = repeated.length
      ? await t.rastro.ctx.db
          .selectFrom('deliveries')
          .select(['event_id', 'attempt_log'])
          .where('destination_id', '=', destinationId)
          .where('event_id', 'in', repeated)
          .execute()
      : [];
    const unexplained = repeated.filter(
      (id) =>
        !timedOut.some(
          (d) =>
            d.event_id === id && (d.attempt_log as { message: string }[]).some((a) => a.message.startsWith('timeout')),
        ),
    );
    return { healthy, during, requests, batches, held, recoveryMs, got, unexplained };
  }

  const expectCommon = (r: Awaited<ReturnType<typeof outage>>) => {
    // Ingestion did not slow down: accepting during the outage takes about as long as before it.
    expect(r.during.ms).toBeLessThan(Math.max(3 * r.healthy.ms, r.healthy.ms + 1_500));
    // Nothing was given up on (the bound is 40 attempts and days of age), nothing got through.
    expect(r.held.length).toBe(REQUESTS * PER_REQUEST);
    expect(r.held.filter((d) => d.status === 'dead' || d.status === 'failed' || d.status === 'delivered')).toEqual([]);
    expect(Math.max(...r.held.map((d) => d.attempts))).toBeLessThan(POLICY.maxAttempts);
    // Everything arrived after recovery, each event once (but for re-sends after a timeout).
    expect(r.unexplained).toEqual([]);
    expect(Object.keys(r.got).sort()).toEqual([...r.healthy.ids, ...r.during.ids].sort());
    // The circuit re-closes within a request timeout (a hanging probe) and its longest open
    // interval, plus a few rounds of delivery.
    expect(r.recoveryMs).toBeLessThan(POLICY.requestTimeoutMs + POLICY.breakerMaxOpenMs + 8_000);
  };

  it('5xx: the circuit opens, probes with one event at growing intervals, then delivers everything', async () => {
    const r = await outage({ type: '5xx' });
    expectCommon(r);
    // Without a circuit the 4 dispatch loops would retry as fast as the backoff allows (~hundreds of
    // requests in 6 s); with it, a few failures open it and single-event probes follow.
    expect(r.requests.length).toBeGreaterThanOrEqual(POLICY.breakerThreshold);
    expect(r.requests.length).toBeLessThan(30);
    // The batches Rastro recorded: the first failures carry many events, the probes one each.
    expect(r.batches.every((b) => b.outcome === 'retryable')).toBe(true);
    const probes = r.batches.slice(POLICY.breakerThreshold + 3);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.every((p) => p.size === 1)).toBe(true);
    // Probes are spaced by the open interval, which doubles up to its cap.
    const at = r.requests.slice(POLICY.breakerThreshold + 3).map((p) => p.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps.every((g) => g >= POLICY.breakerOpenMs * 0.8)).toBe(true);
  }, 60_000);

  it('429 with Retry-After: the destination pauses as told, attempts are not spent', async () => {
    const r = await outage({ type: '429', retryAfterSec: 1 });
    expectCommon(r);
    // Paused 1 s after each throttled answer: a handful of requests per second at most.
    expect(r.requests.length).toBeLessThan(((OUTAGE_MS / 1000) * 4 + 4) * 2);
    // Throttling does not count toward the bound.
    expect(Math.max(...r.held.map((d) => d.attempts))).toBeLessThanOrEqual(1);
  }, 60_000);

  it('hang: requests time out, the circuit opens, nothing is lost or sent twice', async () => {
    const r = await outage({ type: 'hang' });
    expectCommon(r);
    expect(r.requests.length).toBeGreaterThanOrEqual(POLICY.breakerThreshold);
    expect(r.requests.length).toBeLessThan(30);
  }, 60_000);
});
