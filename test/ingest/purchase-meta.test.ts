import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { PIXEL, startMetaRig, type MetaRig } from '../support/meta.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';

describe('a tracked purchase reaches the Meta emulator', () => {
  let emulator: MetaEmulator;
  let t: TestRastro;
  let tenant: TestTenant;
  let rig: MetaRig;

  beforeAll(async () => {
    rig = await startMetaRig();
    ({ emulator, t, tenant } = rig);
  });
  afterAll(() => rig.close());

  it('delivers a browser purchase with hashed identifiers, fbc/fbp, request IP and UA, and the shared event_id', async () => {
    const fbc = `fb.1.${Date.now() - 60_000}.IwAR-purchase`;
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/track/purchase?key=${tenant.keys.ingest}`,
      headers: { 'content-type': 'text/plain', 'user-agent': UA },
      remoteAddress: '203.0.113.77',
      payload: JSON.stringify({
        event_id: 'pixel-shared-42',
        url: 'https://shop.example.com/obrigado',
        session_id: 'rs-purchase',
        fbc,
        fbp: 'fb.1.1700000000000.1234567890',
        user: { email: 'Joao.Souza@Example.com', phone: '(21) 99876-5432', first_name: 'João' },
        value: 297.5,
        currency: 'brl',
        order_id: 'HP-1001',
        contents: [{ id: 'curso-1', quantity: 1, price: 297.5 }],
      }),
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().event_id).toBe('pixel-shared-42');

    const got = await waitFor(
      () => emulator.received({ eventName: 'Purchase' }).find((r) => r.eventId === 'pixel-shared-42'),
      15_000,
      'the purchase at the emulator',
    );
    expect(got.pixelId).toBe(PIXEL);
    expect(got.event).toMatchObject({
      event_name: 'Purchase',
      event_id: 'pixel-shared-42',
      action_source: 'website',
      event_source_url: 'https://shop.example.com/obrigado',
      custom_data: { value: 297.5, currency: 'BRL', order_id: 'HP-1001' },
    });
    const user = got.event.user_data as Record<string, unknown>;
    expect(user.em).toEqual([sha('joao.souza@example.com')]);
    expect(user.ph).toEqual([sha('5521998765432')]);
    expect(user.fn).toEqual([sha('joão')]);
    expect(user).toMatchObject({
      fbc,
      fbp: 'fb.1.1700000000000.1234567890',
      client_ip_address: '203.0.113.77',
      client_user_agent: UA,
    });
    // Nothing in clear at rest: events, sessions, identity graph, queued session touches.
    const dump = JSON.stringify([
      await t.rastro.ctx.db.selectFrom('events').select('payload').execute(),
      await t.rastro.ctx.db.selectFrom('sessions').selectAll().execute(),
      await t.rastro.ctx.db.selectFrom('identity_links').selectAll().execute(),
      await t.rastro.ctx.db.selectFrom('session_touches').selectAll().execute(),
    ]);
    expect(dump).not.toMatch(/joao|souza|99876/i);
  });

  it('never sends a consent-denied purchase', async () => {
    const res = await t.call('POST', '/api/v1/track/purchase', tenant.keys.ingest, {
      event_id: 'denied-purchase',
      url: 'https://shop.example.com/obrigado',
      user: { email: 'x@example.com' },
      value: 10,
      currency: 'BRL',
      consent: { ads: false },
    });
    expect(res.statusCode).toBe(202);
    // A consented event tracked after it is delivered, so the denied one had its chance to be (wrongly) sent.
    const after = await t.call('POST', '/api/v1/track/purchase', tenant.keys.ingest, {
      event_id: 'after-denied',
      url: 'https://shop.example.com/obrigado',
      user: { email: 'y@example.com' },
      ip: '203.0.113.8',
      user_agent: UA,
      value: 10,
      currency: 'BRL',
    });
    expect(after.statusCode).toBe(202);
    await waitFor(() => emulator.received().find((r) => r.eventId === 'after-denied'), 15_000, 'the later purchase');
    expect(emulator.received().filter((r) => r.eventId === 'denied-purchase')).toEqual([]);
  });
});
