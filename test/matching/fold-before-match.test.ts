import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEmissions, processReceipts, type ConversionMatcher } from '../../src/conversions/process.ts';
import { createMatcher } from '../../src/matching/matcher.ts';
import { genericOrderPaid, postGenericWebhook } from '../support/generic-webhook.ts';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const SECRET = 'generic-secret-123';

// Sessions queued by the track API (RASTRO_INGEST_SESSIONS=queue) are folded before matching opens
// its transaction: a backlog folded inside it would hold the group's locks for as long as it takes.
describe('matching folds the queued session touches before its transaction', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  let hook: string;

  beforeAll(async () => {
    t = await startTestRastro({ env: { RASTRO_INGEST_SESSIONS: 'queue' } });
    tenant = await t.createTenant('shop');
    await t.call('PUT', '/api/v1/settings/matching', tenant.keys.admin, { grace_seconds: 0 });
    const res = await t.call('POST', '/api/v1/gateway-connections', tenant.keys.admin, {
      gateway: 'generic',
      name: 'generic',
      secret: SECRET,
    });
    const url = new URL(res.json().webhook_url);
    hook = url.pathname + url.search;
  });
  afterAll(() => t.close());

  it('leaves nothing queued for the transaction, and the sale matches the queued session', async () => {
    const db = t.rastro.ctx.db;
    // A backlog: 30 track requests, each queuing its own group of touches.
    for (let i = 0; i < 30; i++) {
      const res = await t.inject({
        method: 'POST',
        url: '/api/v1/track',
        headers: { authorization: `Bearer ${tenant.keys.ingest}`, 'user-agent': UA },
        remoteAddress: '198.51.100.77',
        payload: {
          events: [
            { event_name: 'page_view', session_id: `rs-backlog-${i}`, url: 'https://shop.example.com/' },
            ...(i === 29
              ? [{ event_name: 'lead', session_id: 'rs-buyer', user: { email: 'buyer.fold@example.com' } }]
              : []),
          ],
        },
      });
      expect(res.statusCode, res.body).toBe(202);
    }
    const queued = async () =>
      Number(
        (await sql<{ n: string }>`select count(*) as n from session_touches where tenant_id = ${tenant.id}`.execute(db))
          .rows[0]!.n,
      );
    expect(await queued()).toBe(30);

    const payload = genericOrderPaid('fold-1', { buyer: { email: 'buyer.fold@example.com' } });
    const res = await postGenericWebhook(t, hook, payload, SECRET);
    expect(res.statusCode, res.body).toBe(200);
    expect(await processReceipts(db)).toBe(1);

    const matcher = createMatcher();
    const queuedAtMatch: number[] = [];
    const watching: ConversionMatcher = {
      prepare: matcher.prepare!.bind(matcher),
      async match(trx, row, final, memo) {
        queuedAtMatch.push(
          Number((await sql<{ n: string }>`select count(*) as n from session_touches`.execute(trx)).rows[0]!.n),
        );
        return matcher.match(trx, row, final, memo);
      },
    };
    expect(await processEmissions(db, t.rastro.ctx.secrets, watching)).toBeGreaterThan(0);
    expect(queuedAtMatch.length).toBeGreaterThan(0);
    expect(queuedAtMatch.every((n) => n === 0)).toBe(true);

    const list = (await t.call('GET', '/api/v1/conversions?order_id=fold-1', tenant.keys.admin)).json();
    expect(list.items[0].match.status).toBe('matched');
    expect(list.items[0].match.session_id).toBe('rs-buyer');
  });
});
