import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaEmulator } from '../../src/emulators/meta/server.ts';
import { genericOrderPaid, postGenericWebhook } from '../support/generic-webhook.ts';
import { waitFor, type TestRastro, type TestTenant } from '../support/harness.ts';
import { startMetaRig, type MetaRig } from '../support/meta.ts';

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const SECRET = 'generic-secret-123';

describe('matching a sale to its click (C3)', () => {
  let emulator: MetaEmulator;
  let t: TestRastro;
  let tenant: TestTenant;
  let other: TestTenant;
  const hooks = new Map<string, string>();
  let rig: MetaRig;

  beforeAll(async () => {
    rig = await startMetaRig();
    ({ emulator, t, tenant } = rig);
    other = await t.createTenant('other shop');
    await t.call('PUT', '/api/v1/settings/matching', tenant.keys.admin, { grace_seconds: 0 });
    for (const gateway of ['generic', 'hotmart']) {
      const res = await t.call('POST', '/api/v1/gateway-connections', tenant.keys.admin, {
        gateway,
        name: gateway,
        secret: SECRET,
      });
      const url = new URL(res.json().webhook_url);
      hooks.set(gateway, url.pathname + url.search);
    }
  });
  afterAll(() => rig.close());

  const track = (key: string, event: string, body: Record<string, unknown>, ip = '198.51.100.20') =>
    t.inject({
      method: 'POST',
      url: `/api/v1/track/${event}`,
      headers: { authorization: `Bearer ${key}`, 'user-agent': UA },
      remoteAddress: ip,
      payload: body,
    });

  const sale = async (orderId: string, buyer: Record<string, unknown>, tracking: Record<string, unknown> = {}) => {
    const payload = genericOrderPaid(orderId, { amount: 297, buyer, tracking });
    const res = await postGenericWebhook(t, hooks.get('generic')!, payload, SECRET);
    expect(res.statusCode, res.body).toBe(200);
    return waitFor(async () => {
      const list = (await t.call('GET', `/api/v1/conversions?order_id=${orderId}`, tenant.keys.admin)).json();
      const c = list.items[0];
      return c?.match?.status && c.match.status !== 'pending' ? c : undefined;
    });
  };
  const sentFor = (eventId: string) =>
    waitFor(() => emulator.received().find((e) => e.eventId === eventId), 10_000, `purchase ${eventId} at Meta`);

  it('by the Rastro click id carried through the checkout (Hotmart sck)', async () => {
    const link = await t.call('POST', '/api/v1/links', tenant.keys.admin, {
      slug: 'curso-horta',
      target_url: 'https://pay.hotmart.com/X123?off=abc',
      click_id_param: 'sck',
    });
    expect(link.statusCode, link.body).toBe(201);
    const visit = await t.inject({
      method: 'GET',
      url: '/go/curso-horta?fbclid=IwAR-click-1&utm_source=facebook',
      headers: { 'user-agent': UA },
      remoteAddress: '198.51.100.77',
    });
    expect(visit.statusCode).toBe(302);
    const clickId = new URL(visit.headers.location as string).searchParams.get('sck');
    expect(clickId).toMatch(/^rc/);
    const c = await sale('M-CLICK', { email: 'ana@example.com' }, { rastro_id: clickId });
    expect(c.match).toMatchObject({ status: 'matched', rule: 'click_id', click_id: clickId });
    expect(c.match.score).toBeGreaterThanOrEqual(0.85);
    const got = await sentFor(c.purchase_event_id);
    const user = got.event.user_data as Record<string, unknown>;
    expect(user.fbc).toMatch(/^fb\.1\.\d+\.IwAR-click-1$/);
    expect(user.client_ip_address).toBe('198.51.100.77');
    expect(user.client_user_agent).toBe(UA);
    expect(got.event.action_source).toBe('website');
    const detail = (await t.call('GET', `/api/v1/events/${c.purchase_event_id}`, tenant.keys.admin)).json();
    expect(detail.conversion).toMatchObject({ order_id: 'M-CLICK', match: { rule: 'click_id' } });
  });

  it('by the fbclid the gateway carried, enriching with the session fbp, IP and UA', async () => {
    const session = 'rs0000000000aaaaaaaaaaa'.slice(0, 22);
    const tracked = await track(tenant.keys.ingest, 'page_view', {
      session_id: session,
      url: 'https://shop.example.com/?fbclid=IwAR-fb-2',
      fbclid: 'IwAR-fb-2',
      fbp: 'fb.1.1700000000000.123456789',
    });
    expect(tracked.statusCode, tracked.body).toBe(202);
    const c = await sale('M-FBCLID', { email: 'bia@example.com' }, { fbclid: 'IwAR-fb-2' });
    expect(c.match).toMatchObject({ status: 'matched', rule: 'fbclid', session_id: session });
    const user = (await sentFor(c.purchase_event_id)).event.user_data as Record<string, unknown>;
    expect(user.fbp).toBe('fb.1.1700000000000.123456789');
    expect(user.client_ip_address).toBe('198.51.100.20');
  });

  it('by an email seen earlier in a session (identity graph), never across tenants', async () => {
    const session = 'rs0000000000bbbbbbbbbbb'.slice(0, 22);
    await track(other.keys.ingest, 'lead', {
      session_id: 'rs0000000000zzzzzzzzzzz'.slice(0, 22),
      user: { email: 'caio@example.com' },
    });
    const tracked = await track(tenant.keys.ingest, 'lead', {
      session_id: session,
      url: 'https://shop.example.com/lead',
      user: { email: 'Caio@Example.com' },
      fbp: 'fb.1.1700000000001.987654321',
    });
    expect(tracked.statusCode, tracked.body).toBe(202);
    const c = await sale('M-EMAIL', { email: 'caio@example.com' });
    expect(c.match).toMatchObject({ status: 'matched', rule: 'email', session_id: session });
    const user = (await sentFor(c.purchase_event_id)).event.user_data as Record<string, unknown>;
    expect(user.fbp).toBe('fb.1.1700000000001.987654321');
  });

  it('by IP and user agent alone: matched but flagged for review, then confirmed by a person', async () => {
    const session = 'rs0000000000ccccccccccc'.slice(0, 22);
    await track(
      tenant.keys.ingest,
      'page_view',
      { session_id: session, url: 'https://shop.example.com/' },
      '203.0.113.99',
    );
    const c = await sale('M-IPUA', { email: 'dani@example.com' }, { client_ip: '203.0.113.99', user_agent: UA });
    expect(c.match).toMatchObject({ status: 'review', rule: 'ip_ua', session_id: session });
    expect(c.match.score).toBeGreaterThanOrEqual(0.6);
    expect(c.match.score).toBeLessThan(0.85);
    const reviewed = await t.call('POST', `/api/v1/conversions/${c.id}/review`, tenant.keys.admin, {
      decision: 'confirm',
    });
    expect(reviewed.json().match).toMatchObject({ status: 'matched', reviewed: { decision: 'confirm' } });
    const ledger = (await t.call('GET', '/api/v1/ledger?type=match.confirmed', tenant.keys.admin)).json();
    expect(ledger.items).toHaveLength(1);
  });

  it('leaves an organic sale unmatched and still delivers it', async () => {
    const c = await sale('M-NONE', { email: 'eva@example.com' });
    expect(c.match).toMatchObject({ status: 'unmatched', candidates: 0 });
    const got = await sentFor(c.purchase_event_id);
    expect(got.event.action_source).toBe('system_generated');
  });

  it('waits for a late browser beacon within the grace period', async () => {
    await t.call('PUT', '/api/v1/settings/matching', tenant.keys.admin, { grace_seconds: 2 });
    const pending = sale('M-LATE', { email: 'fabi@example.com' });
    await new Promise((r) => setTimeout(r, 300));
    const session = 'rs0000000000ddddddddddd'.slice(0, 22);
    await track(tenant.keys.ingest, 'lead', {
      session_id: session,
      user: { email: 'fabi@example.com' },
      fbp: 'fb.1.1700000000002.55555',
    });
    const first = await pending;
    const c = await waitFor(async () => {
      const list = (await t.call('GET', `/api/v1/conversions?order_id=M-LATE`, tenant.keys.admin)).json();
      return list.items[0]?.match?.status === 'matched' ? list.items[0] : undefined;
    }, 10_000);
    expect(['unmatched', 'matched']).toContain(first.match.status);
    expect(c.match).toMatchObject({ rule: 'email', session_id: session });
    const user = (await sentFor(c.purchase_event_id)).event.user_data as Record<string, unknown>;
    expect(user.fbp).toBe('fb.1.1700000000002.55555');
    await t.call('PUT', '/api/v1/settings/matching', tenant.keys.admin, { grace_seconds: 0 });
  });
});
