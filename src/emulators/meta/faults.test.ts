import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GraphAnswer, validEvent } from './fixtures.ts';
import { type MetaEmulator, startMetaEmulator } from './server.ts';

const PIXEL = '1234567890';
const TOKEN = 'EAAB-test-token-123';

let emu: MetaEmulator;
let dice: number[] = [];

beforeAll(async () => {
  // Probabilistic faults draw from this queue (0.5 when empty) so the tests are deterministic.
  emu = await startMetaEmulator({ random: () => dice.shift() ?? 0.5 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
  dice = [];
});

async function send(pixel = PIXEL, signal?: AbortSignal) {
  const res = await fetch(`${emu.url}/v21.0/${pixel}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: [validEvent()], access_token: TOKEN }),
    signal,
  });
  const text = await res.text();
  let body: GraphAnswer | undefined;
  try {
    body = JSON.parse(text) as GraphAnswer;
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: res.headers };
}

describe('Meta emulator: fault injection', () => {
  it.each([
    ['5xx', 500, 1, true],
    ['429', 429, 4, true],
    ['token_expired', 400, 190, false],
    ['permission', 403, 200, false],
    ['transient', 503, 2, true],
    ['throttle', 400, 4, true],
  ] as const)('%s answers %i with Graph code %i and records nothing', async (type, status, code, transient) => {
    emu.injectFaults({ type });
    const faulted = await send();
    expect(faulted.status).toBe(status);
    expect(faulted.body?.error).toMatchObject({ code, is_transient: transient, fbtrace_id: expect.any(String) });
    expect(emu.received()).toHaveLength(0);
    expect(emu.requests()[0]).toMatchObject({ fault: type, status, eventsReceived: 0 });

    // The rule fired once; the next request goes through.
    expect((await send()).status).toBe(200);
    expect(emu.received()).toHaveLength(1);
    expect(emu.stats()).toMatchObject({ faultedRequests: 1, acceptedRequests: 1, faultsByType: { [type]: 1 } });
  });

  it('token_expired carries subcode 463', async () => {
    emu.injectFaults({ type: 'token_expired' });
    expect((await send()).body?.error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
  });

  it('throttle can use codes 17 and 80003, and Retry-After', async () => {
    emu.injectFaults([
      { type: 'throttle', code: 17 },
      { type: 'throttle', code: 80003, retryAfterSec: 30 },
    ]);
    expect((await send()).body?.error.code).toBe(17);
    const ads = await send();
    expect(ads.body?.error.code).toBe(80003);
    expect(ads.headers.get('retry-after')).toBe('30');
    expect(() => emu.injectFaults({ type: 'throttle', code: 5 })).toThrow(TypeError);
  });

  it('malformed answers 200 with a non-JSON body and records nothing', async () => {
    emu.injectFaults({ type: 'malformed' });
    const res = await send();
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(emu.received()).toHaveLength(0);
  });

  it('hang without delay never answers and records nothing', async () => {
    emu.injectFaults({ type: 'hang' });
    await expect(send(PIXEL, AbortSignal.timeout(300))).rejects.toThrow();
    expect(emu.received()).toHaveLength(0);
    expect(emu.requests()[0]).toMatchObject({ fault: 'hang', status: 0 });
    expect((await send()).status).toBe(200);
  });

  it('hang with delayMs answers late (a slow success the client may have given up on)', async () => {
    emu.injectFaults({ type: 'hang', delayMs: 250 });
    const started = Date.now();
    const res = await send();
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(res.status).toBe(200);
    expect(emu.received()).toHaveLength(1);
  });

  it('count fires that many times, then stops', async () => {
    emu.injectFaults({ type: '5xx', count: 2 });
    expect((await send()).status).toBe(500);
    expect((await send()).status).toBe(500);
    expect((await send()).status).toBe(200);
  });

  it('probability fires on the requests whose draw is below it, until cleared', async () => {
    emu.injectFaults({ type: 'transient', probability: 0.3 });
    dice = [0.1, 0.9, 0.29, 0.3];
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send()).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
    expect(emu.faults().faults).toEqual([expect.objectContaining({ type: 'transient', fired: 2, remaining: null })]);
    emu.clearFaults();
    dice = [0];
    expect((await send()).status).toBe(200);
  });

  it('pixelId restricts a fault to one pixel', async () => {
    emu.injectFaults({ type: '5xx', pixelId: '999' });
    expect((await send(PIXEL)).status).toBe(200);
    expect((await send('999')).status).toBe(500);
  });

  it('latencyMs delays every answer of the events edge', async () => {
    emu.injectFaults({ latencyMs: 150 });
    const started = Date.now();
    expect((await send()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emu.faults().latencyMs).toBe(150);
  });

  it('faults can be armed, listed and cleared over HTTP', async () => {
    const arm = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ type: '429', count: 1 }], latencyMs: 0 }),
    });
    expect(arm.status).toBe(200);
    const listed = (await (await fetch(`${emu.url}/__emulator/faults`)).json()) as GraphAnswer;
    expect(listed.faults).toEqual([expect.objectContaining({ type: '429', remaining: 1, fired: 0 })]);
    expect((await send()).status).toBe(429);

    const bad = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'explode' }),
    });
    expect(bad.status).toBe(400);

    await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'malformed', probability: 1 }),
    });
    expect((await send()).body).toBeUndefined();
    expect((await fetch(`${emu.url}/__emulator/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await send()).status).toBe(200);
  });

  it('reset drops faults and hanging requests', async () => {
    emu.injectFaults({ type: 'hang' });
    const pending = send().catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    emu.reset();
    expect(await pending).toBeInstanceOf(Error);
    expect(emu.faults().faults).toHaveLength(0);
  });
});
