import compress, { type FastifyCompressOptions } from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import { RastroError } from '../core/errors.ts';

/**
 * Answers over 1 KB go out gzip- or brotli-compressed when the client accepts it (the API
 * reference's 1.5 MB of swagger-ui, /openapi.json, lists, /metrics). Routes on the ingest path opt
 * out with `compress: false`: their answers are a few bytes and the plugin's two hooks would run on
 * every tracked event. Request bodies are decompressed only where `DECOMPRESSED_BODIES` is set.
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, { globalDecompression: false });
}

/**
 * Route option for the batch routes a server calls (`POST /events`, `POST /track`): a body sent with
 * `Content-Encoding: gzip`, `br` or `deflate` is decompressed before it is parsed; the body limit
 * counts the decompressed bytes, and a rejected body is kept decompressed.
 */
export const DECOMPRESSED_BODIES: Pick<
  FastifyCompressOptions,
  'requestEncodings' | 'onInvalidRequestPayload' | 'onUnsupportedRequestEncoding'
> = {
  requestEncodings: ['gzip', 'br', 'deflate', 'identity'],
  onUnsupportedRequestEncoding: (encoding) =>
    new RastroError(
      'unsupported_media_type',
      `Content-Encoding ${encoding} is not accepted: send the body as is, or gzip, br or deflate`,
    ),
  // The plugin copies this error's own enumerable fields onto zlib's error, which reaches the error
  // handler as a 400: a message set after construction is one of them.
  onInvalidRequestPayload: (encoding, _request, error) =>
    Object.assign(new Error(), {
      statusCode: 400,
      message: `body could not be decompressed as ${encoding} (its Content-Encoding): ${error.message}`,
    }),
};
