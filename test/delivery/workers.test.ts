import { describe, expect, it } from 'vitest';
import { claimDue } from '../../src/delivery/claim.ts';
import { nodesOnOneDatabase } from '../support/nodes.ts';
import { OPERATOR_TOKEN, waitFor } from '../support/harness.ts';
import { PIXEL, purchase, TOKEN } from '../support/meta.ts';

/** Several Rastro processes on one database behave as one: no delivery is sent twice, none is lost. */
describe('workers sharing one database', () => {
  const cluster = nodesOnOneDatabase();
  const start = (role: 'all' | 'api' | 'worker', leaseMs = 120_000) =>
    cluster.start(role, { leaseMs, baseDelayMs: 50, maxDelayMs: 100 });

  it('two workers deliver every event exactly once, sharing the load', async () => {
    const api = await start('all');
    await start('worker');
    const inject = (method: 'POST' | 'GET', url: string, key: string, payload?: unknown) =>
      api.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
    const tenant = (await inject('POST', '/api/v1/tenants', OPERATOR_TOKEN, { name: 'w' })).json();
    // A small batch size makes both workers take turns.
    await inject('POST', '/api/v1/destinations', tenant.keys.admin, {
      type: 'meta_capi',
      name: 'p',
      config: { pixel_id: PIXEL, access_token: TOKEN },
      batch_size: 20,
    });
    const ids: string[] = [];
    for (let r = 0; r < 10; r++) {
      const events = Array.from({ length: 50 }, (_, i) => purchase({ event_id: `w-${r}-${i}` }));
      ids.push(...events.map((e) => e.event_id as string));
      expect((await inject('POST', '/api/v1/events', tenant.keys.admin, { events })).statusCode).toBe(202);
    }
    await waitFor(
      () => cluster.emulator.received().filter((e) => e.eventId?.startsWith('w-')).length >= ids.length,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate would show up here
    const got = cluster.emulator
      .received()
      .map((e) => e.eventId)
      .filter((id) => id?.startsWith('w-'));
    expect(got.length).toBe(ids.length);
    expect(new Set(got).size).toBe(ids.length);
    const actors = await cluster.database.db
      .selectFrom('ledger_entries')
      .select('actor')
      .distinct()
      .where('type', '=', 'delivery.batch_delivered')
      .execute();
    expect(actors.length).toBe(2);
  }, 60_000);

  it("picks up a killed worker's leased deliveries after the lease expires", async () => {
    await cluster.stopAll();
    const api = await start('api');
    const inject = (method: 'POST' | 'GET', url: string, key: string, payload?: unknown) =>
      api.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
    const tenant = (await inject('POST', '/api/v1/tenants', OPERATOR_TOKEN, { name: 'k' })).json();
    const dest = (
      await inject('POST', '/api/v1/destinations', tenant.keys.admin, {
        type: 'meta_capi',
        name: 'p',
        config: { pixel_id: PIXEL, access_token: TOKEN },
      })
    ).json();
    const events = Array.from({ length: 5 }, (_, i) => purchase({ event_id: `killed-${i}` }));
    expect((await inject('POST', '/api/v1/events', tenant.keys.admin, { events })).statusCode).toBe(202);
    // A worker leases everything, then "dies" without finishing; no worker process runs yet.
    const leased = await claimDue(cluster.database.db, dest.id, 100, 'ghost-worker', 400);
    expect(leased).toHaveLength(5);
    await start('worker');
    await waitFor(
      () => {
        const got = new Set(cluster.emulator.received().map((e) => e.eventId));
        return events.every((e) => got.has(e.event_id as string));
      },
      20_000,
      'all killed-worker events delivered',
    );
    const rows = await waitFor(async () => {
      const r = await cluster.database.db
        .selectFrom('deliveries')
        .select(['status', 'attempts'])
        .where('tenant_id', '=', tenant.id)
        .execute();
      return r.every((d) => d.status === 'delivered') ? r : undefined;
    });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array(5).fill(['delivered', 2]));
  }, 60_000);
});
