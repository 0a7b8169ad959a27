import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { REDACT } from '../runtime/start.ts';
import { registerObservability } from './observability.ts';

describe('request log', () => {
  it('writes one line per request with its fields, while other lines stay redacted', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info', redact: REDACT },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    ) as unknown as FastifyBaseLogger;
    const app = Fastify({
      loggerInstance: logger,
      childLoggerFactory: (l) => l,
      logController: new LogController({ disableRequestLogging: true }),
      requestIdHeader: 'x-request-id',
    });
    registerObservability(app, new Registry());
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
