import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Two validators: bodies are validated strictly (a number where a string is expected is an error,
 * never silently turned into "5"), while querystrings, params and headers are strings on the wire
 * and are coerced to the declared types.
 */
export function registerValidators(app: FastifyInstance): void {
  // `verbose` gives each error its schema, so a field's own `errorMessage` can replace ajv's words
  // (src/http/error-handler.ts); it costs nothing on valid input.
  const base: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false, verbose: true };
  const strict = addFormats.default(new Ajv({ ...base, coerceTypes: false }));
  const coercing = addFormats.default(new Ajv({ ...base, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema),
  );
}
