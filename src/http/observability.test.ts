import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { REDACT } from '../runtime/start.ts';
import { logsRequest, registerObservability } from './observability.ts';

const appWith = (policy?: 'all' | 'errors' | 'off') => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info', redact: REDACT }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    childLoggerFactory: (l) => l,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
  });
  const registry = new Registry();
  registerObservability(app, registry, policy);
  return { app, lines, registry };
};

describe('request log', () => {
  it('follows RASTRO_REQUEST_LOG: errors logs answers of 400 and above, off none; metrics count every request', async () => {
    for (const [policy, expected] of [
      ['errors', [400, 404]],
      ['off', []],
      ['all', [200, 400, 404]],
    ] as const) {
      const { app, lines, registry } = appWith(policy);
      app.get('/ok', async () => ({ ok: true }));
      app.get('/bad', async (_req, reply) => reply.code(400).send({ error: 'bad' }));
      for (const url of ['/ok', '/bad', '/missing']) await app.inject({ url });
      expect(
        lines.filter((l) => l.msg === 'request').map((l) => l.status),
        policy,
      ).toEqual(expected);
      const counted = (await registry.getSingleMetric('rastro_http_requests_total')!.get()).values;
      expect(
        counted.reduce((n, v) => n + v.value, 0),
        policy,
      ).toBe(3);
      await app.close();
    }
    expect(logsRequest('errors', 399)).toBe(false);
    expect(logsRequest('errors', 500)).toBe(true);
  });

  it('writes one line per request with its fields, while other lines stay redacted', async () => {
    const { app, lines } = appWith();
    app.get('/things/:id', async () => ({ ok: true }));
    const res = await app.inject({ url: '/things/7?key=secret-key', headers: { 'x-request-id': 'req-1' } });
    expect(res.headers['x-request-id']).toBe('req-1');
    expect(lines.at(-1)).toMatchObject({
      msg: 'request',
      request_id: 'req-1',
      method: 'GET',
      route: '/things/:id',
      status: 200,
      duration_ms: expect.any(Number),
    });
    // The route pattern, never the URL (a `?key=` would be in it).
    expect(JSON.stringify(lines.at(-1))).not.toContain('secret-key');
    app.log.info({ destination: { access_token: 'EAAtoken' } }, 'other');
    expect(lines.at(-1)).toMatchObject({ msg: 'other', destination: { access_token: '[Redacted]' } });
    await app.close();
  });
});
