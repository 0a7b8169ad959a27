import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RastroError, validationFailed, type FieldProblem } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { notJson } from './body-parsers.ts';
import type { AppContext } from './context.ts';

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  /** The schema holding the failed keyword (ajv's `verbose`): its `errorMessage` says it in words. */
  parentSchema?: { errorMessage?: unknown };
}

/** Turns Ajv issues into `{field, problem}` with dotted paths such as `body.events.0.event_time`. */
export function fieldProblems(context: string | undefined, issues: AjvIssue[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  // A union of literals fails as one `const` issue per literal, then `anyOf`: name the allowed values.
  // (Only when every branch is a literal: a union that also takes, say, an object names no values.)
  const allowed = new Map<string, unknown[]>();
  const otherForms = new Set<string>();
  for (const issue of issues) {
    const path = issue.instancePath ?? '';
    if (issue.keyword === 'const') allowed.set(path, [...(allowed.get(path) ?? []), issue.params?.allowedValue]);
    else if (issue.keyword !== 'anyOf' && issue.keyword !== 'oneOf') otherForms.add(path);
  }
  for (const path of otherForms) allowed.delete(path);
  for (const issue of issues) {
    if (issue.keyword === 'const' && (allowed.get(issue.instancePath ?? '')?.length ?? 0) > 1) continue;
    const segments = (issue.instancePath ?? '').split('/').filter(Boolean);
    if (issue.keyword === 'required' && typeof issue.params?.missingProperty === 'string') {
      segments.push(issue.params.missingProperty);
    }
    if (issue.keyword === 'additionalProperties' && typeof issue.params?.additionalProperty === 'string') {
      segments.push(issue.params.additionalProperty);
    }
    const field = [context ?? 'body', ...segments].join('.');
    const human = issue.parentSchema?.errorMessage;
    let problem = typeof human === 'string' ? human : (issue.message ?? 'is invalid');
    if (issue.keyword === 'required') problem = 'is required';
    if (issue.keyword === 'additionalProperties') problem = 'is not an allowed field';
    if (issue.keyword === 'anyOf' || issue.keyword === 'oneOf') {
      const values = allowed.get(issue.instancePath ?? '') ?? [];
      problem =
        values.length > 1
          ? `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`
          : 'does not match any allowed form';
    }
    const key = `${field}|${problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ field, problem });
  }
  return problems;
}

const sizeOf = (bytes: number): string =>
  bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;

function toRastroError(error: FastifyError, request: FastifyRequest): RastroError {
  if (error instanceof RastroError) return error;
  if (error.validation) {
    const problems = fieldProblems(error.validationContext, error.validation as AjvIssue[]);
    return validationFailed(problems);
  }
  const status = error.statusCode ?? 500;
  if (status === 413) {
    const limit = request.routeOptions.bodyLimit;
    return new RastroError(
      'payload_too_large',
      `request body is larger than this route accepts (at most ${sizeOf(limit)}, ${limit} bytes)`,
      { limit_bytes: limit },
    );
  }
  if (status === 415) return notJson(request.headers['content-type']);
  if (status === 400 && (error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError)) {
    return new RastroError('bad_json', `body is not valid JSON: ${error.message}`);
  }
  if (status === 429) return new RastroError('rate_limited', error.message);
  if (status >= 400 && status < 500) return new RastroError('validation_failed', error.message);
  return new RastroError('internal_error', 'internal error; see the server log for the request id');
}

/** Rejected input is kept (sealed: it may hold PII) so a tenant can see what was refused and why. */
async function keepRejection(ctx: AppContext, request: FastifyRequest, err: RastroError): Promise<void> {
  const tenantId = request.auth?.tenantId;
  // Bad credentials and unknown routes are not the tenant's data; a bad webhook signature is.
  if (!tenantId || ['unauthorized', 'forbidden', 'not_found'].includes(err.code)) return;
  const raw = request.rawBody;
  const body = raw && raw.length > 0 ? raw.subarray(0, 64 * 1024) : undefined;
  await ctx.db
    .insertInto('rejected_requests')
    .values({
      tenant_id: tenantId,
      rejection_id: newId(),
      source: request.routeOptions.url ?? request.url,
      method: request.method,
      url: request.url.replace(/([?&]key=)[^&]+/, '$1***'),
      code: err.code,
      message: err.message.slice(0, 2000),
      details: err.details === undefined ? null : JSON.stringify(err.details),
      body_sealed: body ? ctx.secrets.seal(body, tenantId) : null,
    })
    .execute();
}

export function registerErrorHandling(app: FastifyInstance, ctx: AppContext): void {
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const err = toRastroError(error, request);
    if (err.statusCode >= 500) request.log.error({ err: error, request_id: request.id }, 'request failed');
    try {
      await keepRejection(ctx, request, err);
    } catch (keepError) {
      request.log.error({ err: keepError, request_id: request.id }, 'could not keep rejected request');
    }
    return reply.status(err.statusCode).send(err.toBody());
  });
  app.setNotFoundHandler(async (request, reply) => {
    const err = new RastroError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(err.toBody());
  });
}
