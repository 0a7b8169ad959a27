import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GraphAnswer, validEvent, withUserData } from './fixtures.ts';
import { type MetaEmulator, startMetaEmulator } from './server.ts';

const PIXEL = '1234567890';
const TOKEN = 'EAAB-test-token-123';

let emu: MetaEmulator;

beforeAll(async () => {
  emu = await startMetaEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

const edge = (pixel = PIXEL, version = 'v21.0') => `${emu.url}/${version}/${pixel}/events`;

async function postJson(body: unknown, init: { url?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(init.url ?? edge(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as GraphAnswer, headers: res.headers };
}

describe('Meta emulator: events edge', () => {
  it('accepts a valid batch and records every event with pixel, request id and time', async () => {
    const data = [
      validEvent({ event_id: 'a' }),
      validEvent({ event_id: 'b', event_name: 'Lead', custom_data: undefined }),
    ];
    const before = Date.now();
    const res = await postJson({ data, access_token: TOKEN, partner_agent: 'rastro-test' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ events_received: 2, messages: [], fbtrace_id: expect.any(String) });
    expect(res.headers.get('x-fb-trace-id')).toBe(res.body.fbtrace_id);

    const received = emu.received();
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({
      pixelId: PIXEL,
      apiVersion: 'v21.0',
      eventName: 'Purchase',
      eventId: 'a',
      index: 0,
      isTest: false,
      partnerAgent: 'rastro-test',
      fbtraceId: res.body.fbtrace_id,
    });
    expect(received[0]!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(received[1]!.requestId).toBe(received[0]!.requestId);
    expect(emu.requests()).toEqual([
      expect.objectContaining({ id: received[0]!.requestId, status: 200, eventsReceived: 2, tokenHint: '-123' }),
    ]);
    expect(JSON.stringify(emu.requests())).not.toContain(TOKEN);
  });

  it('rejects the whole batch when one event is invalid and records nothing', async () => {
    const data = [validEvent(), validEvent(), withUserData({ em: 'buyer@example.com' })];
    const res = await postJson({ data, access_token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      message: 'Invalid parameter',
      type: 'OAuthException',
      code: 100,
      error_subcode: 2804019,
      is_transient: false,
      fbtrace_id: expect.any(String),
    });
    expect(res.body.error.error_user_msg).toContain('data[2].user_data.em');
    expect(emu.received()).toHaveLength(0);
    expect(emu.requests()[0]).toMatchObject({ status: 400, errorCode: 100, errorSubcode: 2804019, eventsReceived: 0 });
  });

  it('answers an old event_time with the Event Timestamp Too Old refusal', async () => {
    const res = await postJson({
      data: [validEvent({ event_time: Math.floor(Date.now() / 1000) - 8 * 86_400 })],
      access_token: TOKEN,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 100,
      error_subcode: 2804003,
      error_user_title: 'Event Timestamp Too Old',
    });
  });

  it('records test_event_code so tests can see events went to Test Events', async () => {
    await postJson({ data: [validEvent()], test_event_code: 'TEST4242', access_token: TOKEN });
    await postJson({ data: [validEvent({ event_id: 'prod' })], access_token: TOKEN });
    expect(emu.received({ isTest: true })).toEqual([
      expect.objectContaining({ testEventCode: 'TEST4242', isTest: true }),
    ]);
    expect(emu.received({ testEventCode: 'TEST4242' })).toHaveLength(1);
    expect(emu.received({ isTest: false })).toEqual([
      expect.objectContaining({ eventId: 'prod', testEventCode: undefined }),
    ]);
    expect(emu.stats()).toMatchObject({ eventsReceived: 2, testEvents: 1 });
    expect(emu.requests()[0]!.testEventCode).toBe('TEST4242');
  });

  it('records duplicates so tests can count them by (pixel, event_id, event_name)', async () => {
    const event = validEvent({ event_id: 'same' });
    await postJson({ data: [event, event], access_token: TOKEN });
    await postJson({ data: [event], access_token: TOKEN });
    await postJson({ data: [validEvent({ event_id: 'same', event_name: 'Lead' })], access_token: TOKEN });
    expect(emu.received()).toHaveLength(4);
    expect(emu.stats()).toMatchObject({ eventsReceived: 4, duplicateEvents: 2 });
  });

  it('accepts application/x-www-form-urlencoded with data as a JSON string', async () => {
    const res = await fetch(edge(), {
      method: 'POST',
      body: new URLSearchParams({
        data: JSON.stringify([validEvent()]),
        access_token: TOKEN,
        test_event_code: 'TEST1',
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ events_received: 1 });
    expect(emu.received()[0]).toMatchObject({ testEventCode: 'TEST1' });
  });

  it('validates form-encoded bodies the same way', async () => {
    const res = await fetch(edge(), {
      method: 'POST',
      body: new URLSearchParams({ data: JSON.stringify([validEvent({ action_source: 'web' })]), access_token: TOKEN }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as GraphAnswer).error.error_user_msg).toContain('data[0].action_source');
  });

  it('accepts multipart/form-data, as in curl -F examples', async () => {
    const form = new FormData();
    form.set('data', JSON.stringify([validEvent()]));
    form.set('access_token', TOKEN);
    const res = await fetch(edge(), { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(emu.received()).toHaveLength(1);
  });

  it('accepts data as a JSON string inside a JSON body', async () => {
    const res = await postJson({ data: JSON.stringify([validEvent()]), access_token: TOKEN });
    expect(res.status).toBe(200);
  });

  it('refuses a missing data parameter and an unreadable body in Graph shape', async () => {
    const missing = await postJson({ access_token: TOKEN });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 100, message: '(#100) The parameter data is required' });

    const bad = await fetch(edge(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as GraphAnswer).error).toMatchObject({ code: 100, type: 'OAuthException' });
  });

  it('refuses batches over 1000 events', async () => {
    const data = Array.from({ length: 1001 }, (_, i) => validEvent({ event_id: `e${i}` }));
    const res = await postJson({ data, access_token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(100);
    expect(emu.received()).toHaveLength(0);
  });

  it('requires a Graph version of the form vN.N', async () => {
    const res = await postJson({ data: [validEvent()], access_token: TOKEN }, { url: edge(PIXEL, 'latest') });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(2500);
  });

  it('answers unknown paths and GET on the edge with Graph errors', async () => {
    const get = await fetch(`${edge()}?access_token=${TOKEN}`);
    expect(get.status).toBe(400);
    expect(((await get.json()) as GraphAnswer).error).toMatchObject({ code: 100, type: 'GraphMethodException' });
    const other = await fetch(`${emu.url}/v21.0/${PIXEL}/adspixels`, { method: 'POST' });
    expect(((await other.json()) as GraphAnswer).error.code).toBe(2500);
  });
});

describe('Meta emulator: access tokens', () => {
  it('takes the token from the body, the query string or an Authorization header', async () => {
    expect((await postJson({ data: [validEvent()], access_token: TOKEN })).status).toBe(200);
    expect((await postJson({ data: [validEvent()] }, { url: `${edge()}?access_token=${TOKEN}` })).status).toBe(200);
    expect((await postJson({ data: [validEvent()] }, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      200,
    );
  });

  it('refuses a request without a token (104) and a malformed token (190)', async () => {
    const none = await postJson({ data: [validEvent()] });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({ code: 104, type: 'OAuthException' });

    const bad = await postJson({ data: [validEvent()], access_token: 'x y' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 190,
      message: 'Invalid OAuth access token - Cannot parse access token',
    });

    const expired = await postJson({ data: [validEvent()], access_token: 'expired-token-1' });
    expect(expired.body.error).toMatchObject({ code: 190, error_subcode: 463 });
    expect(emu.received()).toHaveLength(0);
  });

  it('refuses non-numeric pixel ids as inaccessible objects', async () => {
    const res = await postJson({ data: [validEvent()], access_token: TOKEN }, { url: edge('my-pixel') });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
  });

  it('with a token map, refuses unknown tokens and pixels the token may not use', async () => {
    const scoped = await startMetaEmulator({ tokens: { 'tok-alpha-1': ['111'], 'tok-any-22': ['*'] } });
    try {
      const post = (pixel: string, token: string) =>
        fetch(`${scoped.url}/v21.0/${pixel}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ data: [validEvent()], access_token: token }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as GraphAnswer }));
      expect((await post('111', 'tok-alpha-1')).status).toBe(200);
      const other = await post('222', 'tok-alpha-1');
      expect(other.status).toBe(400);
      expect(other.body.error).toMatchObject({ code: 100, error_subcode: 33 });
      expect(other.body.error.message).toContain("'222'");
      expect((await post('111', 'EAAB-not-in-map')).body.error.code).toBe(190);
      expect((await post('anything', 'tok-any-22')).status).toBe(200);
      expect(scoped.received().map((e) => e.pixelId)).toEqual(['111', 'anything']);
    } finally {
      await scoped.close();
    }
  });
});

describe('Meta emulator: control endpoints', () => {
  it('serves received, requests and stats over HTTP and resets', async () => {
    await postJson({
      data: [validEvent(), validEvent({ event_name: 'Lead', custom_data: undefined })],
      access_token: TOKEN,
    });
    await postJson({ data: [validEvent()], access_token: TOKEN, test_event_code: 'T1' });

    const received = (await (await fetch(`${emu.url}/__emulator/received?eventName=Lead`)).json()) as GraphAnswer;
    expect(received.count).toBe(1);
    expect(received.events[0]).toMatchObject({ eventName: 'Lead', pixelId: PIXEL });
    const tests = (await (await fetch(`${emu.url}/__emulator/received?isTest=true`)).json()) as GraphAnswer;
    expect(tests.count).toBe(1);
    const last = (await (await fetch(`${emu.url}/__emulator/received?limit=1`)).json()) as GraphAnswer;
    expect(last.events[0]?.testEventCode).toBe('T1');

    const requests = (await (await fetch(`${emu.url}/__emulator/requests`)).json()) as GraphAnswer;
    expect(requests.count).toBe(2);
    const stats = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as GraphAnswer;
    expect(stats).toMatchObject({ requests: 2, acceptedRequests: 2, eventsReceived: 3, eventsByPixel: { [PIXEL]: 3 } });

    expect((await fetch(`${emu.url}/__emulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(emu.received()).toHaveLength(0);
    expect(emu.stats().requests).toBe(0);
  });
});
