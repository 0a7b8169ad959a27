import { newId } from '../../src/core/ids.ts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLedger } from '../../src/ledger/ledger.ts';
import { verifyLedger } from '../../src/ledger/verify.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

describe('ledger (C12)', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  const db = () => t.rastro.ctx.db;
  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('acme');
  });
  afterAll(() => t.close());

  it('records tenant and key creation, chained', async () => {
    const res = await t.call('GET', '/api/v1/ledger', tenant.keys.admin);
    const items = res.json().items as { seq: number; type: string; prev_hash: string; hash: string }[];
    expect(items.map((e) => e.type).sort()).toEqual(['api_key.created', 'api_key.created', 'tenant.created']);
    const asc = [...items].reverse();
    for (let i = 1; i < asc.length; i++) expect(asc[i]?.prev_hash).toBe(asc[i - 1]?.hash);
    expect((await t.call('GET', '/api/v1/ledger/verify', tenant.keys.admin)).json()).toEqual({ ok: true, entries: 3 });
  });

  it('filters by entity, type and paginates with a cursor', async () => {
    await db()
      .transaction()
      .execute((trx) =>
        appendLedger(
          trx,
          tenant.id,
          Array.from({ length: 5 }, (_, i) => ({
            actor: 'test',
            entityType: 'widget',
            entityId: `w${i}`,
            type: 'widget.made',
            data: { i, nested: { b: 1, a: [1, 2] } },
          })),
        ),
      );
    const first = (await t.call('GET', '/api/v1/ledger?type=widget.made&limit=2', tenant.keys.admin)).json();
    expect(first.items).toHaveLength(2);
    const second = (
      await t.call('GET', `/api/v1/ledger?type=widget.made&limit=2&cursor=${first.next_cursor}`, tenant.keys.admin)
    ).json();
    expect(second.items[0].seq).toBeLessThan(first.items[1].seq);
    const one = (await t.call('GET', '/api/v1/ledger?entity=widget:w3', tenant.keys.admin)).json();
    expect(one.items).toHaveLength(1);
    expect(one.items[0].data).toEqual({ i: 3, nested: { b: 1, a: [1, 2] } });
    expect((await verifyLedger(db(), tenant.id)).ok).toBe(true);
  });

  it('detects an edited entry', async () => {
    await sql`update ledger_entries set data = '{"i": 99}' where tenant_id = ${tenant.id} and entity_id = 'w2'`.execute(
      db(),
    );
    const report = await verifyLedger(db(), tenant.id);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatch(/content does not match/);
  });

  it('detects a deleted entry and a cut tail', async () => {
    const other = await t.createTenant('other');
    await sql`delete from ledger_entries where tenant_id = ${other.id} and seq = 2`.execute(db());
    expect(await verifyLedger(db(), other.id)).toMatchObject({ ok: false, broken_at: 2 });

    const third = await t.createTenant('third');
    await sql`delete from ledger_entries where tenant_id = ${third.id} and seq = 3`.execute(db());
    expect(await verifyLedger(db(), third.id)).toMatchObject({ ok: false, problem: expect.stringMatching(/head/) });
  });

  it('serializes concurrent appends into one unbroken chain', async () => {
    const fresh = await t.createTenant('busy');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db()
          .transaction()
          .execute((trx) =>
            appendLedger(trx, fresh.id, { actor: 'test', entityType: 'x', entityId: String(i), type: 'x' }),
          ),
      ),
    );
    expect(await verifyLedger(db(), fresh.id)).toEqual({ tenant_id: fresh.id, ok: true, entries: 23 });
  });

  it('starts a chain once when the first appends of a tenant race', async () => {
    const tenantId = newId();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db()
          .transaction()
          .execute((trx) =>
            appendLedger(trx, tenantId, { actor: 'test', entityType: 'x', entityId: String(i), type: 'x' }),
          ),
      ),
    );
    expect(await verifyLedger(db(), tenantId)).toEqual({ tenant_id: tenantId, ok: true, entries: 10 });
  });
});
