/** Helpers for the gateway tests (fixtures, assertions on ParseResult). Not used at runtime. */
import { readFileSync } from 'node:fs';
import { RastroError } from '../core/errors.ts';
import type { GatewayConversion, ParseResult, RawWebhook } from './types.ts';

/** Reads `<gateway>/fixtures/<name>` as JSON. */
export function loadFixture(gateway: string, name: string): Record<string, unknown> {
  const url = new URL(`./${gateway}/fixtures/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

/** The conversion of a parse result, or a RastroError naming what came back instead. */
export function conversionOf(result: ParseResult): GatewayConversion {
  if (result.kind !== 'conversion') {
    throw new RastroError('validation_failed', `expected a conversion, got ${JSON.stringify(result)}`);
  }
  return result.conversion;
}

/** A copy of the webhook with one byte of the body changed at `index` (default: the middle). */
export function tamperBody(webhook: RawWebhook, index?: number): RawWebhook {
  const body = Buffer.from(webhook.rawBody);
  const at = index ?? Math.floor(body.length / 2);
  body[at] = (body[at] ?? 0) ^ 0x01;
  return { ...webhook, rawBody: body };
}

/** A copy of the webhook without the named header (lower-case). */
export function withoutHeader(webhook: RawWebhook, name: string): RawWebhook {
  const headers = { ...webhook.headers };
  delete headers[name];
  return { ...webhook, headers };
}
