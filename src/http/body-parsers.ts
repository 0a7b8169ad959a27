import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { RastroError } from '../core/errors.ts';
import { LONE_SURROGATE } from '../core/storable.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received: webhook signatures and rejected-request records need them. */
    rawBody?: Buffer;
  }
}

const parseJson = (buffer: Buffer): unknown => {
  if (buffer.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = sjson.parse(buffer.toString('utf8'), undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (error) {
    throw new RastroError('bad_json', `body is not valid JSON: ${(error as Error).message}`);
  }
  // Only a \u escape can put NUL or a lone surrogate in a string (raw bytes cannot).
  return storable(parsed, buffer.includes('\\u'), 'body', 0);
};

/** Deeper than any Rastro body needs; past it serializing and storing would overflow the stack. */
export const MAX_JSON_DEPTH = 64;
const NUL_PROBLEM = 'strings must not contain NUL (\\u0000)';

const refuse = (field: string, problem: string) =>
  new RastroError('validation_failed', `${field}: ${problem}`, [{ field, problem }]);

/**
 * What PostgreSQL can store, checked in place: nesting up to MAX_JSON_DEPTH, and when `escapes`,
 * strings without NUL or unpaired UTF-16 surrogates (JSON allows both as \u escapes; text and
 * jsonb hold neither, and a failed insert would be a 500). NUL is refused; an unpaired surrogate
 * (a string cut in the middle of an emoji, common in browsers) becomes U+FFFD, as a UTF-8 encoder
 * makes it.
 */
function storable(value: unknown, escapes: boolean, path: string, depth: number): unknown {
  if (typeof value === 'string') {
    if (!escapes) return value;
    if (value.includes('\u0000')) throw refuse(path, NUL_PROBLEM);
    return value.replace(LONE_SURROGATE, '\uFFFD');
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) throw refuse(path, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = storable(value[i], escapes, `${path}.${i}`, depth + 1);
    return value;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const item = storable(object[key], escapes, `${path}.${key}`, depth + 1);
    const name = escapes ? (storable(key, escapes, path, depth) as string) : key;
    if (name !== key) delete object[key];
    object[name] = item;
  }
  return value;
}

/**
 * JSON bodies are read as bytes and parsed here so the raw bytes stay available. `text/plain` is
 * parsed as JSON too, because navigator.sendBeacon cannot set a JSON content type without CORS preflight.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (request, body, done) => {
    const buffer = body as Buffer;
    request.rawBody = buffer;
    try {
      done(null, parseJson(buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Forms and raw bytes are read only to be refused with their bytes kept (the rejection record);
  // any other type is refused by Fastify before reading. Webhook routes have their own parsers.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (request, body, done) => {
      const buffer = body as Buffer;
      request.rawBody = buffer;
      // An empty form (`curl -X POST -d ''`) is no body at all.
      if (buffer.length === 0) done(null, undefined);
      else done(notJson(request.headers['content-type']), undefined);
    },
  );
}

/** A body Rastro cannot read: every API route takes JSON (webhook routes have their own parsers). */
export const notJson = (type: string | undefined): RastroError =>
  new RastroError(
    'unsupported_media_type',
    `body must be JSON: send Content-Type: application/json (got ${type?.split(';')[0]?.trim() || 'none'})`,
  );
