import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipOrphanedDeliveries } from '../../src/delivery/orphans.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';
import { addMetaDestination, purchase } from '../support/meta.ts';

// An outbox write that read a destination just before its deletion committed can leave pending rows
// behind the delete's own cleanup; the dispatcher's sweep must settle them, visibly.
describe('deliveries of a deleted destination (src/delivery/orphans.ts)', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await startTestRastro({ workers: false });
    tenant = await t.createTenant('shop');
  });
  afterAll(() => t.close());

  const statusOf = async (destinationId: string) =>
    t.rastro.ctx.db
      .selectFrom('deliveries')
      .select(['status', 'last_error'])
      .where('tenant_id', '=', tenant.id)
      .where('destination_id', '=', destinationId)
      .execute();

  it('marks them skipped, leaves other destinations queued, and records it in the ledger', async () => {
    const kept = await addMetaDestination(t, tenant, { pixel_id: '111111111111111' });
    const removed = await addMetaDestination(t, tenant, { pixel_id: '222222222222222' });
    const res = await t.call('POST', '/api/v1/events', tenant.keys.admin, {
      events: [purchase({ event_id: 'orphan-1' }), purchase({ event_id: 'orphan-2' })],
    });
    expect(res.statusCode, res.body).toBe(202);
    // The race, replayed: the destination row disappears without the delete's own cleanup.
    await sql`delete from destinations where destination_id = ${removed}`.execute(t.rastro.ctx.db);

    expect(await skipOrphanedDeliveries(t.rastro.ctx.db, 'test')).toBe(2);
    expect(await statusOf(removed)).toEqual([
      { status: 'skipped', last_error: 'destination deleted' },
      { status: 'skipped', last_error: 'destination deleted' },
    ]);
    expect((await statusOf(kept)).map((d) => d.status)).toEqual(['pending', 'pending']);
    const ledger = await t.call('GET', `/api/v1/ledger?entity=destination:${removed}`, tenant.keys.admin);
    expect(ledger.body).toContain('delivery.orphans_skipped');
    // Nothing left to do: a second pass touches nothing.
    expect(await skipOrphanedDeliveries(t.rastro.ctx.db, 'test')).toBe(0);
  });
});
