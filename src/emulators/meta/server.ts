/**
 * Local emulator of Meta's Graph API Conversions API edge, `POST /{version}/{pixel_id}/events`.
 *
 * Used by tests, benchmarks, the demo and sandbox mode. It validates requests the way Meta
 * documents (./validation.ts, independent of Rastro's own mapper), answers in Graph's JSON shapes,
 * records what it accepted, and can inject faults. See ./README.md for the rules and control API.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { mergeParams, parseMultipart, parseUrlEncoded, type Params } from './body.ts';
import { type FaultAction, type FaultInput, FaultInjector, type FaultSpec } from './faults.ts';
import {
  type GraphErrorSpec,
  graphErrorBody,
  newTraceId,
  objectNotAccessible,
  tokenExpired,
  tokenInvalid,
  tokenRequired,
  topLevelParameter,
  unknownPath,
} from './graph-errors.ts';
import {
  type EmulatorStats,
  EmulatorStore,
  type ReceivedEvent,
  type ReceivedFilter,
  type RequestRecord,
} from './store.ts';
import { validateRequestData, type WeakUserDataPolicy } from './validation.ts';

export type { FaultConfig, FaultInput, FaultSpec, FaultType } from './faults.ts';
export type { EmulatorStats, ReceivedEvent, ReceivedFilter, RequestRecord } from './store.ts';

export interface MetaEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Access token -> pixel ids it may send to (`'*'` for any). When absent, any well-formed token
   * (8+ characters of `[A-Za-z0-9_.|-]`) may send to any numeric pixel id.
   */
  tokens?: Record<string, string[]>;
  /** Fastify request logging (default off). */
  logger?: boolean;
  /** Customer information too broad to match: 'reject' (default, subcode 2804050) or 'warn' (in `messages`). */
  weakUserData?: WeakUserDataPolicy;
  /** Keep accepted events in memory (default true); counters in stats() are kept either way. */
  storeEvents?: boolean;
  /** Keep at most this many events and request records (oldest dropped). Default unlimited. */
  maxStored?: number;
  /** Clock for event_time checks, epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Random source for probabilistic faults (default Math.random). */
  random?: () => number;
}

export interface MetaEmulator {
  /** Base URL such as `http://127.0.0.1:41234`; the events edge is `${url}/v21.0/<pixel>/events`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Accepted events, optionally filtered. */
  received(filter?: ReceivedFilter): ReceivedEvent[];
  /** Every request to the events edge, with its answer. */
  requests(): RequestRecord[];
  /** Forgets events, requests, counters and faults, and drops hanging requests. */
  reset(): void;
  /** Adds fault rules (one, a list, or `{faults, latencyMs, replace}`). Throws TypeError on a bad spec. */
  injectFaults(input: FaultInput): void;
  clearFaults(): void;
  /** Armed fault rules and the global latency. */
  faults(): { faults: Array<FaultSpec & { remaining: number | null; fired: number }>; latencyMs: number };
  stats(): EmulatorStats;
}

const VERSION_RE = /^v\d+\.\d+$/;
const PIXEL_RE = /^\d+$/;
const TOKEN_RE = /^[A-Za-z0-9_.|-]{8,}$/;
const MALFORMED_BODY = '<!DOCTYPE html><html><body><h1>Sorry, something went wrong.</h1></body></html>';

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

function tokenFrom(params: Params, request: FastifyRequest): string | undefined {
  const fromParams = params.access_token;
  if (typeof fromParams === 'string' && fromParams !== '') return fromParams;
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  return undefined;
}

export async function startMetaEmulator(opts: MetaEmulatorOptions = {}): Promise<MetaEmulator> {
  const store = new EmulatorStore({ storeEvents: opts.storeEvents, maxStored: opts.maxStored });
  const injector = new FaultInjector(opts.random);
  const now = opts.now ?? Date.now;
  const tokens = opts.tokens;
  const weakUserData = opts.weakUserData ?? 'reject';
  const hanging = new Set<ServerResponse>();
  let seq = 0;

  const app: FastifyInstance = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 32 * 1024 * 1024,
    forceCloseConnections: true,
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseUrlEncoded(body as string));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (req, body, done) => {
    const parsed = parseMultipart(body as string, req.headers['content-type'] ?? '');
    if (parsed) done(null, parsed);
    else done(Object.assign(new Error('multipart body without a boundary'), { statusCode: 400 }), undefined);
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    // Graph ignores bodies it cannot read; parameters may still come in the query string.
    done(null, body === '' ? undefined : { __unparsed: true });
  });

  const sendGraphError = (reply: FastifyReply, record: RequestRecord, spec: GraphErrorSpec) => {
    record.status = spec.status;
    record.errorCode = spec.code;
    record.errorSubcode = spec.subcode;
    record.errorMessage = spec.userMsg ?? spec.message;
    return reply
      .code(spec.status)
      .header('x-fb-trace-id', record.fbtraceId)
      .send(graphErrorBody(spec, record.fbtraceId));
  };

  const newRecord = (request: FastifyRequest, extra: Partial<RequestRecord> = {}): RequestRecord =>
    store.begin({
      id: `req_${++seq}`,
      at: Date.now(),
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      contentType: request.headers['content-type'],
      status: 0,
      eventsReceived: 0,
      fbtraceId: newTraceId(),
      ...extra,
    });

  const finish = (record: RequestRecord, startedAt: number) => {
    record.durationMs = Date.now() - startedAt;
    store.finish(record);
  };

  const sendFault = (reply: FastifyReply, record: RequestRecord, fault: Exclude<FaultAction, { kind: 'hang' }>) => {
    if (fault.kind === 'malformed') {
      record.status = 200;
      return reply.code(200).type('text/html; charset=utf-8').send(MALFORMED_BODY);
    }
    if (fault.headers) reply.headers(fault.headers);
    return sendGraphError(reply, record, fault.error);
  };

  // ---- The events edge ------------------------------------------------------------------------

  app.post<{ Params: { version: string; pixelId: string } }>('/:version/:pixelId/events', async (request, reply) => {
    const startedAt = Date.now();
    const { version, pixelId } = request.params;
    const record = newRecord(request, { apiVersion: version, pixelId });
    try {
      if (!VERSION_RE.test(version)) return sendGraphError(reply, record, unknownPath(`/${version}/${pixelId}/events`));

      const params = mergeParams(request.query, request.body);
      const token = tokenFrom(params, request);
      if (token) record.tokenHint = token.slice(-4);
      if (typeof params.test_event_code === 'string' && params.test_event_code !== '') {
        record.testEventCode = params.test_event_code;
      }

      const fault = injector.next(pixelId);
      if (fault) {
        record.fault = fault.type;
        if (fault.kind === 'hang') {
          if (fault.delayMs === undefined) {
            // Never answered: counted now, the socket stays open until reset() or close().
            finish(record, startedAt);
            hanging.add(reply.raw);
            reply.raw.once('close', () => hanging.delete(reply.raw));
            reply.hijack();
            return reply;
          }
          await sleep(fault.delayMs);
        } else {
          if (injector.latencyMs > 0) await sleep(injector.latencyMs);
          return sendFault(reply, record, fault);
        }
      }
      if (injector.latencyMs > 0) await sleep(injector.latencyMs);

      // Access token and permission on the pixel.
      if (!token) return sendGraphError(reply, record, tokenRequired());
      if (tokens) {
        const allowed = tokens[token];
        if (!allowed) return sendGraphError(reply, record, tokenInvalid());
        if (!allowed.includes(pixelId) && !allowed.includes('*')) {
          return sendGraphError(reply, record, objectNotAccessible(pixelId));
        }
      } else {
        if (!TOKEN_RE.test(token)) return sendGraphError(reply, record, tokenInvalid());
        if (token.toLowerCase().startsWith('expired')) return sendGraphError(reply, record, tokenExpired());
        if (!PIXEL_RE.test(pixelId)) return sendGraphError(reply, record, objectNotAccessible(pixelId));
      }

      // Top-level parameters.
      const testEventCode = params.test_event_code;
      if (testEventCode !== undefined && typeof testEventCode !== 'string') {
        return sendGraphError(reply, record, topLevelParameter('param test_event_code must be a string.'));
      }
      const partnerAgent = params.partner_agent;
      if (partnerAgent !== undefined && typeof partnerAgent !== 'string') {
        return sendGraphError(reply, record, topLevelParameter('param partner_agent must be a string.'));
      }
      const data = params.data;
      if (Array.isArray(data)) record.eventCount = data.length;

      const result = validateRequestData(data, { nowSec: Math.floor(now() / 1000), weakUserData });
      if (!result.ok) return sendGraphError(reply, record, result.error);

      record.eventCount = result.events.length;
      store.accept(result.events, {
        pixelId,
        apiVersion: version,
        testEventCode: testEventCode === '' ? undefined : testEventCode,
        partnerAgent,
        requestId: record.id,
        fbtraceId: record.fbtraceId,
        receivedAt: Date.now(),
      });
      record.status = 200;
      record.eventsReceived = result.events.length;
      return reply.header('x-fb-trace-id', record.fbtraceId).send({
        events_received: result.events.length,
        messages: result.warnings,
        fbtrace_id: record.fbtraceId,
      });
    } finally {
      if (record.status !== 0) finish(record, startedAt);
    }
  });

  // ---- Control API ------------------------------------------------------------------------------

  const limited = <T>(items: T[], limit: unknown): T[] => {
    const n = Number(limit);
    return Number.isInteger(n) && n > 0 && items.length > n ? items.slice(items.length - n) : items;
  };

  app.get('/__emulator/health', async () => ({ ok: true }));

  app.get('/__emulator/faults', async () => ({ faults: injector.list(), latencyMs: injector.latencyMs }));

  app.post('/__emulator/faults', async (request, reply) => {
    try {
      injector.add((request.body ?? {}) as FaultInput);
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
    return { faults: injector.list(), latencyMs: injector.latencyMs };
  });

  app.delete('/__emulator/faults', async () => {
    injector.clear();
    return { faults: [], latencyMs: 0 };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/__emulator/received', async (request) => {
    const q = request.query;
    const filter: ReceivedFilter = {};
    if (q.pixelId) filter.pixelId = q.pixelId;
    if (q.eventName) filter.eventName = q.eventName;
    if (q.testEventCode) filter.testEventCode = q.testEventCode;
    if (q.isTest === 'true' || q.isTest === 'false') filter.isTest = q.isTest === 'true';
    const events = limited(store.received(filter), q.limit);
    return { count: events.length, events };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/__emulator/requests', async (request) => {
    const requests = limited(store.requests(), request.query.limit);
    return { count: requests.length, requests };
  });

  app.get('/__emulator/stats', async () => store.stats());

  const reset = () => {
    store.reset();
    injector.clear();
    for (const res of hanging) res.destroy();
    hanging.clear();
  };

  app.post('/__emulator/reset', async () => {
    reset();
    return { ok: true };
  });

  // ---- Anything else answers like Graph does ------------------------------------------------------

  app.setNotFoundHandler((request, reply) => {
    const record = newRecord(request);
    const path = request.url.split('?')[0] ?? request.url;
    const spec: GraphErrorSpec = path.endsWith('/events')
      ? {
          status: 400,
          code: 100,
          type: 'GraphMethodException',
          message: `Unsupported ${request.method.toLowerCase()} request. This operation is not supported on this edge.`,
        }
      : unknownPath(path);
    sendGraphError(reply, record, spec);
    finish(record, record.at);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const record = newRecord(request);
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    sendGraphError(reply, record, {
      status: status === 413 || status === 415 ? status : 400,
      code: 100,
      message: `(#100) Could not read the request body: ${error.message}`,
    });
    finish(record, record.at);
  });

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const host = opts.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: async () => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      await app.close();
    },
    received: (filter) => store.received(filter),
    requests: () => store.requests(),
    reset,
    injectFaults: (input) => injector.add(input),
    clearFaults: () => injector.clear(),
    faults: () => ({ faults: injector.list(), latencyMs: injector.latencyMs }),
    stats: () => store.stats(),
  };
}

/** `rastro emulator meta --port N`: starts the emulator and prints one line with its URL. */
export async function runMetaEmulatorCli(port: number, host: string): Promise<MetaEmulator> {
  const emulator = await startMetaEmulator({ port, host });
  console.log(`Meta Conversions API emulator listening on ${emulator.url} (POST /v21.0/<pixel_id>/events)`);
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return emulator;
}
