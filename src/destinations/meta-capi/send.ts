/** One batch → POST {base}/{version}/{pixel_id}/events. Platform and network failures become SendResults. */
import { request } from 'undici';
import type { SendContext, SendResult } from '../types.ts';
import { classifyMetaResponse } from './classify.ts';
import { apiVersionOf, type MetaCapiConfig } from './config.ts';
import type { MetaEventsRequest } from './types.ts';
import { PARTNER_AGENT } from './version.ts';

/** Meta accepts at most 1,000 events per request. */
export const META_MAX_BATCH = 1000;
/** Kept from a non-JSON response body, at most. */
const MAX_RAW_BODY_CHARS = 4096;

export const metaEventsUrl = (config: MetaCapiConfig, ctx: SendContext): string =>
  `${ctx.baseUrls.meta.replace(/\/+$/, '')}/${apiVersionOf(config)}/${encodeURIComponent(config.pixel_id)}/events`;

/** Everything of the request body but its events (`data`), which are serialized on their own. */
const requestFields = (config: MetaCapiConfig): Omit<MetaEventsRequest, 'data'> => ({
  access_token: config.access_token,
  ...(config.test_event_code ? { test_event_code: config.test_event_code } : {}),
  partner_agent: PARTNER_AGENT,
});

const parseBody = (text: string): unknown => {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.length > MAX_RAW_BODY_CHARS ? `${text.slice(0, MAX_RAW_BODY_CHARS)}…` : text;
  }
};

/** A short description of a network failure, without anything from the request body. */
const networkMessage = (err: unknown, timeoutMs: number): string => {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const name = typeof e?.name === 'string' ? e.name : undefined;
  if (
    name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `timeout: no complete answer from Meta within ${timeoutMs} ms${code ? ` (${code})` : ''}`;
  }
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return `network error${code ? ` ${code}` : ''}: ${message}`;
};

/** Sends one batch. Never throws: every failure is classified into a SendResult. */
export const sendMetaBatch = async (
  payloads: Record<string, unknown>[],
  config: MetaCapiConfig,
  ctx: SendContext,
): Promise<SendResult> => {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  if (payloads.length === 0) {
    return {
      outcome: 'delivered',
      httpStatus: null,
      response: null,
      message: 'empty batch: nothing sent',
      durationMs: 0,
    };
  }
  if (payloads.length > META_MAX_BATCH) {
    return {
      outcome: 'permanent',
      httpStatus: null,
      response: null,
      message: `batch of ${payloads.length} events exceeds Meta's limit of ${META_MAX_BATCH}; nothing sent`,
      durationMs: 0,
    };
  }
  // The events are serialized once: that text is the request's `data` and what is kept as sent.
  const sent = JSON.stringify(payloads);
  const body = `{"data":${sent},${JSON.stringify(requestFields(config)).slice(1)}`;
  try {
    const res = await request(metaEventsUrl(config, ctx), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': ctx.userAgent },
      body,
      headersTimeout: ctx.timeoutMs,
      bodyTimeout: ctx.timeoutMs,
      // One deadline for the whole exchange, connection included.
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
    const text = await res.body.text();
    return {
      ...classifyMetaResponse({ status: res.statusCode, body: parseBody(text), headers: res.headers }, elapsed()),
      sent,
    };
  } catch (err) {
    return {
      outcome: 'retryable',
      httpStatus: null,
      response: null,
      message: networkMessage(err, ctx.timeoutMs),
      durationMs: elapsed(),
      sent,
    };
  }
};
