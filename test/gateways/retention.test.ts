import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetention } from '../../src/retention/task.ts';
import { genericOrderPaid, postGenericWebhook } from '../support/generic-webhook.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

describe('retention', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('r');
  });
  afterAll(() => t.close());

  it('purges raw webhook bodies after the connection retention, keeping the receipt', async () => {
    const conn = (
      await t.call('POST', '/api/v1/gateway-connections', tenant.keys.admin, {
        gateway: 'generic',
        name: 'g',
        secret: 'generic-secret-123',
        settings: { raw_retention_days: 1 },
      })
    ).json();
    const payload = genericOrderPaid('R-1', { amount: 10, buyer: { email: 'a@b.com' }, products: [] });
    const res = await postGenericWebhook(t, new URL(conn.webhook_url).pathname, payload, 'generic-secret-123');
    expect(res.statusCode, res.body).toBe(200);
    const db = t.rastro.ctx.db;
    await runRetention(t.rastro.ctx);
    expect(
      (await db.selectFrom('webhook_receipts').select('body_sealed').executeTakeFirstOrThrow()).body_sealed,
    ).not.toBeNull();
    await sql`update webhook_receipts set received_at = now() - interval '2 days'`.execute(db);
    await runRetention(t.rastro.ctx);
    const row = await db.selectFrom('webhook_receipts').select(['body_sealed', 'draft']).executeTakeFirstOrThrow();
    expect(row.body_sealed).toBeNull();
    expect(row.draft).not.toBeNull();
  });
});
