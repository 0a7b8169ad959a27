import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { purchase, startMetaRig, type MetaRig } from '../support/meta.ts';

interface Detail {
  deliveries: { status: string; last_error: string | null }[];
}

// The worker re-reads destinations every `destinationsRefreshMs`; an event accepted after its
// destination changed must be mapped with the new configuration, not fail on the one the worker read.
describe('a delivery after its destination changed (worker holding an older copy)', () => {
  let emulator: MetaEmulator;
  let t: TestRastro;
  let tenant: TestTenant;
  let destinationId: string;
  let rig: MetaRig;

  beforeAll(async () => {
    // Long enough to hold the copy read for the first delivery while the second is made.
    rig = await startMetaRig({ deliveryPolicy: { destinationsRefreshMs: 5_000 } });
    ({ emulator, t, tenant, destinationId } = rig);
  });
  afterAll(() => rig.close());

  const send = async (event: Record<string, unknown>) => {
    const res = await t.call('POST', '/api/v1/events', tenant.keys.admin, { events: [event] });
    expect(res.statusCode, res.body).toBe(202);
    return (res.json() as { events: { id: string }[] }).events[0]!.id;
  };
  const settled = (id: string) =>
    waitFor(
      async () => {
        const d = (await t.call('GET', `/api/v1/events/${id}`, tenant.keys.admin)).json() as Detail;
        const status = d.deliveries[0]?.status;
        return status && status !== 'pending' && status !== 'processing' ? d.deliveries[0] : undefined;
      },
      15_000,
      `delivery of ${id} to settle`,
    );

  it('sends a test event with the test event code added just before it', async () => {
    // The worker reads the destination (no test event code) for a first event: it first sees the
    // destination at a refresh, delivers, and keeps that copy for the next five seconds.
    expect(await settled(await send(purchase({ event_id: 'before-change' })))).toMatchObject({ status: 'delivered' });

    const set = await t.call('PATCH', `/api/v1/destinations/${destinationId}`, tenant.keys.admin, {
      config: { test_event_code: 'TEST777' },
    });
    expect(set.statusCode, set.body).toBe(200);
    const delivery = await settled(await send(purchase({ event_id: 'after-change', test: true })));
    expect(delivery).toMatchObject({ status: 'delivered', last_error: null });
    expect(emulator.received({ isTest: true }).map((r) => [r.eventId, r.testEventCode])).toEqual([
      ['after-change', 'TEST777'],
    ]);
  });
});
