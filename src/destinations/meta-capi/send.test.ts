import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SendContext } from '../types.ts';
import type { MetaCapiConfig } from './config.ts';
import { metaCapiDestination } from './index.ts';
import { META_MAX_BATCH, sendMetaBatch } from './send.ts';
import { META_API_VERSION, PARTNER_AGENT } from './version.ts';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method, url: req.url, headers: req.headers, body: JSON.parse(text) as unknown });
      handler(req, res, text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  received.length = 0;
  server.closeAllConnections();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const config: MetaCapiConfig = { pixel_id: '123456789012345', access_token: 'EAAB-secret-token' };
const ctx = (overrides: Partial<SendContext> = {}): SendContext => ({
  baseUrls: { meta: `${baseUrl}/` },
  timeoutMs: 2000,
  userAgent: 'rastro-test/1.0',
  ...overrides,
});
const payloads = [
  { event_name: 'Purchase', event_id: 'a' },
  { event_name: 'Lead', event_id: 'b' },
];

describe('sendMetaBatch', () => {
  it('POSTs the batch to /{version}/{pixel_id}/events and classifies the answer', async () => {
    handler = (_req, res) => json(res, 200, { events_received: 2, messages: [], fbtrace_id: 'Trace1' });
    const result = await sendMetaBatch(payloads, config, ctx());

    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`/${META_API_VERSION}/123456789012345/events`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toBe('rastro-test/1.0');
    expect(req!.body).toEqual({ data: payloads, access_token: 'EAAB-secret-token', partner_agent: PARTNER_AGENT });

    expect(result).toMatchObject({
      outcome: 'delivered',
      httpStatus: 200,
      traceId: 'Trace1',
      message: 'events_received: 2',
      response: { events_received: 2, messages: [], fbtrace_id: 'Trace1' },
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('adds test_event_code and honours api_version from the config', async () => {
    handler = (_req, res) => json(res, 200, { events_received: 2 });
    await sendMetaBatch(payloads, { ...config, test_event_code: 'TEST4242', api_version: 'v24.0' }, ctx());
    expect(received[0]!.url).toBe('/v24.0/123456789012345/events');
    expect(received[0]!.body).toEqual({
      data: payloads,
      access_token: 'EAAB-secret-token',
      test_event_code: 'TEST4242',
      partner_agent: PARTNER_AGENT,
    });
  });

  it('returns platform errors as results, never throws', async () => {
    handler = (_req, res) =>
      json(res, 400, {
        error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190, fbtrace_id: 'T190' },
      });
    const result = await sendMetaBatch(payloads, config, ctx());
    expect(result).toMatchObject({ outcome: 'auth_broken', httpStatus: 400, platformCode: '190', traceId: 'T190' });
    expect(result.message).not.toContain('EAAB-secret-token');
  });

  it('classifies HTTP 429 with Retry-After as rate limited', async () => {
    handler = (_req, res) => json(res, 429, { error: { code: 4, message: 'limit' } }, { 'retry-after': '7' });
    const result = await sendMetaBatch(payloads, config, ctx());
    expect(result).toMatchObject({ outcome: 'rate_limited', httpStatus: 429, retryAfterMs: 7000 });
  });

  it('keeps a non-JSON error body as text and retries on 5xx', async () => {
    handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<h1>unavailable</h1>');
    };
    const result = await sendMetaBatch(payloads, config, ctx());
    expect(result).toMatchObject({ outcome: 'retryable', httpStatus: 503, response: '<h1>unavailable</h1>' });
  });

  it('turns a timeout into a retryable result', async () => {
    handler = () => {
      // Never answer.
    };
    const started = Date.now();
    const result = await sendMetaBatch(payloads, config, ctx({ timeoutMs: 150 }));
    expect(result.outcome).toBe('retryable');
    expect(result.httpStatus).toBeNull();
    expect(result.message).toMatch(/^timeout: no complete answer from Meta within 150 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('turns a refused connection into a retryable result', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await sendMetaBatch(payloads, config, ctx({ baseUrls: { meta: `http://127.0.0.1:${port}` } }));
    expect(result.outcome).toBe('retryable');
    expect(result.httpStatus).toBeNull();
    expect(result.message).toMatch(/ECONNREFUSED/);
  });

  it('sends nothing for an empty batch or one over the limit', async () => {
    handler = (_req, res) => json(res, 200, { events_received: 0 });
    expect((await sendMetaBatch([], config, ctx())).outcome).toBe('delivered');
    const tooMany = Array.from({ length: META_MAX_BATCH + 1 }, (_, i) => ({ event_id: String(i) }));
    expect((await sendMetaBatch(tooMany, config, ctx())).outcome).toBe('permanent');
    expect(received).toHaveLength(0);
  });
});

describe('metaCapiDestination', () => {
  it('declares its contract', () => {
    expect(metaCapiDestination.type).toBe('meta_capi');
    expect(metaCapiDestination.secretFields).toEqual(['access_token']);
    expect(metaCapiDestination.limits).toEqual({
      maxBatch: 1000,
      defaultRatePerSecond: 1000,
      maxEventAgeSeconds: 7 * 24 * 3600,
    });
    expect(metaCapiDestination.send).toBe(sendMetaBatch);
  });
});
