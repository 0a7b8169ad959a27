import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRastro, type TestRastro, type TestTenant } from '../support/harness.ts';

/** Server-to-server batches may be sent compressed (`Content-Encoding`), as Segment's and RudderStack's APIs take them. */
describe('compressed request bodies on the batch routes', () => {
  let t: TestRastro;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await startTestRastro();
    tenant = await t.createTenant('zip');
  });
  afterAll(() => t.close());

  const post = (url: string, key: string, body: Buffer | string, encoding?: string) =>
    t.inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(encoding ? { 'content-encoding': encoding } : {}),
      },
      payload: body,
    });

  const batch = (n: number, prefix: string) =>
    JSON.stringify({
      events: Array.from({ length: n }, (_, i) => ({
        event_name: 'lead',
        event_id: `${prefix}-${i}`,
        url: 'https://shop.example.com/obrigado',
        user_agent: 'Mozilla/5.0',
        user: { email: `buyer${i}@example.com` },
      })),
    });

  it('accepts gzip, br and deflate bodies on POST /events and POST /track, and stores what they held', async () => {
    const sent = [
      ['/api/v1/events', tenant.keys.admin, 'gzip', gzipSync],
      ['/api/v1/events', tenant.keys.admin, 'br', brotliCompressSync],
      ['/api/v1/track', tenant.keys.ingest, 'deflate', deflateSync],
    ] as const;
    for (const [url, key, encoding, zip] of sent) {
      const body = batch(50, encoding);
      const res = await post(url, key, zip(Buffer.from(body)), encoding);
      expect(res.statusCode, `${url} ${encoding}: ${res.body}`).toBe(202);
      expect(res.json().events).toHaveLength(50);
    }
    const stored = await t.rastro.ctx.db
      .selectFrom('events')
      .select(['event_id', 'payload'])
      .where('tenant_id', '=', tenant.id)
      .where('event_id', '=', 'br-7')
      .executeTakeFirstOrThrow();
    // Hashed at the edge, as an uncompressed body would be.
    expect(JSON.stringify(stored.payload)).not.toContain('buyer7@');
    expect((stored.payload as { user: { em: string[] } }).user.em[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names an encoding it does not take (415) and a body that is not what its encoding says (400)', async () => {
    const unknown = await post('/api/v1/events', tenant.keys.admin, 'xyz', 'compress');
    expect(unknown.statusCode).toBe(415);
    expect(unknown.json().error).toMatchObject({ code: 'unsupported_media_type' });
    expect(unknown.json().error.message).toContain('Content-Encoding compress is not accepted');
    const broken = await post('/api/v1/events', tenant.keys.admin, batch(1, 'x'), 'gzip');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.message).toMatch(/^body could not be decompressed as gzip/);
  });

  it('counts the body limit in decompressed bytes, and keeps a refused body decompressed', async () => {
    // 6 MiB of JSON that gzips to a few KiB: refused by its size once inflated, not by its size on the wire.
    const bomb = gzipSync(Buffer.from(`{"events":[{"event_name":"lead","custom":"${'a'.repeat(6 * 2 ** 20)}"}]}`));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const big = await post('/api/v1/events', tenant.keys.admin, bomb, 'gzip');
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');

    const invalid = await post('/api/v1/events', tenant.keys.admin, gzipSync('{"events":[{"value":"lots"}]}'), 'gzip');
    expect(invalid.statusCode).toBe(400);
    const list = (await t.call('GET', '/api/v1/rejections', tenant.keys.admin)).json() as {
      items: { id: string; code: string; message: string }[];
    };
    const kept = list.items.find((r) => r.message.includes('body.events.0.value'));
    const detail = (await t.call('GET', `/api/v1/rejections/${kept?.id}`, tenant.keys.admin)).json();
    expect(detail.body).toBe('{"events":[{"value":"lots"}]}');
  });

  it('leaves single-event routes as they were: a compressed body there is refused as not JSON', async () => {
    const res = await post('/api/v1/track/lead', tenant.keys.ingest, gzipSync('{"url":"https://a.example/"}'), 'gzip');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('bad_json');
  });
});
