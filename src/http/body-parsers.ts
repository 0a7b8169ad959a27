import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { RastroError } from '../core/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received: webhook signatures and rejected-request records need them. */
    rawBody?: Buffer;
  }
}

const parseJson = (buffer: Buffer): unknown => {
  if (buffer.length === 0) return undefined;
  try {
    return sjson.parse(buffer.toString('utf8'), undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (error) {
    throw new RastroError('bad_json', `body is not valid JSON: ${(error as Error).message}`);
  }
};

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
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (request, body, done) => {
      request.rawBody = body as Buffer;
      done(null, body);
    },
  );
}
