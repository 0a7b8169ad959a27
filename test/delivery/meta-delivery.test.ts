import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { PIXEL, purchase, startMetaRig, type MetaRig } from '../support/meta.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Detail {
  id: string;
  received_at: string;
  deliveries: {
    id: string;
    status: string;
    attempts: number;
    last_error: string | null;
    sent_payload: Record<string, unknown> | null;
    match_quality: number | null;
    attempts_log: { outcome: string; http_status: number | null; trace_id?: string }[];
  }[];
}

describe('delivery to Meta CAPI (emulator)', () => {
  let emulator: MetaEmulator;
  let t: TestRastro;
  let tenant: TestTenant;
  let destinationId: string;
  let rig: MetaRig;

  beforeAll(async () => {
    rig = await startMetaRig({
      deliveryPolicy: { baseDelayMs: 50, maxDelayMs: 200, maxAttempts: 3, throttlePauseMs: 300, breakerThreshold: 100 },
    });
    ({ emulator, t, tenant, destinationId } = rig);
  });
  afterEach(() => {
    emulator.clearFaults();
  });
  afterAll(() => rig.close());

  const send = async (events: Record<string, unknown>[]) => {
    const res = await t.call('POST', '/api/v1/events', tenant.keys.admin, { events });
    expect(res.statusCode, res.body).toBe(202);
    return (
      res.json() as {
        events: { id: string; event_id: string; warnings?: { destination_id: string; problem: string }[] }[];
      }
    ).events;
  };
  const detail = async (id: string) =>
    (await t.call('GET', `/api/v1/events/${id}`, tenant.keys.admin)).json() as Detail;
  const settled = (id: string, status: string) =>
    waitFor(
      async () => {
        const d = await detail(id);
        return d.deliveries[0]?.status === status ? d : undefined;
      },
      15_000,
      `delivery of ${id} to become ${status}`,
    );

  it('delivers a purchase with identifiers normalized and hashed as Meta documents', async () => {
    const [accepted] = await send([purchase({ event_id: 'order-1001' })]);
    const d = await settled(accepted!.id, 'delivered');
    const [got] = emulator.received({ eventName: 'Purchase' }).filter((r) => r.eventId === 'order-1001');
    expect(got?.pixelId).toBe(PIXEL);
    const user = got?.event.user_data as Record<string, unknown>;
    expect(user.em).toEqual([sha('maria.silva@example.com')]);
    expect(user.ph).toEqual([sha('5511987654321')]);
    expect(user.fn).toEqual([sha('maria')]);
    expect(user.ct).toEqual([sha('sãopaulo')]);
    expect(user.client_ip_address).toBe('203.0.113.7');
    expect(got?.event.custom_data).toMatchObject({ value: 197, currency: 'BRL' });
    expect(d.deliveries[0]?.sent_payload).toMatchObject({ event_name: 'Purchase', event_id: 'order-1001' });
    expect(d.deliveries[0]?.attempts_log[0]).toMatchObject({ outcome: 'delivered', http_status: 200 });
    expect(d.deliveries[0]?.attempts_log[0]?.trace_id).toBeTruthy();
    expect(d.deliveries[0]?.attempts_log[0]).toMatchObject({ platform_response: { events_received: 1 } });
    // email, phone, name, city, IP and UA: Meta would call that great.
    expect(d.deliveries[0]?.match_quality).toBeGreaterThanOrEqual(8);
    // Never in clear at rest.
    const rows = await t.rastro.ctx.db.selectFrom('events').select('payload').execute();
    expect(JSON.stringify(rows)).not.toMatch(/maria|98765/i);
  });

  it('shows each event of a batch the exact payload the platform received, kept once per batch', async () => {
    const ids = ['batch-payload-1', 'batch-payload-2', 'batch-payload-3'];
    const accepted = await send(ids.map((id, i) => purchase({ event_id: id, value: 100 + i })));
    for (const [i, a] of accepted.entries()) {
      const d = await settled(a.id, 'delivered');
      const [got] = emulator.received({ eventName: 'Purchase' }).filter((r) => r.eventId === ids[i]);
      expect(d.deliveries[0]?.sent_payload).toEqual(got?.event);
    }
    // Not once per delivery row: in the batch record, as the JSON text that went on the wire.
    const rows = await t.rastro.ctx.db
      .selectFrom('deliveries')
      .select('payload')
      .where('event_id', 'in', ids)
      .execute();
    expect(rows.map((r) => r.payload)).toEqual([null, null, null]);
  });

  it('retries after a 5xx and a 429, then delivers', async () => {
    emulator.injectFaults([
      { type: '5xx', count: 1 },
      { type: '429', count: 1, retryAfterSec: 0 },
    ]);
    const [accepted] = await send([purchase()]);
    const d = await settled(accepted!.id, 'delivered');
    const outcomes = d.deliveries[0]?.attempts_log.map((a) => a.outcome);
    expect(outcomes).toEqual(['retryable', 'rate_limited', 'delivered']);
    // A throttled attempt does not count toward the retry bound.
    expect(d.deliveries[0]?.attempts).toBe(2);
  });

  it('dead-letters after the bound, then a replay delivers with the same event_id', async () => {
    emulator.injectFaults({ type: '5xx', count: 3 });
    const [accepted] = await send([purchase({ event_id: 'dead-then-replayed' })]);
    const dead = await settled(accepted!.id, 'dead');
    expect(dead.deliveries[0]?.attempts).toBe(3);
    expect(dead.deliveries[0]?.last_error).toMatch(/gave up after 3 attempts/);
    const dlq = (await t.call('GET', '/api/v1/events?status=dead', tenant.keys.admin)).json() as {
      items: { id: string }[];
    };
    expect(dlq.items.map((i) => i.id)).toContain(accepted!.id);
    // Several statuses at once: any of them.
    const ids = async (status: string) =>
      (
        (await t.call('GET', `/api/v1/events?status=${status}`, tenant.keys.admin)).json() as {
          items: { id: string }[];
        }
      ).items.map((i) => i.id);
    expect(await ids('failed,dead')).toContain(accepted!.id);
    expect(await ids('pending,delivered')).not.toContain(accepted!.id);

    const replay = await t.call('POST', '/api/v1/replay', tenant.keys.admin, { destination_id: destinationId });
    expect(replay.json()).toEqual({ replayed: 1 });
    await settled(accepted!.id, 'delivered');
    expect(emulator.received().filter((r) => r.eventId === 'dead-then-replayed')).toHaveLength(1);
    const ledger = (await t.call('GET', '/api/v1/ledger?type=delivery.replayed', tenant.keys.admin)).json();
    expect(ledger.items).toHaveLength(1);
  });

  it('fails an invalid event locally and delivers the rest of its batch', async () => {
    const events = await send([
      purchase({ event_id: 'ok-1' }),
      purchase({ currency: undefined, event_id: 'bad-1' }),
      purchase({ event_id: 'ok-2' }),
    ]);
    // The answer already says which destination will refuse which event, and why.
    expect(events[0]).not.toHaveProperty('warnings');
    expect(events[1]).toMatchObject({
      warnings: [
        { destination_id: destinationId, destination: expect.any(String), problem: expect.stringMatching(/currency/) },
      ],
    });
    const bad = await settled(events[1]!.id, 'failed');
    expect(bad.deliveries[0]?.last_error).toMatch(/currency/);
    expect(bad.deliveries[0]?.last_error).toContain(events[1]!.warnings![0]!.problem);
    await settled(events[0]!.id, 'delivered');
    await settled(events[2]!.id, 'delivered');
    expect(emulator.received().filter((r) => r.eventId === 'bad-1')).toHaveLength(0);
  });

  it('splits a batch Meta rejects as a whole to isolate the offending event', async () => {
    const fbpBad = 'fb.1.1700000000000.not-digits';
    const ids = ['split-a', 'split-b', 'split-c', 'split-d'];
    const events = await send(ids.map((id, i) => purchase({ event_id: id, ...(i === 2 ? { fbp: fbpBad } : {}) })));
    const failed = await settled(events[2]!.id, 'failed');
    expect(failed.deliveries[0]?.attempts_log.at(-1)?.http_status).toBe(400);
    for (const i of [0, 1, 3]) await settled(events[i]!.id, 'delivered');
    expect(
      emulator
        .received()
        .filter((r) => ids.includes(r.eventId ?? ''))
        .map((r) => r.eventId)
        .sort(),
    ).toEqual(['split-a', 'split-b', 'split-d']);
  });

  it('deduplicates the same event_id and event_name within 48 h', async () => {
    const first = await send([purchase({ event_id: 'dup-1' })]);
    await settled(first[0]!.id, 'delivered');
    const second = await send([purchase({ event_id: 'dup-1' }), purchase({ event_id: 'dup-1', event_name: 'lead' })]);
    const dup = await settled(second[0]!.id, 'deduplicated');
    expect(dup.deliveries[0]?.attempts).toBe(0);
    await settled(second[1]!.id, 'delivered'); // another event name is another event
    expect(emulator.received().filter((r) => r.eventId === 'dup-1' && r.eventName === 'Purchase')).toHaveLength(1);
  });

  it('pauses the destination on a token error and resumes when the token is replaced', async () => {
    emulator.injectFaults({ type: 'token_expired', count: 1 });
    const [accepted] = await send([purchase({ event_id: 'token-1' })]);
    const paused = await waitFor(async () => {
      const res = (await t.call('GET', `/api/v1/destinations/${destinationId}`, tenant.keys.admin)).json();
      return res.status === 'paused' ? res : undefined;
    });
    expect(paused.status_reason).toMatch(/token|session|expired/i);
    expect((await detail(accepted!.id)).deliveries[0]?.status).toBe('pending');
    const patched = await t.call('PATCH', `/api/v1/destinations/${destinationId}`, tenant.keys.admin, {
      config: { access_token: 'EAAnewtoken0987654321' },
    });
    expect(patched.json()).toMatchObject({ status: 'active', config: { access_token: '****4321' } });
    await settled(accepted!.id, 'delivered');
  });

  it('removes a setting patched to null (a test event code set only to check the setup)', async () => {
    const path = `/api/v1/destinations/${destinationId}`;
    const set = await t.call('PATCH', path, tenant.keys.admin, { config: { test_event_code: 'TEST123' } });
    expect(set.json().config.test_event_code).toBe('TEST123');
    const removed = await t.call('PATCH', path, tenant.keys.admin, { config: { test_event_code: null } });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().config).not.toHaveProperty('test_event_code');
    const [sent] = await send([purchase({ event_id: 'after-test-code' })]);
    await settled(sent!.id, 'delivered');
    expect(emulator.received().find((r) => r.eventId === 'after-test-code')?.testEventCode).toBeUndefined();
    // A required setting cannot be removed.
    const noToken = await t.call('PATCH', path, tenant.keys.admin, { config: { access_token: null } });
    expect(noToken.json().error.details).toEqual([{ field: 'body.config.access_token', problem: 'is required' }]);
  });

  it('skips consent-denied events visibly and never sends them', async () => {
    const [accepted] = await send([purchase({ event_id: 'no-consent', consent: { ads: false } })]);
    const d = await detail(accepted!.id);
    expect(d.deliveries[0]?.status).toBe('skipped');
    expect(d.deliveries[0]?.last_error).toMatch(/consent/);
  });

  it('never returns a destination secret and keeps it encrypted at rest', async () => {
    const list = await t.call('GET', '/api/v1/destinations', tenant.keys.admin);
    expect(list.body).not.toContain('EAAtesttoken');
    const rows = await t.rastro.ctx.db.selectFrom('destinations').selectAll().execute();
    expect(JSON.stringify(rows)).not.toMatch(/EAA(test|new)token/);
  });

  it('names the offending fields of a bad request', async () => {
    const res = await t.call('POST', '/api/v1/events', tenant.keys.admin, {
      events: [{ event_name: 'purchase', value: 'lots', user: { email: 5 } }, { event_time: 1 }],
    });
    expect(res.statusCode).toBe(400);
    const fields = (res.json().error.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.events.0.value', 'body.events.0.user.email', 'body.events.1.event_name']),
    );
  });
  it("filters the events list by Meta's names and aliases as ingest accepts them", async () => {
    const [sent] = await send([
      { event_name: 'PageView', url: 'https://shop.example/', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)' },
    ]);
    for (const name of ['PageView', 'pageview', 'page_view']) {
      const list = (await t.call('GET', `/api/v1/events?event_name=${name}&limit=200`, tenant.keys.admin)).json() as {
        items: { id: string; event_name: string }[];
      };
      expect(
        list.items.map((e) => e.id),
        name,
      ).toContain(sent!.id);
      expect(new Set(list.items.map((e) => e.event_name))).toEqual(new Set(['page_view']));
    }
  });

  it('names the allowed values of a bad enum filter', async () => {
    const res = await t.call('GET', '/api/v1/events?status=bogus', tenant.keys.admin);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      {
        field: 'querystring.status',
        problem:
          'must be one or more of pending, processing, delivered, failed, dead, deduplicated, skipped, separated by commas',
      },
    ]);
  });
  it('bulk-replays by the time the events arrived, however often they were replayed', async () => {
    const [bad] = await send([purchase({ currency: undefined, event_id: 'replay-window' })]);
    const first = await settled(bad!.id, 'failed');
    const at = Date.parse(first.received_at);
    const window = (fromMs: number, toMs: number) =>
      t.call('POST', '/api/v1/replay', tenant.keys.admin, {
        destination_id: destinationId,
        statuses: ['failed'],
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
      });
    expect((await window(at + 1, at + 60_000)).json().replayed).toBe(0);
    expect((await window(at, at + 1)).json().replayed).toBe(1);
    await waitFor(
      async () => {
        const d = (await detail(bad!.id)).deliveries[0];
        return d?.status === 'failed' && d.attempts_log.length > 1 ? d : undefined;
      },
      15_000,
      'the replayed delivery to fail again',
    );
    // The replay reset the delivery's own times; the event arrived when it did.
    expect((await window(at, at + 1)).json().replayed).toBe(1);
  });
  it('explains a bad destination setting in words, once per field', async () => {
    const res = await t.call('POST', '/api/v1/destinations', tenant.keys.admin, {
      type: 'meta_capi',
      name: 'Typo',
      config: { pixel_id: 'px-123', default_phone_region: 'Brazil' },
    });
    expect(res.statusCode).toBe(400);
    const details = res.json().error.details as { field: string }[];
    expect(details).toHaveLength(3);
    expect(details).toEqual(
      expect.arrayContaining([
        {
          field: 'body.config.pixel_id',
          problem: 'must be the Pixel (dataset) ID from Events Manager: 5 to 20 digits',
        },
        { field: 'body.config.access_token', problem: 'is required' },
        { field: 'body.config.default_phone_region', problem: 'must be a two-letter country code (BR, US…)' },
      ]),
    );
  });
});
